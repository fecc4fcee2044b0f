// {cell}: the live view of a built-in cell. It draws the first frame's markup (cell/view.js) at the
// position the options and the page's URL ask for, then listens: the step, phase, layer and epoch
// controls, playing, the expanded view in a dialog (cell/dialog.js), the linked views `epoch`, `step`,
// `layer` (unrolled/lib/state.js) and requests to open it from other widgets (`open`, `cell-open`).
import * as store from 'unrolled/lib/state.js';
import { join } from 'unrolled/lib/html.js';
import { infoButton } from 'unrolled/lib/explain.js';
import { ready } from 'unrolled/lib/ready.js';
import { clampFocus } from 'unrolled/widgets/cell/diagram.js';
import {
  PHASES, checkShape, decodeSnapshot, indexOf, ioText, layersOf, modelOf, order, positionOf, stagesOf, stepsOf, total,
  whereText,
} from 'unrolled/widgets/cell/model.js';
import {
  BASE_INTERVAL, diagramOf, equations, legendOf, phaseText, plotOf, positionAttrs, sliderText, stageClass, stages,
  tables, view,
} from 'unrolled/widgets/cell/view.js';
import { expandable } from 'unrolled/widgets/cell/dialog.js';
import { unitKeys } from 'unrolled/widgets/cell/units.js';

const PARTS = {
  'cell.input': 'receiving the input', 'cell.forget': 'the forget gate', 'cell.input-gate': 'the input gate',
  'cell.candidate': 'the candidate', 'cell.output-gate': 'the output gate', 'cell.state': 'the cell state',
  'cell.output': 'the output', 'cell.reset': 'the reset gate', 'cell.update': 'the update gate',
  'cell.backward': 'the backward pass',
};

const instances = new WeakMap();
const pending = new WeakMap();

/** Open the cell view of `element` (the figure or anything inside it) expanded; see the header of widgets/cell.js. */
export function open(element, request = {}) {
  const figure = element.closest('[data-widget="cell"]') || element;
  const instance = instances.get(figure);
  if (instance) {
    instance.open(request);
    return;
  }
  // not hydrated yet (page.js hydrates widgets as they near the viewport): remember, and hydrate it now
  pending.set(figure, request);
  ready(figure.id).catch(() => {});
}

/** The position the page's URL asks for, where it fits this figure. */
function fromUrl(m, pos) {
  const snap = m.snaps.findIndex((s) => s.epoch === store.get('epoch'));
  const step = store.get('step');
  const layer = store.get('layer');
  if (snap >= 0) pos.snap = snap;
  if (step !== undefined && step < stepsOf(m)) pos.t = step;
  if (layer !== undefined && layer < layersOf(m)) pos.layer = layer;
}

/** The live view of a built-in cell, started from the first frame's markup. */
export function hydrate(state, element) {
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
    if (headInfo) q('.cell-title strong').after(headInfo);
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
  unitKeys(element, {
    wrap: () => r.diagramWrap,
    readout: () => r.readout,
    where: () => ({ dia: m.dia, geo: m.dia.layers[pos.layer], phase: pos.phase }),
    focus: (next) => { focus = next; },
  });

  store.subscribe('step', (v) => {
    if (v !== undefined && v < stepsOf(m) && v !== pos.t) go({ t: v }, { publish: false });
  }, element);
  store.subscribe('layer', (v) => {
    if (v !== undefined && v < layersOf(m) && v !== pos.layer) go({ layer: v }, { publish: false });
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
