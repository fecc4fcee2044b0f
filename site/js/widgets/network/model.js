// The numbers behind {network}, pure (no DOM): the grid of runs and which one is shown, the settings the
// reader chose, which values each control offers, and the texts that describe a run or a snapshot.
// A model is a plain object: {runs (decoded), datasets, current (run), snapIndex, settings, missing (no
// run has these settings), lastChanged (the setting changed last), live (a trainer is in charge)}.
import { rounded } from 'unrolled/lib/format.js';
import * as grid from 'unrolled/widgets/network/grid.js';
import { formatSetting } from 'unrolled/widgets/network/controls.js';
import { mse } from 'unrolled/widgets/network/plot.js';
import { series } from 'unrolled/widgets/predictions.js';

const DEFAULT_DATASETS = ['sine', 'sawtooth', 'square', 'composite', 'abab', 'lorem'];
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

export const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A run entry of the payload with its snapshots decoded (`snaps`). */
export const prepare = (entry) => ({ ...entry, snaps: entry.snapshots.map(series) });

/** The model the payload and the figure's options ({run, epoch}) describe. */
export function create(data, options) {
  const runs = data.runs.map(prepare);
  const current = runs.find((r) => r.run === options.run) || runs[0];
  return {
    runs,
    datasets: data.datasets || DEFAULT_DATASETS,
    current,
    snapIndex: Math.max(0, current.snaps.findIndex((s) => s.epoch === options.epoch)),
    settings: grid.pick(current.settings),
    missing: false,
    lastChanged: null,
    live: false,
  };
}

export const snap = (m) => m.current.snaps[m.snapIndex];
export const lastIndex = (m) => m.current.snaps.length - 1;

/** Index of the snapshot of `run` closest to `epoch` (0 when there is no epoch). */
export function closestSnapshot(run, epoch) {
  if (typeof epoch !== 'number' || !Number.isFinite(epoch)) return 0;
  let best = 0;
  run.snaps.forEach((s, i) => { if (Math.abs(s.epoch - epoch) < Math.abs(run.snaps[best].epoch - epoch)) best = i; });
  return best;
}

export function formatValue(dim, v) {
  if (dim === 'dataset') return DATASET_LABELS[v] || v;
  return dim === 'cell' ? String(v).toUpperCase() : formatSetting(v);
}

export function describeSettings(s) {
  let text = `${DATASET_LABELS[s.dataset] || s.dataset}, ${s.cell.toUpperCase()}, ${plural(s.layers, 'layer')} of `
    + `${s.hidden} units, learning rate ${formatSetting(s.lr)}, batch size ${s.batch}`;
  if (!grid.isText(s.dataset)) text += `, noise ${formatSetting(s.noise)}`;
  return text;
}

/**
 * The two numbers a reader can compare, each named: the validation loss over the whole validation set
 * (what the loss curves show) and the error on the one window plotted here.
 */
export function lossText(run, s) {
  const k = run.loss.epoch.indexOf(s.epoch);
  if (k < 0) return [];
  const lines = [`Validation loss (all ${plural(run.settings.sequences, 'sequence')}): `
    + `${rounded(run.loss.validation[k], 4)}`];
  if (run.kind === 'function') lines.push(`Error on the plotted window: ${rounded(mse(s), 4)}`);
  return lines;
}

export const errorText = (run, s) => (run.kind === 'function'
  ? `mean squared error on the plotted window ${mse(s).toFixed(4)}`
  : `${Array.from(s.prediction).filter((p, i) => p === s.target[i]).length} of ${s.prediction.length} characters right`);

/** The values a control offers: the grid's, plus LIVE_CHOICES while a live trainer is in charge. */
function choices(m, dim, filter) {
  const base = grid.values(m.runs, dim, filter);
  return m.live ? grid.union(base, LIVE_CHOICES[dim]) : base;
}

/** The values a control offers now: with a live trainer all `choices`, else those with a run given the rest. */
export const offered = (m, dim, filter) => (m.live ? choices(m, dim, filter) : grid.available(m.runs, m.settings, dim));

/** Why the grid's other values of `dim` are not offered, grouped: "5 and 50: precomputed only with …". */
function missingNote(m, dim, offeredValues, filter) {
  if (m.live) return '';
  const groups = new Map();
  for (const v of grid.values(m.runs, dim, filter)) {
    if (offeredValues.some((o) => grid.union([o], [v]).length === 1)) continue;
    const reason = grid.why(m.runs, m.settings, dim, v, formatValue);
    groups.set(reason, [...(groups.get(reason) || []), formatValue(dim, v)]);
  }
  return [...groups].map(([reason, vs]) => `${vs.join(' and ')}: ${reason}`).join('; ');
}

/** An author's series (csv): the values of its first run's plotted window and roll-out target. */
function ownValues(m, d) {
  if (d !== 'csv') return null;
  const run = (m.runs.find((r) => r.run === m.current.run && r.settings.dataset === d)
    || m.runs.find((r) => r.settings.dataset === d));
  const s = run && run.snaps[0];
  return s ? [...s.input, ...s.target.slice(-1), ...(s.rolloutTarget || [])] : null;
}

/** Each input: {name, label, absent (no run has it), disabled, selected, noise (drawn in its thumbnail)}. */
export function inputs(m) {
  const text = grid.isText(m.settings.dataset);
  return m.datasets.map((d) => {
    const absent = !m.runs.some((r) => r.settings.dataset === d);
    const selected = d === m.settings.dataset;
    return {
      name: d, label: DATASET_LABELS[d] || d, absent, disabled: !m.live && absent, selected,
      noise: !text && selected ? m.settings.noise : 0, values: ownValues(m, d),
    };
  });
}

/** Why `count` layers are not offered, or null when they are. */
function layersBlocked(m, count) {
  if (m.live || offered(m, 'layers').includes(count)) return null;
  const inGrid = grid.values(m.runs, 'layers').includes(count);
  const why = inGrid ? grid.why(m.runs, m.settings, 'layers', count, formatValue) : 'not precomputed';
  return `${plural(count, 'layer')}: ${why}`;
}

/** What the stack draws (network/stack.js); `openable`: a {cell} view of the shown run exists. */
export function layers(m, openable) {
  const { settings: s } = m;
  return {
    layers: s.layers, cell: s.cell, hidden: s.hidden, openable: openable && !m.missing,
    addBlocked: layersBlocked(m, s.layers + 1), removeBlocked: layersBlocked(m, s.layers - 1),
  };
}

/** The cell and units selects: {hidden (one value only), value, options: [{value, text, title}]}. */
export function select(m, dim) {
  const values = choices(m, dim);
  const here = offered(m, dim);
  return {
    hidden: values.length < 2,
    value: String(m.settings[dim]),
    options: values.map((v) => {
      const title = here.includes(v) ? null : grid.why(m.runs, m.settings, dim, v, formatValue);
      return { value: String(v), text: formatValue(dim, v) + (title ? ` (${title})` : ''), title };
    }),
  };
}

/** The three sliders' states (network/controls.js `slider`): range, value, ticks and note. */
export function sliders(m) {
  const text = grid.isText(m.settings.dataset);
  const lrs = choices(m, 'lr');
  const batches = choices(m, 'batch');
  const textless = (r) => !grid.isText(r.settings.dataset);
  const noises = choices(m, 'noise', textless);
  const state = (dim, value, values, min, max, reason, extra) => {
    // the ranges cover every value of the grid; the ticks and the snapping only the values offered now
    const why = reason || (values.length < 2 ? `only ${formatSetting(values[0] ?? value)} was precomputed` : '');
    return {
      value, values, min, max, disabled: Boolean(why), note: [why, extra].filter(Boolean).join('; '),
    };
  };
  const here = { lr: offered(m, 'lr'), batch: offered(m, 'batch'), noise: text ? [0] : offered(m, 'noise', textless) };
  return {
    lr: state('lr', m.settings.lr, here.lr, Math.min(-4, Math.floor(Math.log10(lrs[0]))),
      Math.max(0, Math.ceil(Math.log10(lrs[lrs.length - 1]))), '', missingNote(m, 'lr', here.lr)),
    batch: state('batch', m.settings.batch, here.batch, Math.min(5, batches[0]),
      Math.max(50, batches[batches.length - 1]), '', missingNote(m, 'batch', here.batch)),
    noise: state('noise', text ? 0 : m.settings.noise, here.noise, 0, Math.max(0.4, noises[noises.length - 1] ?? 0),
      text ? 'text data has no input noise' : '', text ? '' : missingNote(m, 'noise', here.noise, textless)),
  };
}

/** The nearest precomputed run to the chosen settings (for "not precomputed"). */
export const nearest = (m) => grid.nearest(m.runs, m.settings, m.lastChanged);
