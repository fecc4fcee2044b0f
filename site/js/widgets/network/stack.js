// The network column of {network} as markup: the stacked recurrent layers, each with its loop (the state
// fed back to the next time step), "+" buttons between and around the layers and a remove button on each
// layer. Every control is a native <button> named by data-focus (`add-P`, `remove-K`, `layer-K`): the
// controller listens on the stack's box, re-renders on change and restores focus by that name.
import { h } from 'unrolled/lib/html.js';
import { MAX_LAYERS, MIN_LAYERS } from 'unrolled/widgets/network/grid.js';

const LOOP = h('svg', { class: 'net-loop', viewBox: '0 0 40 32', 'aria-hidden': 'true' },
  h('path', { class: 'net-loop-path', d: 'M8 24 C-4 24 -4 4 20 4 C44 4 44 24 32 24' }),
  h('path', { class: 'net-loop-head', d: 'M28 20 L33 24 L28 28' }));

/**
 * A button; `blocked` (why the grid cannot follow it, or null) keeps it focusable and labelled, with the
 * reason in its label and title.
 */
function button(cls, text, label, focus, blocked = null) {
  const name = blocked ? `${label} (${blocked})` : label;
  return h('button', {
    type: 'button', class: cls, 'aria-label': name, 'data-focus': focus, title: name,
    'aria-disabled': blocked ? 'true' : null,
  }, text);
}

function addSlot(position, layers, blocked) {
  if (layers >= MAX_LAYERS) return h('div', { class: 'net-add-slot' });
  let label;
  if (position === 0) label = 'Add a layer before layer 1';
  else if (position === layers) label = `Add a layer after layer ${layers}`;
  else label = `Add a layer between layers ${position} and ${position + 1}`;
  return h('div', { class: 'net-add-slot' }, button('net-add', '+', label, `add-${position}`, blocked));
}

function layer(k, { layers, cell, hidden, openable, removeBlocked }) {
  const kind = `${cell.toUpperCase()} · ${hidden} units`;
  // the space keeps the visible text "Layer 1 LSTM · 16 units", which the accessible name starts with
  const text = [h('span', { class: 'net-layer-name' }, `Layer ${k + 1}`), ' ', h('span', { class: 'net-layer-kind' }, kind)];
  const body = openable
    ? h('button', {
      type: 'button', class: 'net-layer-body', 'aria-label': `Layer ${k + 1} ${kind}, open the cell view`,
      'data-focus': `layer-${k}`, title: 'Open the cell view',
    }, text)
    : h('div', { class: 'net-layer-body' }, text);
  return h('div', { class: 'net-layer', 'data-layer': k, style: `--i: ${k}; --r: ${layers - 1 - k}` },
    body, LOOP,
    layers > MIN_LAYERS ? button('net-remove', '×', `Remove layer ${k + 1}`, `remove-${k}`, removeBlocked) : null);
}

/**
 * The stack. `layers`, `cell`, `hidden`: what to draw; `openable`: whether a {cell} view of the run exists
 * (the layers are buttons only then); `addBlocked` / `removeBlocked`: why one layer more / fewer is not
 * offered (null when it is).
 */
export function stack(spec) {
  const parts = [h('div', { class: 'net-port net-port-in' }, 'input xₜ'), addSlot(0, spec.layers, spec.addBlocked)];
  for (let k = 0; k < spec.layers; k += 1) parts.push(layer(k, spec), addSlot(k + 1, spec.layers, spec.addBlocked));
  parts.push(h('div', { class: 'net-port net-port-out' }, 'output ŷ'));
  return h('div', { class: 'net-stack', style: `--layers: ${spec.layers}` }, parts);
}
