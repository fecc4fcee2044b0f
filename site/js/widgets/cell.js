// {cell}: the inside of one recurrent cell (LSTM, GRU or vanilla RNN) with the model's real traced
// numbers. The reader steps through the compute steps of each time step t, forward (receive input →
// gate activations → cell update → output) and backward (∂L/∂h_t arrives → … → gate pre-activations),
// across time steps, layers and exported epochs, with the traced sequence plotted beside the diagram.
//
// `frame(data, options, id)` is the first frame (markup; the generator puts it in the page) and
// `dataTable(data, options)` its text alternative; options = {snapshot (index), layer, step, phase}.
// data = the directive's payload (generator/directives/cell.py): one traced sequence, every snapshot
// and layer as float32, plus the diagram geometry and texts. The default export takes (state, element),
// draws the same markup (cell/view.js, numbers from cell/model.js) and attaches the behaviour.
// Linked views (unrolled/lib/state.js, kept in the URL): `epoch`, `step`, `layer`.
//
// Opening the cell view from elsewhere (e.g. a layer button of {network}):
//
//   import { open } from 'unrolled/widgets/cell.js';
//   const figure = document.querySelector('[data-widget="cell"][data-run="sine-lstm"]');
//   open(figure, { layer: 1, step: 3, phase: 'forward', source: layerButton });
//
// or, once the figure is hydrated (data-state="ready"), without importing anything:
//
//   figure.dispatchEvent(new CustomEvent('cell-open', { detail: { layer: 1, step: 3, source: layerButton } }));
//
// Both show that layer / time step (/ phase, / epoch) and open the expanded view in a modal dialog,
// zooming out of `source` (its bounding box; default: the figure). Escape or a click outside closes it
// and focus returns to `source` (default: whatever had focus). `open` called before the figure has
// hydrated (page.js hydrates widgets as they near the viewport) hydrates it and applies the request
// once it is ready. The figure fires `cell-toggle` ({detail: {open}})
// when the expanded view opens or closes. Note: the cell view's styles (css/cell.css) are linked only
// on pages that contain a {cell} block.
import * as store from 'unrolled/lib/state.js';
import { join } from 'unrolled/lib/html.js';
import { infoButton } from 'unrolled/lib/explain.js';
import { clampFocus, liveNodes, move } from 'unrolled/widgets/cell/diagram.js';
import {
  PHASES, checkShape, decodeSnapshot, indexOf, ioText, layersOf, modelOf, order, positionOf, stagesOf, stepsOf, total,
  whereText,
} from 'unrolled/widgets/cell/model.js';
import {
  BASE_INTERVAL, READOUT, diagramOf, equations, legendOf, phaseText, plotOf, positionAttrs, sliderText,
  stageClass, stages, tables, view,
} from 'unrolled/widgets/cell/view.js';
import { expandable } from 'unrolled/widgets/cell/dialog.js';
import { dataTable as genericTable, frame as genericFrame, generic } from 'unrolled/widgets/cell/generic.js';

const PARTS = {
  'cell.input': 'receiving the input', 'cell.forget': 'the forget gate', 'cell.input-gate': 'the input gate',
  'cell.candidate': 'the candidate', 'cell.output-gate': 'the output gate', 'cell.state': 'the cell state',
  'cell.output': 'the output', 'cell.reset': 'the reset gate', 'cell.update': 'the update gate',
  'cell.backward': 'the backward pass',
};

/** The first frame; an author's own cell (`cell: "custom"`) has no built-in diagram and gets the generic view. */
export function frame(data, options, id) {
  if (data.cell === 'custom') return genericFrame(data, options, id);
  const m = modelOf(data);
  return String(view(m, positionOf(m, options), id));
}

/** The text alternative of the first frame. */
export function dataTable(data, options) {
  if (data.cell === 'custom') return genericTable(data, options);
  const m = modelOf(data);
  return String(tables(m, positionOf(m, options)));
}

const instances = new WeakMap();
const pending = new WeakMap();

/** Open the cell view of `element` (the figure or anything inside it) expanded; see the header. */
export function open(element, request = {}) {
  const figure = element.closest('[data-widget="cell"]') || element;
  const instance = instances.get(figure);
  if (instance) {
    instance.open(request);
    return;
  }
  // not hydrated yet (page.js hydrates widgets as they near the viewport): remember, and hydrate it now
  pending.set(figure, request);
  import('unrolled/page.js').then((page) => page.ready?.(figure.id)).catch(() => {});
}

/** The position the page's URL asks for, where it fits this figure. */
function fromUrl(m, pos) {
  const snap = m.snaps.findIndex((s) => s.epoch === store.get('epoch'));
  const step = store.get('step');
  const layer = store.get('layer');
  if (snap >= 0) pos.snap = snap;
  if (Number.isInteger(step) && step >= 0 && step < stepsOf(m)) pos.t = step;
  if (Number.isInteger(layer) && layer >= 0 && layer < layersOf(m)) pos.layer = layer;
}

export default function cell(state, element) {
  if (state.data.cell === 'custom') return generic(state, element);
  const { id } = element;
  const box = element.querySelector('.widget-frame');
  const details = element.querySelector('.widget-data');
  let m = modelOf(state.data);
  const pos = positionOf(m, { ...state.options, snapshot: state.snapshot });
  fromUrl(m, pos);
  let focus = { node: 0, unit: 0 };
  let playing = null;
  let speed = 1;
  let expander = null;
  let shownPhase = null;
  let r = {};

  // (i) buttons: made once per key (each owns a popover in <body>) and moved back in after a redraw
  const infos = new Map();
  const info = (key, explain, label) => {
    if (!infos.has(key)) infos.set(key, infoButton(explain, label));
    return infos.get(key);
  };
  function decorateStages() {
    const first = r.stageList.firstElementChild;
    const input = pos.phase === 'forward' ? info('input', 'cell.input', PARTS['cell.input']) : null;
    if (input && first) first.append(input);
    for (const li of r.equationList.children) {
      const k = Number(li.dataset.equation);
      const key = m.dia.equations[k].explain;
      const button = key ? info(`${k}:${key}`, key, PARTS[key] || key) : null;
      if (button) li.append(button);
    }
    expander?.adopt();
  }

  /** Draw the whole view from the first frame's markup and find its parts. */
  function mount() {
    expander?.close();
    box.innerHTML = String(view(m, pos, id));
    const q = (selector) => box.querySelector(selector);
    r = {
      root: q('.cell-view'), where: q('.cell-where'), expand: q('.cell-expand'), diagramWrap: q('.cell-diagram-wrap'),
      readout: q('.cell-readout'), phaseName: q('.cell-phase-name'), stageList: q('.cell-stages'),
      equationList: q('.cell-equations'), note: q('.cell-note'), plotWrap: q('.cell-plot-wrap'), io: q('.cell-io'),
      phaseButtons: PHASES.map((phase) => q(`.cell-phase-${phase}`)), prev: q('.cell-prev'), play: q('.cell-play'),
      next: q('.cell-next'), slider: q(`#${id}-step`), sliderOut: q('.cell-slider output'), layer: q(`#${id}-layer`),
      epoch: q(`#${id}-epoch`), status: q('.cell-status'),
    };
    const headInfo = info('cell', 'cell', m.dia.title);
    if (headInfo) q('.cell-title').append(headInfo);
    const backInfo = info('backward', 'cell.backward', PARTS['cell.backward']);
    if (backInfo) q('.cell-group').append(backInfo);
    shownPhase = pos.phase;
    decorateStages();
    Object.assign(element.dataset, positionAttrs(m, pos));
    expander = expandable({
      figure: element,
      view: r.root,
      home: box,
      onToggle(isOpen) {
        r.expand.textContent = isOpen ? 'Close' : 'Expand';
        r.expand.setAttribute('aria-label', isOpen ? 'Close the expanded cell view' : 'Expand the cell view');
        r.expand.setAttribute('aria-expanded', String(isOpen));
        r.root.classList.toggle('is-expanded', isOpen);
        element.dataset.expanded = String(isOpen);
        if (isOpen) r.expand.focus();
        element.dispatchEvent(new CustomEvent('cell-toggle', { detail: { open: isOpen } }));
      },
    });
  }

  /** Show the current position in the mounted view. */
  function render({ announce = !playing } = {}) {
    const active = document.activeElement;
    const unitFocused = r.diagramWrap.contains(active);
    focus = clampFocus(m.dia, m.dia.layers[pos.layer], pos.phase, focus) || { node: 0, unit: 0 };
    r.diagramWrap.innerHTML = String(diagramOf(m, pos, id, focus));
    if (unitFocused) r.diagramWrap.querySelector('rect.unit[tabindex="0"]')?.focus();
    r.root.querySelector('.cell-legend').outerHTML = String(legendOf(m, pos));
    r.where.textContent = whereText(m, pos);
    r.phaseName.textContent = phaseText(m, pos);
    if (shownPhase !== pos.phase) {
      r.stageList.innerHTML = String(join(stages(m, pos)));
      r.equationList.innerHTML = String(join(equations(m, pos)));
      r.note.innerHTML = m.dia.notes[pos.phase];
      shownPhase = pos.phase;
      decorateStages();
    } else {
      Array.from(r.stageList.children).forEach((li, k) => {
        li.className = stageClass(k, pos.stage) || '';
        const button = li.querySelector('.cell-stage');
        if (k === pos.stage) button.setAttribute('aria-current', 'step'); else button.removeAttribute('aria-current');
      });
      Array.from(r.equationList.children).forEach((li) => {
        li.classList.toggle('is-active', Number(li.dataset.stage) === pos.stage);
      });
    }
    r.plotWrap.innerHTML = String(plotOf(m, pos, id));
    r.io.textContent = ioText(m, pos);
    r.phaseButtons.forEach((b, k) => b.setAttribute('aria-pressed', String(PHASES[k] === pos.phase)));
    r.slider.value = String(pos.t);
    r.slider.setAttribute('aria-valuetext', `t = ${sliderText(m, pos)}`);
    r.sliderOut.textContent = sliderText(m, pos);
    r.layer.value = String(pos.layer);
    r.epoch.value = String(pos.snap);
    const index = indexOf(m, pos);
    r.prev.disabled = index === 0;
    r.next.disabled = index === total(m) - 1;
    const attrs = positionAttrs(m, pos);
    Object.assign(r.root.dataset, attrs);
    Object.assign(element.dataset, attrs);
    details.innerHTML = `<summary>Data</summary>${tables(m, pos)}`;
    if (announce) {
      r.status.textContent = `${pos.phase === 'forward' ? 'Forward' : 'Backward'} pass, time step ${pos.t} of `
        + `${stepsOf(m) - 1}, compute step ${pos.stage + 1} of ${stagesOf(m, pos.phase)}: `
        + `${m.dia.stages[pos.phase][pos.stage].name}.`;
    }
  }

  /** Move to a position; publishes changed shared keys. */
  function go(change, { publish = true } = {}) {
    const before = { t: pos.t, layer: pos.layer, snap: pos.snap };
    Object.assign(pos, change);
    render();
    if (!publish) return;
    const shared = {};
    if (pos.t !== before.t) shared.step = pos.t;
    if (pos.layer !== before.layer) shared.layer = pos.layer;
    if (pos.snap !== before.snap) shared.epoch = m.snaps[pos.snap].epoch;
    if (Object.keys(shared).length) store.set(shared, element);
  }

  function goIndex(index) {
    const [phase, t, stage] = order(m)[index];
    go({ phase, t, stage });
  }

  // ---- playing ----
  function tick() {
    if (indexOf(m, pos) >= total(m) - 1) { stop(); return; }
    goIndex(indexOf(m, pos) + 1);
    if (indexOf(m, pos) >= total(m) - 1) stop();
  }
  function schedule() {
    clearInterval(playing);
    playing = setInterval(tick, BASE_INTERVAL / speed);
  }
  function play() {
    if (playing) return;
    if (indexOf(m, pos) >= total(m) - 1) goIndex(0);
    schedule();
    r.play.textContent = 'Pause';
    r.root.dataset.playing = 'true';
    r.status.textContent = `Playing at ${speed}×.`;
  }
  function stop() {
    if (!playing) return;
    clearInterval(playing);
    playing = null;
    r.play.textContent = 'Play';
    r.root.dataset.playing = 'false';
    render();
  }

  // ---- wiring: delegated to the figure, so it survives redraws and reaches the expanded view ----
  const clicks = {
    '.cell-prev': () => { stop(); goIndex(Math.max(0, indexOf(m, pos) - 1)); },
    '.cell-next': () => { stop(); goIndex(Math.min(total(m) - 1, indexOf(m, pos) + 1)); },
    '.cell-play': () => (playing ? stop() : play()),
    '.cell-phase-forward': () => { stop(); go({ phase: 'forward', stage: 0 }); },
    '.cell-phase-backward': () => { stop(); go({ phase: 'backward', stage: 0 }); },
    '.cell-stage': (button) => {
      stop();
      go({ stage: Array.prototype.indexOf.call(r.stageList.children, button.closest('li')) });
    },
    '.cell-expand': (button) => (expander.isOpen ? expander.close() : expander.open({ source: button, from: box })),
  };
  element.addEventListener('click', (event) => {
    for (const [selector, act] of Object.entries(clicks)) {
      const target = event.target.closest?.(selector);
      if (target && r.root.contains(target)) { act(target); return; }
    }
  });
  element.addEventListener('change', (event) => {
    const { target } = event;
    if (target.classList.contains('cell-speed')) {
      speed = Number(target.value);
      r.root.dataset.interval = String(BASE_INTERVAL / speed);
      if (playing) schedule();
    } else if (target === r.layer) go({ layer: Number(target.value) });
    else if (target === r.epoch) go({ snap: Number(target.value) });
  });
  element.addEventListener('input', (event) => {
    if (event.target === r.slider) go({ t: Number(r.slider.value) });
  });

  // the units: hover or focus reads a value out; arrow keys move the roving tab stop
  const unitOf = (target) => (target.classList?.contains('unit') && r.diagramWrap.contains(target) ? target : null);
  const readOut = (unit) => {
    const value = unit.getAttribute('data-value');
    r.readout.textContent = value === null ? READOUT
      : `${unit.getAttribute('aria-label')}; as stored (float32): ${Number(Number(value).toPrecision(9))}`;
  };
  const where = (unit) => {
    const node = unit.closest('.node[data-key]');
    if (!node) return null;
    const list = liveNodes(m.dia, pos.phase).map((n) => n.id);
    return { node: list.indexOf(node.dataset.node), unit: Number(unit.dataset.unit) };
  };
  element.addEventListener('pointerover', (event) => { const unit = unitOf(event.target); if (unit) readOut(unit); });
  element.addEventListener('focusin', (event) => {
    const unit = unitOf(event.target);
    if (!unit) return;
    focus = where(unit) || focus;
    readOut(unit);
  });
  element.addEventListener('keydown', (event) => {
    const unit = unitOf(event.target);
    const at = unit && where(unit);
    if (!at) return;
    const next = move(m.dia, m.dia.layers[pos.layer], pos.phase, at, event.key);
    if (!next) return;
    event.preventDefault();
    focus = next;
    const id2 = liveNodes(m.dia, pos.phase)[next.node].id;
    const target = r.diagramWrap.querySelector(`.node[data-node="${id2}"] rect.unit[data-unit="${next.unit}"]`);
    r.diagramWrap.querySelectorAll('rect.unit[tabindex="0"]').forEach((u) => u.setAttribute('tabindex', -1));
    target.setAttribute('tabindex', 0);
    target.focus();
  });

  store.subscribe('step', (v) => {
    if (Number.isInteger(v) && v >= 0 && v < stepsOf(m) && v !== pos.t) go({ t: v }, { publish: false });
  }, element);
  store.subscribe('layer', (v) => {
    if (Number.isInteger(v) && v >= 0 && v < layersOf(m) && v !== pos.layer) go({ layer: v }, { publish: false });
  }, element);
  store.subscribe('epoch', (v) => {
    const k = m.snaps.findIndex((s) => s.epoch === v);
    if (k >= 0 && k !== pos.snap) go({ snap: k }, { publish: false });
  }, element);

  function openRequest(request = {}) {
    const change = {};
    const layer = Number(request.layer);
    if (request.layer !== undefined && Number.isInteger(layer) && layer >= 0 && layer < layersOf(m)) change.layer = layer;
    const t = Number(request.step);
    if (request.step !== undefined && Number.isInteger(t) && t >= 0 && t < stepsOf(m)) change.t = t;
    if (PHASES.includes(request.phase)) { change.phase = request.phase; change.stage = 0; }
    const k = m.snaps.findIndex((s) => s.epoch === request.epoch);
    if (k >= 0) change.snap = k;
    if (Object.keys(change).length) go(change);
    expander.open({ source: request.source || null, from: request.source || box });
  }
  element.addEventListener('cell-open', (event) => openRequest(event.detail || {}));
  instances.set(element, { open: openRequest });

  mount();
  if (pending.has(element)) {
    const request = pending.get(element);
    pending.delete(element);
    openRequest(request);
  }

  return {
    /** Replace the data (e.g. traced by an in-browser run) and show the same position where possible. */
    update(next) {
      const snaps = next.data.snapshots.map((s) => decodeSnapshot(s, next.data.kind));
      if (!next.data.diagram) checkShape(m.dia, snaps, next.data.cell);
      stop();
      m = { data: { ...next.data, diagram: next.data.diagram || m.dia }, dia: next.data.diagram || m.dia, snaps };
      pos.snap = snaps.length - 1;
      pos.layer = Math.min(pos.layer, layersOf(m) - 1);
      pos.t = Math.min(pos.t, stepsOf(m) - 1);
      pos.stage = Math.min(pos.stage, stagesOf(m, pos.phase) - 1);
      mount();
      details.innerHTML = `<summary>Data</summary>${tables(m, pos)}`;
    },
    open: openRequest,
    close: () => expander.close(),
  };
}
