// The network column of {network}: the stacked recurrent layers, each with its loop (the state fed back
// to the next time step), "+" buttons between and around the layers and a remove button on each layer.
// Every control is a native <button>; the caller re-renders on change and restores focus by data-focus.
import { MAX_LAYERS, MIN_LAYERS } from 'unrolled/widgets/network/grid.js';

const NS = 'http://www.w3.org/2000/svg';

function loopGlyph() {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('class', 'net-loop');
  svg.setAttribute('viewBox', '0 0 40 32');
  svg.setAttribute('aria-hidden', 'true');
  svg.innerHTML = '<path class="net-loop-path" d="M8 24 C-4 24 -4 4 20 4 C44 4 44 24 32 24"/>'
    + '<path class="net-loop-head" d="M28 20 L33 24 L28 28"/>';
  return svg;
}

function button(cls, text, label, focus) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = cls;
  b.textContent = text;
  if (label) b.setAttribute('aria-label', label);
  b.dataset.focus = focus;
  return b;
}

/** A button the grid cannot follow: still focusable and labelled, with the reason in its label and title. */
function block(b, reason) {
  if (!reason) return b;
  b.setAttribute('aria-disabled', 'true');
  b.setAttribute('aria-label', `${b.getAttribute('aria-label')} (${reason})`);
  b.title = b.getAttribute('aria-label');
  return b;
}

/**
 * Render the stack. `layers`, `cell`, `hidden`: what to draw; callbacks: add(position), remove(index),
 * open(index, button) (null when no {cell} view exists for the run: the layers are then not buttons);
 * `addBlocked` / `removeBlocked`: why one layer more / fewer is not offered (null when it is).
 */
export function renderStack({
  layers, cell, hidden, add, remove, open, addBlocked = null, removeBlocked = null,
}) {
  const root = document.createElement('div');
  root.className = 'net-stack';
  root.style.setProperty('--layers', layers);
  const port = (cls, text) => {
    const p = document.createElement('div');
    p.className = `net-port ${cls}`;
    p.textContent = text;
    return p;
  };
  const addSlot = (position) => {
    const slot = document.createElement('div');
    slot.className = 'net-add-slot';
    if (layers < MAX_LAYERS) {
      let label;
      if (position === 0) label = 'Add a layer before layer 1';
      else if (position === layers) label = `Add a layer after layer ${layers}`;
      else label = `Add a layer between layers ${position} and ${position + 1}`;
      const b = button('net-add', '+', label, `add-${position}`);
      b.title = label;
      block(b, addBlocked);
      b.addEventListener('click', () => { if (!addBlocked) add(position); });
      slot.append(b);
    }
    return slot;
  };
  root.append(port('net-port-in', 'input xₜ'), addSlot(0));
  for (let k = 0; k < layers; k += 1) {
    const layer = document.createElement('div');
    layer.className = 'net-layer';
    layer.dataset.layer = String(k);
    layer.style.setProperty('--i', k);
    layer.style.setProperty('--r', layers - 1 - k);
    const body = open ? button('net-layer-body', '', `Layer ${k + 1} ${cell.toUpperCase()} · ${hidden} units, open the cell view`, `layer-${k}`)
      : document.createElement('div');
    if (!open) body.className = 'net-layer-body';
    const name = document.createElement('span');
    name.className = 'net-layer-name';
    name.textContent = `Layer ${k + 1}`;
    const kind = document.createElement('span');
    kind.className = 'net-layer-kind';
    kind.textContent = `${cell.toUpperCase()} · ${hidden} units`;
    body.append(name, kind);
    if (open) {
      body.title = 'Open the cell view';
      body.addEventListener('click', () => open(k, body));
    }
    layer.append(body, loopGlyph());
    if (layers > MIN_LAYERS) {
      const r = button('net-remove', '×', `Remove layer ${k + 1}`, `remove-${k}`);
      r.title = `Remove layer ${k + 1}`;
      block(r, removeBlocked);
      r.addEventListener('click', () => { if (!removeBlocked) remove(k); });
      layer.append(r);
    }
    root.append(layer, addSlot(k + 1));
  }
  root.append(port('net-port-out', 'output ŷ'));
  return root;
}
