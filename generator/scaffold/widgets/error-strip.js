// {error-strip}: one bar per step of a run's validation window, as tall as the distance between the
// next-value prediction and its target (for text runs: a full bar where the predicted character is wrong).
//
// data = {run, documents: {predictions}}; options = {snapshot, shared, label}. `frame` and `dataTable`
// are pure (the generator runs them in Node at build time); the default export hydrates the figure.
// Linked view: it shows the snapshot of the page store key `epoch` (unrolled/lib/state.js), which the
// {predictions} and {loss} sliders set.
import { decode } from 'unrolled/lib/arrays.js';
import { fixed } from 'unrolled/lib/format.js';
import { h, join } from 'unrolled/lib/html.js';
import * as store from 'unrolled/lib/state.js';

const WIDTH = 640;
const HEIGHT = 80;
const BASE = HEIGHT - 4;

/** The distance at every step of snapshot `index`. */
function errors(data, index) {
  const doc = data.documents.predictions;
  const snap = doc.snapshots[index];
  const p = decode(snap.prediction);
  const t = decode(snap.target);
  const values = Array.from(p, (v, i) => (doc.kind === 'text' ? Number(v !== t[i]) : Math.abs(v - t[i])));
  return { epoch: snap.epoch, values };
}

function ceiling(data, options, index) {
  const shown = options.shared ? data.documents.predictions.snapshots.map((_, k) => k) : [index];
  return Math.max(1e-12, ...shown.flatMap((k) => errors(data, k).values));
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

function strip(data, options, index, id) {
  const { epoch, values } = errors(data, index);
  const top = ceiling(data, options, index);
  const width = WIDTH / values.length;
  return h('svg', {
    class: 'plot error-strip-plot', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`, 'data-epoch': epoch,
  },
  h('title', { id: `${id}-title` }, `${options.label} per step of run ${data.run} after epoch ${epoch}`),
  h('desc', { id: `${id}-desc` }, `${values.length} steps; mean ${options.label} ${fixed(mean(values), 4)}`),
  h('line', { class: 'baseline', x1: 0, x2: WIDTH, y1: BASE, y2: BASE }),
  values.map((v, i) => {
    const height = (v / top) * (BASE - 4);
    return h('rect', {
      class: 'error-bar', x: (i * width + 1).toFixed(2), y: (BASE - height).toFixed(2),
      width: Math.max(1, width - 2).toFixed(2), height: height.toFixed(2),
    });
  }));
}

function readout(data, options, index) {
  const { epoch, values } = errors(data, index);
  return h('p', { class: 'error-strip-readout' }, `epoch ${epoch} · mean ${options.label} ${fixed(mean(values), 4)}`);
}

/** The first frame: the bars of snapshot `options.snapshot` and a one-line readout. */
export function frame(data, options, id) {
  return join([strip(data, options, options.snapshot, id), readout(data, options, options.snapshot)]);
}

/** The distances of the first frame's snapshot, step by step. */
export function dataTable(data, options) {
  const { values } = errors(data, options.snapshot);
  return h('table', { class: 'data-table' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'step'), h('th', { scope: 'col' }, options.label))),
    h('tbody', {}, values.map((v, i) => h('tr', {}, h('th', { scope: 'row' }, String(i)), h('td', {}, fixed(v, 4))))));
}

export default function errorStrip(state, element) {
  const { data, options } = state;
  const snaps = data.documents.predictions.snapshots;
  const box = element.querySelector('.widget-frame');
  const id = element.id;
  let current = state.snapshot;

  const show = (index) => {
    current = index;
    box.innerHTML = String(join([strip(data, options, index, id), readout(data, options, index)]));
    element.dataset.epoch = String(snaps[index].epoch);
  };
  const indexOfEpoch = (epoch) => snaps.findIndex((s) => s.epoch === epoch);
  const fromUrl = indexOfEpoch(store.get('epoch'));
  show(fromUrl >= 0 ? fromUrl : current);
  store.subscribe('epoch', (epoch) => {
    const index = indexOfEpoch(epoch);
    if (index >= 0 && index !== current) show(index);
  }, element);
  return {};
}
