// {cell}: the inside of one recurrent cell (LSTM, GRU or vanilla RNN) with the model's real traced
// numbers. The reader steps through the compute steps of each time step t, forward (receive input →
// gate activations → cell update → output) and backward (∂L/∂h_t arrives → … → gate pre-activations),
// across time steps, layers and exported epochs, with the traced sequence plotted beside the diagram.
//
// Takes (state, element); state.data = the directive's payload (generator/directives/cell.py): one
// traced sequence, every snapshot and layer as float32, plus the diagram geometry and texts.
// Linked views (unrolled/lib/state.js, mirrored in the URL): `epoch`, `step`, `layer`.
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
import { decode } from 'unrolled/lib/arrays.js';
import * as store from 'unrolled/lib/state.js';
import { infoButton } from 'unrolled/lib/explain.js';
import { buildDiagram } from 'unrolled/widgets/cell/diagram.js';
import { domainOf, drawFunction, drawText } from 'unrolled/widgets/cell/seqplot.js';
import {
  char, gradient, legendTicks, short,
} from 'unrolled/widgets/cell/format.js';
import { expandable } from 'unrolled/widgets/cell/dialog.js';
import { generic } from 'unrolled/widgets/cell/generic.js';

// An author's own cell has no built-in diagram: its first frame and live view are the generic ones
// (cell/generic.js); the built-in cells' first frames are drawn by generator/directives/cell.py.
export { frame, dataTable } from 'unrolled/widgets/cell/generic.js';

const SPEEDS = [0.5, 1, 2, 4];
const BASE_INTERVAL = 1000; // ms per compute step at 1×
const PHASES = ['forward', 'backward'];
const READOUT = 'Hover over or focus a unit to read its exact value.';
const PARTS = {
  'cell.input': 'receiving the input', 'cell.forget': 'the forget gate', 'cell.input-gate': 'the input gate',
  'cell.candidate': 'the candidate', 'cell.output-gate': 'the output gate', 'cell.state': 'the cell state',
  'cell.output': 'the output', 'cell.reset': 'the reset gate', 'cell.update': 'the update gate',
  'cell.backward': 'the backward pass',
};

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

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') node.textContent = v;
    else if (k === 'html') node.innerHTML = v;
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

// Published from Python, arrays arrive as plain (nested) lists: flatten them into the typed arrays the
// documents decode to, since the views slice rows of (T, units) values.
const typed = (v) => (Array.isArray(v) ? Float64Array.from(v.flat(Infinity)) : decode(v));

function decodeSnapshot(s, kind) {
  const out = {
    epoch: s.epoch,
    input: typed(s.input),
    target: typed(s.target),
    loss: typed(s.loss),
    layers: s.layers.map((layer) => Object.fromEntries(Object.entries(layer).map(([k, v]) => [k, typed(v)]))),
  };
  // function data: one output per step; text: the logits (T, V), of which the widget shows the argmax
  const output = typed(s.output);
  out.output = output;
  if (kind === 'text') {
    const width = s.output.shape ? s.output.shape[1] : output.length / out.input.length;
    out.predicted = Int32Array.from(out.input, (_, t) => {
      let best = 0;
      for (let j = 1; j < width; j += 1) if (output[t * width + j] > output[t * width + best]) best = j;
      return best;
    });
  }
  return out;
}

/** A long equation scrolls sideways inside its line; keyboard users can then reach and scroll it too. */
function keyboardScrollable(items) {
  for (const item of items) {
    if (item.scrollWidth > item.clientWidth + 1) {
      item.tabIndex = 0;
    } else {
      item.removeAttribute('tabindex');
    }
  }
}

export default function cell(state, element) {
  if (state.data.cell === 'custom') return generic(state, element);
  let data = state.data;
  let dia = data.diagram;
  let snaps = data.snapshots.map((s) => decodeSnapshot(s, data.kind));
  const id = element.id;
  const frame = element.querySelector('.widget-frame');
  const details = element.querySelector('.widget-data');
  const opts = state.options || {};
  const nLayers = () => snaps[0].layers.length;
  const steps = () => snaps[0].input.length;

  const view = {
    snap: Math.min(state.snapshot ?? snaps.length - 1, snaps.length - 1),
    layer: opts.layer ?? 0,
    phase: opts.phase === 'backward' ? 'backward' : 'forward',
    t: opts.step ?? 0,
    stage: 0,
  };
  const fromUrl = {
    epoch: snaps.findIndex((s) => s.epoch === store.get('epoch')),
    step: store.get('step'),
    layer: store.get('layer'),
  };
  if (fromUrl.epoch >= 0) view.snap = fromUrl.epoch;
  if (Number.isInteger(fromUrl.step) && fromUrl.step >= 0 && fromUrl.step < steps()) view.t = fromUrl.step;
  if (Number.isInteger(fromUrl.layer) && fromUrl.layer >= 0 && fromUrl.layer < nLayers()) view.layer = fromUrl.layer;
  let playing = null;
  let speed = 1;
  let expander = null;

  // ---- positions: forward t = 0..T-1, then backward t = T-1..0, each through its compute steps ----
  const stagesOf = (phase) => dia.stages[phase].length;
  const order = () => {
    const list = [];
    for (let t = 0; t < steps(); t += 1) for (let s = 0; s < stagesOf('forward'); s += 1) list.push(['forward', t, s]);
    for (let t = steps() - 1; t >= 0; t -= 1) {
      for (let s = 0; s < stagesOf('backward'); s += 1) list.push(['backward', t, s]);
    }
    return list;
  };
  const indexOf = () => {
    const n = steps();
    const f = stagesOf('forward');
    if (view.phase === 'forward') return view.t * f + view.stage;
    return n * f + (n - 1 - view.t) * stagesOf('backward') + view.stage;
  };
  const total = () => steps() * (stagesOf('forward') + stagesOf('backward'));

  // ---- the DOM ----
  const titleId = `${id}-title`;
  const where = h('span', { class: 'cell-where' });
  const title = h('p', { class: 'cell-title', id: titleId }, h('strong', { text: dia.title }), ' ', where);
  const headInfo = infoButton('cell', dia.title);
  if (headInfo) title.append(headInfo);
  const expandButton = h('button', { type: 'button', class: 'cell-expand', 'aria-expanded': 'false' });
  const head = h('div', { class: 'cell-head' }, title, expandButton);

  const diagramWrap = h('div', { class: 'cell-diagram-wrap' });
  const readout = h('p', { class: 'cell-readout', 'aria-hidden': 'true', text: READOUT });
  const legendTitle = h('span', { class: 'cell-legend-title' });
  const ticks = h('span', { class: 'cell-legend-ticks' });
  const bar = h('span', { class: 'cell-legend-bar', style: `background: ${gradient()}` });
  const legend = h('div', { class: 'cell-legend' }, legendTitle, h('span', { class: 'cell-legend-scale' },
    bar,
    ticks));
  const main = h('div', { class: 'cell-main' }, diagramWrap, readout, legend);

  const phaseName = h('p', { class: 'cell-phase-name' });
  const stageList = h('ol', { class: 'cell-stages' });
  const equationList = h('ul', { class: 'cell-equations' });
  const note = h('p', { class: 'cell-note' });
  const stepsPanel = h('div', { class: 'cell-steps' }, phaseName, stageList, equationList, note);
  const plotWrap = h('div', { class: 'cell-plot-wrap' });
  const plotKey = data.kind === 'text' ? null : h('p', { class: 'cell-plot-key', 'aria-hidden': 'true' },
    h('span', { class: 'key key-input', text: 'input x' }), h('span', { class: 'key key-target', text: 'target y' }),
    h('span', { class: 'key key-output', text: 'output ŷ' }));
  const io = h('p', { class: 'cell-io' });
  const dataPanel = h('div', { class: 'cell-data' }, plotWrap, plotKey, io);
  const body = h('div', { class: 'cell-body' }, main, stepsPanel, dataPanel);

  // controls
  const phaseButtons = PHASES.map((phase) => h('button', {
    type: 'button', class: `cell-phase cell-phase-${phase}`, 'aria-pressed': 'false',
    text: phase === 'forward' ? 'Forward pass' : 'Backward pass',
  }));
  const backwardInfo = infoButton('cell.backward', PARTS['cell.backward']);
  const phaseGroup = h('div', { class: 'cell-group', role: 'group', 'aria-label': 'Jump to a pass' },
    ...phaseButtons, backwardInfo);
  const prevButton = h('button', {
    type: 'button', class: 'cell-prev', 'aria-label': 'Previous compute step', text: '◀ Previous',
  });
  const playButton = h('button', { type: 'button', class: 'cell-play', text: 'Play' });
  const nextButton = h('button', {
    type: 'button', class: 'cell-next', 'aria-label': 'Next compute step', text: 'Next ▶',
  });
  const speedSelect = h('select', { id: `${id}-speed`, class: 'cell-speed' },
    ...SPEEDS.map((s) => h('option', { value: String(s), text: `${s}×` })));
  speedSelect.value = '1';
  const transport = h('div', { class: 'cell-group', role: 'group', 'aria-label': 'Step through the computation' },
    prevButton, playButton, nextButton,
    h('span', { class: 'cell-field' }, h('label', { for: speedSelect.id, text: 'Speed' }), speedSelect));
  const slider = h('input', {
    type: 'range', id: `${id}-step`, min: 0, max: steps() - 1, step: 1, value: view.t, class: 'cell-step',
  });
  const sliderOut = h('output', { for: slider.id });
  const sliderRow = h('div', { class: 'cell-slider' }, h('label', { for: slider.id, text: 'Time step t' }), slider,
    sliderOut);
  const layerSelect = h('select', { id: `${id}-layer` });
  const epochSelect = h('select', { id: `${id}-epoch` });
  const pickers = h('div', { class: 'cell-group cell-pickers' },
    h('span', { class: 'cell-field' }, h('label', { for: layerSelect.id, text: 'Layer' }), layerSelect),
    h('span', { class: 'cell-field' }, h('label', { for: epochSelect.id, text: 'Epoch' }), epochSelect));
  const controls = h('div', { class: 'cell-controls' }, phaseGroup, transport, sliderRow, pickers);
  const status = h('p', { class: 'cell-status', role: 'status', 'aria-live': 'polite' });

  const root = h('div', { class: `cell-view cell-${dia.cell}` }, head, body, controls, status);
  frame.replaceChildren(root);

  function fillPickers() {
    layerSelect.replaceChildren(...snaps[0].layers.map((_, k) => h('option', {
      value: String(k), text: k === 0 ? `1 (reads the ${data.kind === 'text' ? 'text' : 'data'})` : String(k + 1),
    })));
    epochSelect.replaceChildren(...snaps.map((s, k) => h('option', { value: String(k), text: String(s.epoch) })));
    layerSelect.disabled = nLayers() < 2;
    epochSelect.disabled = snaps.length < 2;
    slider.max = String(steps() - 1);
  }
  fillPickers();

  // ---- explanation buttons and stage list (rebuilt when the phase changes) ----
  const equationInfo = new Map();
  function buildStages() {
    const list = dia.stages[view.phase];
    stageList.replaceChildren(...list.map((s, k) => {
      const button = h('button', { type: 'button', class: 'cell-stage' },
        h('span', { class: 'stage-num', text: String(k + 1) }), ' ', h('span', { class: 'stage-name', text: s.name }));
      button.addEventListener('click', () => { stop(); go({ stage: k }); });
      const li = h('li', {}, button, ' ', h('span', { class: 'stage-text', html: s.html }));
      if (view.phase === 'forward' && k === 0) {
        if (!equationInfo.has('input')) equationInfo.set('input', infoButton('cell.input', PARTS['cell.input']));
        const info = equationInfo.get('input');
        if (info) li.append(info);
      }
      return li;
    }));
    const side = view.phase === 'forward' ? 'f' : 'b';
    equationList.replaceChildren(...dia.equations.map((e, k) => [e, k]).filter(([e]) => e[side] >= 0).map(([e, k]) => {
      const li = h('li', { 'data-stage': String(e[side]), html: e.html });
      if (e.explain) {
        const key = `${k}:${e.explain}`;
        if (!equationInfo.has(key)) equationInfo.set(key, infoButton(e.explain, PARTS[e.explain] || e.explain));
        const info = equationInfo.get(key);
        if (info) li.append(info);
      }
      return li;
    }));
    requestAnimationFrame(() => keyboardScrollable(equationList.children));
    note.innerHTML = dia.notes[view.phase];
    expander?.adopt();
  }

  // ---- the diagram (rebuilt when the layer changes) ----
  let diagram = null;
  let diagramLayer = -1;
  function ensureDiagram() {
    if (diagram && diagramLayer === view.layer) return;
    diagram = buildDiagram(dia, dia.layers[view.layer], id);
    diagram.onUnit((unit) => {
      const value = unit.getAttribute('data-value');
      readout.textContent = value === null ? READOUT
        : `${unit.getAttribute('aria-label')}; as stored (float32): ${Number(Number(value).toPrecision(9))}`;
    });
    diagramLayer = view.layer;
    diagramWrap.replaceChildren(diagram.svg);
  }

  const domains = new Map();
  const gradKeys = () => dia.nodes.map((n) => n.bkey).filter(Boolean);
  function gradDomain() {
    const key = `${view.snap}:${view.layer}`;
    if (!domains.has(key)) {
      const values = snaps[view.snap].layers[view.layer];
      let peak = 0;
      for (const k of gradKeys()) for (const v of values[k]) if (Math.abs(v) > peak) peak = Math.abs(v);
      domains.set(key, peak > 0 ? peak : 1);
    }
    return domains.get(key);
  }

  // ---- the text alternative ----
  function table() {
    const values = snaps[view.snap].layers[view.layer];
    const geo = dia.layers[view.layer];
    const rows = [];
    let width = 0;
    for (const [phase, keyOf, symOf] of [['forward', 'key', 'sym'], ['backward', 'bkey', 'bsym']]) {
      for (const node of dia.nodes) {
        const key = node[keyOf];
        if (!key) continue;
        const name = node.id === 'x' ? geo.x_name : node.name;
        const sub = phase === 'forward' ? node.sub : node.bsub;
        const n = geo.strips[node.id].n;
        width = Math.max(width, n);
        const slice = (k) => Array.from(values[k].subarray(view.t * n, view.t * n + n));
        rows.push([`${node[symOf]}_${sub} ${name}`, key, slice(key)]);
        if (phase === 'forward' && node.pre) rows.push([`${node.sym}_${sub} pre-activation`, node.pre, slice(node.pre)]);
      }
    }
    const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const caption = `Traced values at step t = ${view.t} (${whereText()})`;
    const headCells = Array.from({ length: width }, (_, k) => `<th scope="col">${k + 1}</th>`).join('');
    const bodyRows = rows.map(([label, key, vals]) => `<tr data-key="${key}"><th scope="row">${esc(label)}</th>`
      + `${vals.map((v) => `<td>${short(v)}</td>`).join('')}</tr>`).join('');
    const snap = snaps[view.snap];
    const seqRows = Array.from(snap.input, (a, t) => {
      const cells = data.kind === 'text'
        ? [char(data.vocab, a), char(data.vocab, snap.target[t]), char(data.vocab, snap.predicted[t])].map(esc)
        : [short(a), short(snap.target[t]), short(snap.output[t])];
      return `<tr><th scope="row">${t}</th>${cells.map((c) => `<td>${c}</td>`).join('')}<td>${short(snap.loss[t])}</td></tr>`;
    }).join('');
    details.innerHTML = '<summary>Data</summary>'
      + `<div class="cell-table-scroll" role="region" tabindex="0" aria-label="${esc(caption)}">`
      + `<table class="data-table cell-table"><caption>${esc(caption)}</caption><thead><tr>`
      + `<th scope="col">vector \\ unit</th>${headCells}</tr></thead><tbody>${bodyRows}</tbody></table></div>`
      + '<table class="data-table cell-seq-table"><caption>The traced sequence</caption><thead><tr>'
      + '<th scope="col">t</th><th scope="col">input</th><th scope="col">target</th>'
      + `<th scope="col">output</th><th scope="col">loss L<sub>t</sub></th></tr></thead><tbody>${seqRows}</tbody></table>`;
  }

  function whereText() {
    return `layer ${view.layer + 1} of ${nLayers()}, epoch ${snaps[view.snap].epoch}`;
  }

  // ---- showing a position ----
  let lastPhase = null;
  let plotDomain = domainOf(snaps);
  function render({ announce = !playing } = {}) {
    ensureDiagram();
    if (lastPhase !== view.phase) { buildStages(); lastPhase = view.phase; }
    const snap = snaps[view.snap];
    const values = snap.layers[view.layer];
    const domain = gradDomain();
    const stageInfo = dia.stages[view.phase][view.stage];
    const heading = `${dia.title}, ${whereText()}: ${view.phase} pass at step t = ${view.t}, `
      + `compute step ${view.stage + 1} of ${stagesOf(view.phase)}: ${stageInfo.name}`;
    diagram.paint({
      phase: view.phase, stage: view.stage, t: view.t, values, domain, heading,
    });
    where.textContent = whereText();
    legendTitle.textContent = view.phase === 'forward' ? 'value' : 'gradient ∂L/∂·, log scale (marks: ×10)';
    const [labels, marks] = legendTicks(view.phase, domain);
    ticks.replaceChildren(...labels.map(([pos, label]) => h('span', { style: `left: ${pos.toFixed(2)}%`, text: label })));
    bar.replaceChildren(...marks.map((pos) => h('span', { class: 'cell-legend-mark', style: `left: ${pos.toFixed(2)}%` })));
    legend.dataset.phase = view.phase;
    phaseName.textContent = `${view.phase === 'forward' ? 'Forward' : 'Backward'} pass, step t = ${view.t} of ${steps() - 1}`;
    Array.from(stageList.children).forEach((li, k) => {
      const button = li.querySelector('button');
      li.classList.toggle('is-active', k === view.stage);
      li.classList.toggle('is-done', k < view.stage);
      if (k === view.stage) button.setAttribute('aria-current', 'step'); else button.removeAttribute('aria-current');
    });
    Array.from(equationList.children).forEach((li) => {
      li.classList.toggle('is-active', Number(li.dataset.stage) === view.stage);
    });
    plotWrap.replaceChildren(data.kind === 'text'
      ? drawText(snap, view.t, view.phase, data.vocab, id) : drawFunction(snap, view.t, view.phase, plotDomain, id));
    if (data.kind === 'text') {
      const c = (i) => char(data.vocab, i);
      io.textContent = `At t = ${view.t}: input “${c(snap.input[view.t])}”, target “${c(snap.target[view.t])}”, `
        + `predicted “${c(snap.predicted[view.t])}”, loss L_t = ${short(snap.loss[view.t])}`;
    } else {
      io.textContent = `At t = ${view.t}: input ${short(snap.input[view.t])}, target ${short(snap.target[view.t])}, `
        + `output ${short(snap.output[view.t])}, loss L_t = ${short(snap.loss[view.t])}`;
    }
    phaseButtons.forEach((b, k) => b.setAttribute('aria-pressed', String(PHASES[k] === view.phase)));
    slider.value = String(view.t);
    sliderOut.textContent = `${view.t} of ${steps() - 1}`;
    slider.setAttribute('aria-valuetext', `t = ${view.t} of ${steps() - 1}`);
    layerSelect.value = String(view.layer);
    epochSelect.value = String(view.snap);
    const index = indexOf();
    prevButton.disabled = index === 0;
    nextButton.disabled = index === total() - 1;
    const attrs = {
      phase: view.phase, stage: String(view.stage), step: String(view.t), layer: String(view.layer),
      epoch: String(snap.epoch),
    };
    Object.assign(root.dataset, attrs);
    Object.assign(element.dataset, attrs);
    table();
    if (announce) {
      status.textContent = `${view.phase === 'forward' ? 'Forward' : 'Backward'} pass, time step ${view.t} of `
        + `${steps() - 1}, compute step ${view.stage + 1} of ${stagesOf(view.phase)}: ${stageInfo.name}.`;
    }
  }

  /** Move to a position; publishes changed shared keys. */
  function go(change, { publish = true } = {}) {
    const before = { t: view.t, layer: view.layer, snap: view.snap };
    Object.assign(view, change);
    render();
    if (!publish) return;
    const shared = {};
    if (view.t !== before.t) shared.step = view.t;
    if (view.layer !== before.layer) shared.layer = view.layer;
    if (view.snap !== before.snap) shared.epoch = snaps[view.snap].epoch;
    if (Object.keys(shared).length) store.set(shared, element);
  }

  function goIndex(index) {
    const [phase, t, stage] = order()[index];
    go({ phase, t, stage });
  }

  // ---- playing ----
  function tick() {
    const index = indexOf();
    if (index >= total() - 1) { stop(); return; }
    goIndex(index + 1);
    if (indexOf() >= total() - 1) stop();
  }
  function schedule() {
    clearInterval(playing);
    playing = setInterval(tick, BASE_INTERVAL / speed);
  }
  function play() {
    if (playing) return;
    if (indexOf() >= total() - 1) goIndex(0);
    schedule();
    playButton.textContent = 'Pause';
    root.dataset.playing = 'true';
    status.textContent = `Playing at ${speed}×.`;
  }
  function stop() {
    if (!playing) return;
    clearInterval(playing);
    playing = null;
    playButton.textContent = 'Play';
    root.dataset.playing = 'false';
    render();
  }

  // ---- wiring ----
  prevButton.addEventListener('click', () => { stop(); goIndex(Math.max(0, indexOf() - 1)); });
  nextButton.addEventListener('click', () => { stop(); goIndex(Math.min(total() - 1, indexOf() + 1)); });
  playButton.addEventListener('click', () => (playing ? stop() : play()));
  speedSelect.addEventListener('change', () => {
    speed = Number(speedSelect.value);
    root.dataset.interval = String(BASE_INTERVAL / speed);
    if (playing) schedule();
  });
  root.dataset.interval = String(BASE_INTERVAL);
  root.dataset.playing = 'false';
  phaseButtons.forEach((button, k) => button.addEventListener('click', () => {
    stop();
    go({ phase: PHASES[k], stage: 0 });
  }));
  slider.addEventListener('input', () => go({ t: Number(slider.value) }));
  layerSelect.addEventListener('change', () => go({ layer: Number(layerSelect.value) }));
  epochSelect.addEventListener('change', () => go({ snap: Number(epochSelect.value) }));

  store.subscribe('step', (v) => {
    if (Number.isInteger(v) && v >= 0 && v < steps() && v !== view.t) go({ t: v }, { publish: false });
  }, element);
  store.subscribe('layer', (v) => {
    if (Number.isInteger(v) && v >= 0 && v < nLayers() && v !== view.layer) go({ layer: v }, { publish: false });
  }, element);
  store.subscribe('epoch', (v) => {
    const k = snaps.findIndex((s) => s.epoch === v);
    if (k >= 0 && k !== view.snap) go({ snap: k }, { publish: false });
  }, element);

  // ---- the expanded view ----
  expander = expandable({
    figure: element,
    view: root,
    home: frame,
    onToggle(isOpen) {
      expandButton.textContent = isOpen ? 'Close' : 'Expand';
      expandButton.setAttribute('aria-label', isOpen ? 'Close the expanded cell view' : 'Expand the cell view');
      expandButton.setAttribute('aria-expanded', String(isOpen));
      root.classList.toggle('is-expanded', isOpen);
      element.dataset.expanded = String(isOpen);
      if (isOpen) expandButton.focus();
      element.dispatchEvent(new CustomEvent('cell-toggle', { detail: { open: isOpen } }));
    },
  });
  expandButton.textContent = 'Expand';
  expandButton.setAttribute('aria-label', 'Expand the cell view');
  expandButton.addEventListener('click', () => (expander.isOpen ? expander.close() : expander.open({
    source: expandButton, from: frame,
  })));

  function openRequest(request = {}) {
    const change = {};
    const layer = Number(request.layer);
    if (request.layer !== undefined && Number.isInteger(layer) && layer >= 0 && layer < nLayers()) change.layer = layer;
    const t = Number(request.step);
    if (request.step !== undefined && Number.isInteger(t) && t >= 0 && t < steps()) change.t = t;
    if (PHASES.includes(request.phase)) { change.phase = request.phase; change.stage = 0; }
    const k = snaps.findIndex((s) => s.epoch === request.epoch);
    if (k >= 0) change.snap = k;
    if (Object.keys(change).length) go(change);
    expander.open({ source: request.source || null, from: request.source || frame });
  }
  element.addEventListener('cell-open', (event) => openRequest(event.detail || {}));
  instances.set(element, { open: openRequest });

  render({ announce: false });
  if (pending.has(element)) {
    const request = pending.get(element);
    pending.delete(element);
    openRequest(request);
  }

  /** New data without a diagram of its own must fit this one: same cell, layers and sizes. */
  function checkShape(incoming, cell) {
    const describe = (type, widths) => `a ${widths.length}-layer ${type.toUpperCase()} with `
      + `${widths.map((w) => w.join('→')).join(', ')} units (input→hidden)`;
    const mine = dia.layers.map((g) => [g.strips.x.n, g.strips.h.n]);
    const theirs = incoming[0].layers.map((l) => {
      const T = incoming[0].input.length;
      return [l.x.length / T, l.h.length / T];
    });
    if (cell !== dia.cell || JSON.stringify(mine) !== JSON.stringify(theirs)) {
      throw new Error(`this figure draws ${describe(dia.cell, mine)}, the data is ${describe(cell, theirs)}; `
        + 'train a network of the figure\'s shape, or send a `diagram` with the data');
    }
  }

  return {
    /** Replace the data (e.g. traced by an in-browser run) and show the same position where possible. */
    update(next) {
      const incoming = next.data.snapshots.map((s) => decodeSnapshot(s, next.data.kind));
      if (!next.data.diagram) checkShape(incoming, next.data.cell);
      stop();
      data = { ...next.data, diagram: next.data.diagram || dia };
      dia = data.diagram;
      snaps = incoming;
      domains.clear();
      plotDomain = domainOf(snaps);
      view.snap = snaps.length - 1;
      view.layer = Math.min(view.layer, nLayers() - 1);
      view.t = Math.min(view.t, steps() - 1);
      diagram = null;
      lastPhase = null;
      fillPickers();
      render();
    },
    open: openRequest,
    close: () => expander.close(),
  };
}

