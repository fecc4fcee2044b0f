// {network}: exploRNN's network overview (blue theme) over a grid of precomputed runs.
//
// Takes (state, element); state.data = {runs: [{run, settings: {dataset, cell, layers, hidden, lr, batch,
// noise, …}, kind, loss, x, vocab?, snapshots: [{epoch, input, target, prediction, error, rollout?}]}],
// datasets: [...]}, state.options = {run, epoch}. Layout: input | layers | prediction, then
// training phases | controls | sliders; the columns stack below ~40rem (container query).
//
// The reader's controls choose settings: the input (six datasets with thumbnails drawn from the real
// formulas), the number of layers (add between/around, remove; 1–7), the cell type and units per layer
// (only when the grid has several), and sliders for learning rate (log scale), batch size and noise that
// snap to the values present in the grid. The combination picks the run with exactly those settings, and
// the controls never offer a combination that was not precomputed: a slider, select or layer button offers
// only the values that exist with the other settings as they are, and says why the others are missing
// (the slider's note, a disabled option's title, a disabled button's label and title); choosing an input
// whose run differs in other settings too moves those settings to the closest run with that input and
// announces it. Inputs without any run are disabled. While a live trainer is in charge (below), every
// value is offered, and a combination without a run says so and offers the nearest run.
// Play walks through the selected run's exported snapshots, each step showing the three phases of an
// epoch in order (forward, validation, backward; `data-phase` on the figure, announced politely);
// Step goes to the next snapshot, Reset to the first.
//
// Page store keys (unrolled/lib/state.js, mirrored in the URL): `epoch` (the snapshot shown; a value
// set elsewhere moves to the closest exported snapshot) and `run` (the selected run).
//
// Events (CustomEvent, bubbling):
//  - `network-control` on this figure whenever the reader uses a control:
//    detail {action: 'play' | 'pause' | 'step' | 'reset' | 'settings', settings: {dataset, cell, layers,
//    hidden, lr, batch, noise}, run: name or null (no precomputed run), epoch}. A live trainer listens to
//    it (e.g. to start an in-browser run for settings without a precomputed run) and pushes data back
//    through the controller's `update`. The event is cancelable: a listener that calls preventDefault()
//    on play, step or reset (a Python cell's on_control handler does) takes that action over, and the
//    widget does not move through its precomputed snapshots; a play taken over shows Pause until the
//    trainer publishes `playing: false` (or the reader pauses, which emits 'pause').
//  While the figure carries `data-live="python"` (set by the page's Python runtime when a cell handles
//    its controls), Play, Step and Reset stay usable for settings without a precomputed run: the
//    trainer receives them with `run: null` and can train that combination live; the sliders and selects
//    then also offer values no run has (LIVE_CHOICES), so any combination can be asked for.
//  - `cell-open` on the page's {cell} figure for the same run (a [data-widget="cell"] figure whose
//    data-run, or data-options `run`/`runs`, names it) when the reader clicks a layer:
//    detail {layer: 0-based layer index, step: the page store's `step` or 0, run, epoch, source: the
//    layer button}. Layers are buttons only when such a figure exists. If that figure has not hydrated
//    yet, the request goes through `open(figure, detail)` of unrolled/widgets/cell.js instead, which
//    applies it once the cell view is ready.
//
// Controller (returned): `update(next)` with next.data = {runs?: [entry, …], select?: name | null,
// playing?: boolean} (a Python cell's publish() sends exactly that data): entries of the payload's
// shape, merged by run name (e.g. snapshots streamed from an in-browser run; the newest run with given
// settings is the one those settings pick); the run `select` (default: the first entry; null: keep the
// current view) is selected and its last snapshot shown; `playing` says whether a trainer that took
// Play over is still training. `settings()` returns the current settings.
//
// Explanation keys ({explain} blocks, shown as (i) buttons): network (heading), network.input,
// network.layers, network.prediction, network.forward, network.validation, network.backward,
// network.epoch, network.lr, network.batch, network.noise.
import * as store from 'unrolled/lib/state.js';
import { infoButton } from 'unrolled/lib/explain.js';
import * as grid from 'unrolled/widgets/network/grid.js';
import { thumbnail } from 'unrolled/widgets/network/thumbs.js';
import {
  functionPlot, mse, series, snapshotTable, sparkline, textPlot,
} from 'unrolled/widgets/network/plot.js';
import { renderStack } from 'unrolled/widgets/network/stack.js';
import { formatSetting, snapSlider } from 'unrolled/widgets/network/controls.js';

const PHASE_MS = 600;
const PHASES = [
  { key: 'forward', name: 'Forward', text: 'the window flows through the layers, one step at a time' },
  { key: 'validation', name: 'Validation', text: 'the prediction is compared with the target' },
  { key: 'backward', name: 'Backward', text: 'the error flows back through layers and time; weights change' },
];
// What the controls offer besides the grid's values while a live trainer (a Python cell) is in charge.
const LIVE_CHOICES = {
  cell: ['gru', 'lstm', 'rnn'],
  hidden: [4, 8, 16, 32],
  lr: [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1],
  batch: [5, 10, 25, 50],
  noise: [0, 0.05, 0.1, 0.2, 0.3, 0.4],
};
const DATASET_LABELS = {
  sine: 'sine', sawtooth: 'sawtooth', square: 'square', composite: 'composite', abab: 'abab',
  lorem: 'lorem ipsum', 'c-code': 'C code', csv: 'own series', text: 'own text',
};

const icon = (d) => `<svg viewBox="0 0 16 16" width="14" height="14"><path fill="currentColor" d="${d}"/></svg>`;
const ICONS = {
  play: icon('M4 2.5v11l9.5-5.5z'),
  pause: icon('M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z'),
  step: icon('M2.5 2.5v11l8-5.5zM11 2.5h2.5v11H11z'),
  reset: icon('M2.5 2.5H5v11H2.5zM13.5 2.5v11l-8-5.5z'),
};

const prepare = (entry) => ({ ...entry, snaps: series(entry) });
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The two numbers a reader can compare, each named: the validation loss over the whole validation set
 * (what the loss curves show) and the error on the one window plotted here.
 */
export function lossText(run, s, k) {
  const lines = [`Validation loss (all ${plural(run.settings.sequences, 'sequence')}): `
    + `${Number(run.loss.validation[k].toPrecision(4))}`];
  if (run.kind === 'function') lines.push(`Error on the plotted window: ${Number(mse(s).toPrecision(4))}`);
  return lines;
}

export function describeSettings(s) {
  let text = `${DATASET_LABELS[s.dataset] || s.dataset}, ${s.cell.toUpperCase()}, ${plural(s.layers, 'layer')} of `
    + `${s.hidden} units, learning rate ${formatSetting(s.lr)}, batch size ${s.batch}`;
  if (!grid.isText(s.dataset)) text += `, noise ${formatSetting(s.noise)}`;
  return text;
}

const formatValue = (dim, v) => {
  if (dim === 'dataset') return DATASET_LABELS[v] || v;
  return dim === 'cell' ? String(v).toUpperCase() : formatSetting(v);
};

const setDisabled = (button, off) => button.setAttribute('aria-disabled', String(Boolean(off)));
const isDisabled = (button) => button.getAttribute('aria-disabled') === 'true';

function node(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined) n.textContent = text;
  return n;
}

function heading(tag, text, key, id) {
  const h = node(tag, 'net-heading');
  const label = node('span', 'net-heading-text', text);
  if (id) label.id = id;
  h.append(label);
  const info = key ? infoButton(key, text) : null;
  if (info) h.append(info);
  return h;
}

function cellFigureFor(run) {
  for (const fig of document.querySelectorAll('[data-widget="cell"]')) {
    let options = {};
    try { options = JSON.parse(fig.dataset.options || '{}'); } catch { options = {}; }
    const runs = [fig.dataset.run, options.run, ...(Array.isArray(options.runs) ? options.runs : [])];
    if (runs.includes(run)) return fig;
  }
  return null;
}

export default function network(state, element) {
  const id = element.id;
  let runs = state.data.runs.map(prepare);
  const datasets = state.data.datasets || ['sine', 'sawtooth', 'square', 'composite', 'abab', 'lorem'];
  let current = runs.find((r) => r.run === state.options.run) || runs[0];
  let snapIndex = Math.max(0, current.snaps.findIndex((s) => s.epoch === state.options.epoch));
  let settings = grid.pick(current.settings);
  let missing = false;
  let token = null; // the running play/step: {cancelled, playing, external (a trainer took Play over)}
  let lastChanged = null;

  const frame = element.querySelector('.widget-frame');
  const details = element.querySelector('.widget-data');
  const root = node('div', 'net');

  // -- header ---------------------------------------------------------------------------------
  const head = node('div', 'net-head');
  head.append(heading('div', 'Network', 'network', `${id}-title`));
  const summary = node('p', 'net-summary');
  summary.id = `${id}-summary`;
  head.append(summary);

  // -- input column ---------------------------------------------------------------------------
  const inputCol = node('fieldset', 'net-col net-input');
  const legend = node('legend', 'net-heading');
  legend.append(node('span', 'net-heading-text', 'Input'));
  const inputInfo = infoButton('network.input', 'Input');
  if (inputInfo) legend.append(inputInfo);
  inputCol.append(legend);
  const radios = new Map();
  const thumbs = new Map();
  const list = node('div', 'net-datasets');
  for (const d of datasets) {
    const label = node('label', 'net-dataset');
    const radio = document.createElement('input');
    Object.assign(radio, { type: 'radio', name: `${id}-dataset`, value: d });
    const thumb = node('span', 'net-thumb-box');
    const name = node('span', 'net-dataset-name', DATASET_LABELS[d] || d);
    const absent = !runs.some((r) => r.settings.dataset === d);
    label.append(radio, thumb, name);
    if (absent) {
      label.classList.add('is-missing');
      label.append(node('span', 'net-sr', ' (no precomputed run)'));
    }
    radio.addEventListener('change', () => { if (radio.checked) change('dataset', d); });
    radios.set(d, radio);
    thumbs.set(d, thumb);
    list.append(label);
  }
  inputCol.append(list);

  // -- network column -------------------------------------------------------------------------
  const netCol = node('section', 'net-col net-network');
  netCol.setAttribute('aria-labelledby', `${id}-layers`);
  netCol.append(heading('div', 'Layers', 'network.layers', `${id}-layers`));
  const stackBox = node('div', 'net-stack-box');
  const selects = node('div', 'net-selects');
  netCol.append(stackBox, selects);
  const makeSelect = (dim, text) => {
    const wrap = node('div', 'net-select');
    const label = node('label', '', text);
    const select = document.createElement('select');
    select.id = `${id}-${dim}`;
    label.htmlFor = select.id;
    select.addEventListener('change', () => change(dim, dim === 'hidden' ? Number(select.value) : select.value));
    wrap.append(label, select);
    return { wrap, select };
  };
  const cellSelect = makeSelect('cell', 'Cell');
  const hiddenSelect = makeSelect('hidden', 'Units per layer');
  selects.append(cellSelect.wrap, hiddenSelect.wrap);

  // -- prediction column ----------------------------------------------------------------------
  const predCol = node('section', 'net-col net-prediction');
  predCol.setAttribute('aria-labelledby', `${id}-prediction`);
  predCol.append(heading('div', 'Prediction', 'network.prediction', `${id}-prediction`));
  const missingBox = node('div', 'net-missing');
  missingBox.hidden = true;
  const plotBox = node('div', 'net-plot-box');
  const key = node('ul', 'net-key');
  key.setAttribute('aria-hidden', 'true');
  key.innerHTML = ['input', 'target', 'prediction', 'error', 'rollout'].map((k) => `<li class="key-${k}">`
    + `<span class="key-swatch"></span>${k === 'rollout' ? 'roll-out' : k}</li>`).join('');
  const lossLine = node('p', 'net-loss');
  predCol.append(missingBox, plotBox, key);

  // -- phases ---------------------------------------------------------------------------------
  const phaseCol = node('section', 'net-phases');
  phaseCol.setAttribute('aria-labelledby', `${id}-phases`);
  phaseCol.append(heading('div', 'Training', null, `${id}-phases`));
  const phaseList = node('ol', 'net-phase-list');
  const phaseItems = new Map();
  for (const p of PHASES) {
    const li = node('li', `net-phase net-phase-${p.key}`);
    li.dataset.phase = p.key;
    const title = node('span', 'net-phase-name', p.name);
    const info = infoButton(`network.${p.key}`, p.name);
    const text = node('span', 'net-phase-text', p.text);
    li.append(title);
    if (info) li.append(info);
    li.append(text);
    phaseItems.set(p.key, li);
    phaseList.append(li);
  }
  phaseCol.append(phaseList);

  // -- controls -------------------------------------------------------------------------------
  const controlCol = node('section', 'net-controls');
  controlCol.setAttribute('aria-label', 'Training controls');
  const buttons = node('div', 'net-buttons');
  const makeButton = (cls, icon, text) => {
    const b = node('button', `net-button ${cls}`);
    b.type = 'button';
    const i = node('span', 'net-icon');
    i.setAttribute('aria-hidden', 'true');
    i.innerHTML = ICONS[icon];
    const t = node('span', 'net-button-text', text);
    b.append(i, t);
    return b;
  };
  const resetButton = makeButton('net-reset', 'reset', 'Reset');
  const playButton = makeButton('net-play', 'play', 'Play');
  const stepButton = makeButton('net-step', 'step', 'Step');
  resetButton.title = 'Back to the first snapshot';
  stepButton.title = 'Train to the next snapshot';
  buttons.append(resetButton, playButton, stepButton);
  const epochBox = node('div', 'net-epoch');
  const epochLabel = node('span', 'net-epoch-label', 'Epoch');
  epochLabel.id = `${id}-epoch-label`;
  const epochOut = document.createElement('output');
  epochOut.className = 'net-epoch-value';
  epochOut.setAttribute('aria-labelledby', epochLabel.id);
  const epochOf = node('span', 'net-epoch-of');
  epochBox.append(epochLabel);
  const epochInfo = infoButton('network.epoch', 'Epoch');
  if (epochInfo) epochBox.append(epochInfo);
  epochBox.append(epochOut, epochOf);
  controlCol.append(buttons, epochBox, lossLine);

  // -- sliders --------------------------------------------------------------------------------
  const sliderCol = node('section', 'net-sliders');
  sliderCol.setAttribute('aria-label', 'Training settings');
  const lrSlider = snapSlider({
    id: `${id}-lr`, label: 'Learning rate', name: 'learning rate', info: infoButton('network.lr', 'Learning rate'),
    toSlider: (v) => Math.log10(v), fromSlider: (x) => 10 ** x, min: -4, max: 0, step: 0.01,
    onChange: (v) => change('lr', v),
  });
  const batchSlider = snapSlider({
    id: `${id}-batch`, label: 'Batch size', name: 'batch size', info: infoButton('network.batch', 'Batch size'),
    toSlider: (v) => v, fromSlider: (x) => x, min: 5, max: 50, step: 1, onChange: (v) => change('batch', v),
  });
  const noiseSlider = snapSlider({
    id: `${id}-noise`, label: 'Noise', name: 'noise', info: infoButton('network.noise', 'Noise'),
    toSlider: (v) => v, fromSlider: (x) => x, min: 0, max: 0.4, step: 0.01, onChange: (v) => change('noise', v),
  });
  sliderCol.append(lrSlider.element, batchSlider.element, noiseSlider.element);

  const live = node('p', 'net-sr');
  live.setAttribute('aria-live', 'polite');
  live.id = `${id}-live`;

  const columns = node('div', 'net-columns');
  columns.append(inputCol, netCol, predCol);
  const bottom = node('div', 'net-bottom');
  bottom.append(phaseCol, controlCol, sliderCol);
  root.append(head, columns, bottom, live);
  frame.replaceChildren(root);

  // -- state --------------------------------------------------------------------------------------
  const snap = () => current.snaps[snapIndex];
  const lastIndex = () => current.snaps.length - 1;
  const announce = (text) => { live.textContent = text; };
  const isLive = () => element.dataset.live === 'python';
  /** The values a control offers: the grid's, plus LIVE_CHOICES while a live trainer is in charge. */
  const choices = (dim, filter) => {
    const base = grid.values(runs, dim, filter);
    return isLive() ? grid.union(base, LIVE_CHOICES[dim]) : base;
  };
  /** The values a control offers now: with a live trainer all `choices`, else those with a run given the rest. */
  const offered = (dim, filter) => (isLive() ? choices(dim, filter) : grid.available(runs, settings, dim));
  /** Why the grid's other values of `dim` are not offered, grouped: "5 and 50: precomputed only with …". */
  const missingNote = (dim, offeredValues, filter) => {
    if (isLive()) return '';
    const groups = new Map();
    for (const v of grid.values(runs, dim, filter)) {
      if (offeredValues.some((o) => grid.union([o], [v]).length === 1)) continue;
      const reason = grid.why(runs, settings, dim, v, formatValue);
      groups.set(reason, [...(groups.get(reason) || []), formatValue(dim, v)]);
    }
    return [...groups].map(([reason, vs]) => `${vs.join(' and ')}: ${reason}`).join('; ');
  };
  // Returns false when a listener (e.g. a Python cell's on_control handler) took the action over.
  const emit = (action) => element.dispatchEvent(new CustomEvent('network-control', {
    bubbles: true,
    cancelable: true,
    detail: {
      action, settings: grid.normalise(settings), run: missing ? null : current.run, epoch: missing ? null : snap().epoch,
    },
  }));
  const closestSnapshot = (run, epoch) => {
    if (typeof epoch !== 'number' || !Number.isFinite(epoch)) return 0;
    let best = 0;
    run.snaps.forEach((s, i) => { if (Math.abs(s.epoch - epoch) < Math.abs(run.snaps[best].epoch - epoch)) best = i; });
    return best;
  };
  const errorText = (s) => (current.kind === 'function' ? `mean squared error on the plotted window ${mse(s).toFixed(4)}`
    : `${Array.from(s.prediction).filter((p, i) => p === s.target[i]).length} of ${s.prediction.length} characters right`);

  function setPhase(phase) {
    element.dataset.phase = phase || '';
    for (const [k, li] of phaseItems) {
      const on = k === phase;
      li.classList.toggle('is-active', on);
      if (on) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
    }
  }

  // -- rendering ----------------------------------------------------------------------------------
  function renderInput() {
    const text = grid.isText(settings.dataset);
    for (const [d, radio] of radios) {
      radio.disabled = !isLive() && !runs.some((r) => r.settings.dataset === d);
      radio.checked = d === settings.dataset;
      radio.closest('label').classList.toggle('is-selected', radio.checked);
      thumbs.get(d).replaceChildren(thumbnail(d, !text && d === settings.dataset ? settings.noise : 0, ownValues(d)));
    }
  }

  /** An author's series (csv): the values of its first run's plotted window and roll-out target. */
  function ownValues(d) {
    if (d !== 'csv') return null;
    const run = (runs.find((r) => r.run === current.run && r.settings.dataset === d)
      || runs.find((r) => r.settings.dataset === d));
    const s = run && run.snaps[0];
    return s ? [...s.input, ...s.target.slice(-1), ...(s.rolloutTarget || [])] : null;
  }

  function focusStack(key) {
    const target = key && (stackBox.querySelector(`[data-focus="${key}"]`)
      || stackBox.querySelector('[data-focus^="remove-"]') || stackBox.querySelector('[data-focus^="add-"]'));
    if (target) target.focus();
  }

  function renderLayers(focusKey = null) {
    const cellFigure = missing ? null : cellFigureFor(current.run);
    const blocked = (count) => {
      if (isLive() || offered('layers').includes(count)) return null;
      const inGrid = grid.values(runs, 'layers').includes(count);
      return `${plural(count, 'layer')}: ${inGrid ? grid.why(runs, settings, 'layers', count, formatValue) : 'not precomputed'}`;
    };
    stackBox.replaceChildren(renderStack({
      layers: settings.layers,
      cell: settings.cell,
      hidden: settings.hidden,
      addBlocked: blocked(settings.layers + 1),
      removeBlocked: blocked(settings.layers - 1),
      add: (position) => {
        change('layers', settings.layers + 1);
        focusStack(`add-${position + 1}`);
      },
      remove: (index) => {
        change('layers', settings.layers - 1);
        focusStack(`remove-${Math.min(index, settings.layers - 1)}`);
      },
      open: cellFigure ? (layer, button) => openCell(layer, button) : null,
    }));
    if (focusKey) focusStack(focusKey);
    for (const [dim, box] of [['cell', cellSelect], ['hidden', hiddenSelect]]) {
      const values = choices(dim);
      const here = offered(dim);
      box.wrap.hidden = values.length < 2;
      box.select.replaceChildren(...values.map((v) => {
        const option = Object.assign(document.createElement('option'), {
          value: String(v), textContent: formatValue(dim, v),
        });
        if (!here.includes(v)) {
          option.disabled = true;
          option.title = grid.why(runs, settings, dim, v, formatValue);
          option.textContent += ` (${option.title})`;
        }
        return option;
      }));
      box.select.value = String(settings[dim]);
    }
  }

  function renderSliders() {
    const text = grid.isText(settings.dataset);
    const lrs = choices('lr');
    const batches = choices('batch');
    const textless = (r) => !grid.isText(r.settings.dataset);
    const noises = choices('noise', textless);
    const here = { lr: offered('lr'), batch: offered('batch'), noise: text ? [0] : offered('noise', textless) };
    // ranges first: a range input clamps its value to the bounds it has when the value is set
    lrSlider.input.min = String(Math.min(-4, Math.floor(Math.log10(lrs[0]))));
    lrSlider.input.max = String(Math.max(0, Math.ceil(Math.log10(lrs[lrs.length - 1]))));
    batchSlider.input.min = String(Math.min(5, batches[0]));
    batchSlider.input.max = String(Math.max(50, batches[batches.length - 1]));
    noiseSlider.input.max = String(Math.max(0.4, noises[noises.length - 1] ?? 0));
    // the ranges cover every value of the grid; the ticks and the snapping only the values offered now
    lrSlider.set(settings.lr, here.lr, '', missingNote('lr', here.lr));
    batchSlider.set(settings.batch, here.batch, '', missingNote('batch', here.batch));
    noiseSlider.set(text ? 0 : settings.noise, here.noise, text ? 'text data has no input noise' : '',
      text ? '' : missingNote('noise', here.noise, textless));
  }

  function renderPlot() {
    const s = snap();
    const plotId = `${id}-plot`;
    plotBox.replaceChildren(current.kind === 'function' ? functionPlot(current, current.snaps, snapIndex, plotId)
      : textPlot(current, current.snaps, snapIndex, plotId));
    key.hidden = current.kind !== 'function';
    const k = current.loss.epoch.indexOf(s.epoch);
    const text = node('span', 'net-loss-text');
    if (k >= 0) text.append(...lossText(current, s, k).map((line) => node('span', '', line)));
    lossLine.replaceChildren(text, sparkline(current.loss, s.epoch));
    details.innerHTML = `<summary>Data</summary><p>Run ${current.run}, epoch ${s.epoch}: ${describeSettings(current.settings)}.</p>`
      + snapshotTable(current, s);
  }

  function renderStatus() {
    const s = snap();
    element.dataset.run = missing ? '' : current.run;
    element.dataset.epoch = String(s.epoch);
    element.toggleAttribute('data-missing', missing);
    root.classList.toggle('is-missing', missing);
    summary.replaceChildren();
    if (missing) {
      summary.append('No precomputed run: ', describeSettings(grid.normalise(settings)), '.');
    } else {
      summary.append('Run ', node('strong', '', current.run), `: ${describeSettings(current.settings)}.`);
    }
    epochOut.textContent = String(s.epoch);
    epochOf.textContent = `of ${current.snaps[lastIndex()].epoch}`;
    const playing = Boolean(token && token.playing);
    playButton.querySelector('.net-icon').innerHTML = ICONS[playing ? 'pause' : 'play'];
    playButton.querySelector('.net-button-text').textContent = playing ? 'Pause' : 'Play';
    // aria-disabled rather than disabled: a focused button that became disabled would drop keyboard focus
    const live = isLive();
    setDisabled(playButton, missing && !live);
    setDisabled(stepButton, live ? Boolean(token) : missing || Boolean(token) || snapIndex >= lastIndex());
    setDisabled(resetButton, missing && !live);
    element.dataset.playing = String(playing);
  }

  function renderMissing() {
    missingBox.hidden = !missing;
    if (!missing) { missingBox.replaceChildren(); return; }
    const near = grid.nearest(runs, settings, lastChanged);
    const p = node('p', 'net-missing-text');
    p.append(node('strong', '', 'Not precomputed. '),
      `No run in this grid has these settings (${describeSettings(grid.normalise(settings))}).`);
    if (isLive()) p.append(' Press Play or Step to train it here, in the page\'s Python.');
    const b = node('button', 'net-nearest', `Show the nearest run: ${near.run}`);
    b.type = 'button';
    b.title = describeSettings(near.settings);
    b.addEventListener('click', () => {
      selectRun(near, 'settings');
      playButton.focus();
    });
    missingBox.replaceChildren(p, b);
  }

  function renderAll(focusKey = null) {
    renderInput();
    renderLayers(focusKey);
    renderSliders();
    renderMissing();
    if (!missing) renderPlot();
    renderStatus();
  }

  // -- actions --------------------------------------------------------------------------------------
  function cancel() {
    if (token) token.cancelled = true;
    token = null;
    setPhase(null);
  }

  function showSnapshot(index, publish = true) {
    snapIndex = index;
    renderPlot();
    renderStatus();
    if (publish) store.set({ run: current.run, epoch: snap().epoch }, element);
  }

  function selectRun(run, action = null) {
    cancel();
    const epoch = snap().epoch;
    current = run;
    settings = { ...grid.pick(run.settings), noise: grid.isText(run.settings.dataset) ? settings.noise : run.settings.noise };
    missing = false;
    snapIndex = closestSnapshot(run, epoch);
    renderAll();
    store.set({ run: current.run, epoch: snap().epoch }, element);
    announce(`Run ${run.run}: ${describeSettings(run.settings)}; epoch ${snap().epoch}.`);
    if (action) emit(action);
  }

  function change(dim, value) {
    cancel();
    settings = { ...settings, [dim]: value };
    lastChanged = dim;
    const run = grid.find(runs, settings);
    if (run) {
      const epoch = snap().epoch;
      current = run;
      missing = false;
      snapIndex = closestSnapshot(run, epoch);
      renderAll();
      store.set({ run: current.run, epoch: snap().epoch }, element);
      announce(`Run ${run.run}, epoch ${snap().epoch}: ${errorText(snap())}.`);
    } else if (!isLive()) {
      // only an input offers values whose run differs in other settings: move to the closest such run
      const near = grid.nearest(runs, settings, dim);
      const moved = grid.differences(near, settings).map((k) => `${grid.SETTING_NAMES[k]} ${formatValue(k, near.settings[k])}`);
      selectRun(near);
      announce(`Run ${near.run}: ${formatValue(dim, value)} was precomputed only with ${moved.join(', ')}; `
        + `epoch ${snap().epoch}.`);
    } else {
      missing = true;
      renderAll();
      announce(`No precomputed run for ${describeSettings(grid.normalise(settings))}. `
        + `The nearest is ${grid.nearest(runs, settings, dim).run}.`);
    }
    emit('settings');
  }

  const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

  async function advance(t) {
    if (snapIndex >= lastIndex()) return false;
    const from = snap();
    const to = current.snaps[snapIndex + 1];
    const messages = {
      forward: `Forward: the ${from.input.length}-step window flows through ${plural(current.settings.layers, 'layer')}.`,
      validation: `Validation at epoch ${from.epoch}: ${errorText(from)}.`,
      backward: `Backward: the error flows back through the layers and through time; training to epoch ${to.epoch}.`,
    };
    for (const p of PHASES) {
      setPhase(p.key);
      announce(messages[p.key]);
      await sleep(PHASE_MS);
      if (t.cancelled) return false;
    }
    setPhase(null);
    showSnapshot(snapIndex + 1);
    announce(`Epoch ${snap().epoch}: ${errorText(snap())}.`);
    return true;
  }

  async function play() {
    if (snapIndex >= lastIndex()) showSnapshot(0);
    const t = { cancelled: false, playing: true };
    token = t;
    renderStatus();
    while (!t.cancelled && snapIndex < lastIndex()) {
      // eslint-disable-next-line no-await-in-loop
      if (!(await advance(t))) break;
    }
    if (!t.cancelled) { token = null; renderStatus(); announce(`Stopped at epoch ${snap().epoch}, the last snapshot.`); }
  }

  async function step() {
    if (token || snapIndex >= lastIndex()) return;
    const t = { cancelled: false, playing: false };
    token = t;
    renderStatus();
    await advance(t);
    if (!t.cancelled) { token = null; renderStatus(); }
  }

  async function openCell(layer, source) {
    const target = cellFigureFor(current.run);
    if (!target) return;
    const stepValue = store.get('step');
    const detail = {
      layer, step: typeof stepValue === 'number' ? stepValue : 0, run: current.run, epoch: snap().epoch, source,
    };
    if (target.dataset.state === 'ready') {
      target.dispatchEvent(new CustomEvent('cell-open', { bubbles: true, detail }));
      return;
    }
    // not hydrated yet: the cell module remembers the request and applies it once it has its data
    try {
      (await import('unrolled/widgets/cell.js')).open(target, detail);
    } catch {
      target.dispatchEvent(new CustomEvent('cell-open', { bubbles: true, detail }));
    }
  }

  playButton.addEventListener('click', () => {
    if (isDisabled(playButton)) return;
    if (token && token.playing) {
      cancel();
      renderStatus();
      announce(`Paused at epoch ${snap().epoch}.`);
      emit('pause');
      return;
    }
    cancel();
    if (emit('play')) { play(); return; }
    token = { cancelled: false, playing: true, external: true };
    renderStatus();
    announce('Training in the page\'s Python.');
  });
  stepButton.addEventListener('click', () => {
    if (isDisabled(stepButton)) return;
    if (emit('step')) step();
  });
  resetButton.addEventListener('click', () => {
    if (isDisabled(resetButton)) return;
    cancel();
    if (!emit('reset')) return;
    showSnapshot(0);
    announce(`Reset to epoch ${snap().epoch}.`);
  });

  // -- linked views and the URL ------------------------------------------------------------------
  const urlRun = runs.find((r) => r.run === store.get('run'));
  if (urlRun) { current = urlRun; settings = grid.pick(urlRun.settings); }
  const urlEpoch = store.get('epoch');
  if (typeof urlEpoch === 'number') snapIndex = closestSnapshot(current, urlEpoch);
  else if (urlRun) snapIndex = Math.min(snapIndex, lastIndex());
  renderAll();
  setPhase(null);

  store.subscribe('epoch', (e) => {
    if (missing || typeof e !== 'number') return;
    const index = closestSnapshot(current, e);
    if (index !== snapIndex) { cancel(); showSnapshot(index, false); }
  }, element);
  store.subscribe('run', (name) => {
    const run = runs.find((r) => r.run === name);
    if (run && (run !== current || missing)) selectRun(run);
  }, element);

  // the page's Python runtime marks the figure while a cell handles its controls (and unmarks it)
  new MutationObserver(() => {
    if (!isLive() && token && token.external) token = null;
    if (!isLive() && missing) { selectRun(grid.nearest(runs, settings, lastChanged)); return; }
    renderAll();
  }).observe(element, { attributes: true, attributeFilter: ['data-live'] });

  return {
    /** Merge streamed run entries (payload shape) by name; select `select`, the first entry, or none. */
    update(next) {
      const data = next.data || {};
      const entries = data.runs || [];
      const before = { run: missing ? null : current.run, count: runs.length };
      for (const entry of entries) {
        const prepared = prepare(entry);
        const at = runs.findIndex((r) => r.run === entry.run);
        if (at >= 0) runs[at] = prepared; else runs = [...runs, prepared];
      }
      current = runs.find((r) => r.run === current.run) || current;
      snapIndex = Math.min(snapIndex, lastIndex());
      const name = 'select' in data ? data.select : entries[0] && entries[0].run;
      const chosen = (name && runs.find((r) => r.run === name)) || (missing ? grid.find(runs, settings) : null);
      if (typeof data.playing === 'boolean') {
        if (data.playing && !token) token = { cancelled: false, playing: true, external: true };
        if (!data.playing && token && token.external) {
          token = null;
          announce(`Training stopped at epoch ${(chosen || current).snaps.at(-1).epoch}.`);
        }
      }
      if (chosen) {
        if (token && !token.external) cancel();
        current = chosen;
        settings = grid.pick(chosen.settings);
        missing = false;
        snapIndex = lastIndex();
      }
      if (!missing && current.run === before.run && runs.length === before.count) {
        // the shown run grew (an epoch streamed in): only its plot and status change, not the controls
        renderPlot();
        renderStatus();
        return;
      }
      const focused = stackBox.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
      renderAll(focused);
    },
    settings: () => grid.normalise(settings),
  };
}
