// {whole-series}: every row of the run's CSV file as one line, the rows held out for validation shaded,
// and the run's next-value predictions on the plotted window drawn over it.
//
// data = {run, documents: {run, predictions}, files: {data: {columns, rows}}}; options = {snapshot,
// predictions, data}. The columns come from the run document (`task.series.x_column` and `target`),
// the split from `task.series.train_rows`.
//
// Linked view: the shown snapshot is the page store key `epoch` (unrolled/lib/state.js). The slider sets
// it; a change made elsewhere (the {predictions} or {loss} slider, the URL) redraws the predictions.
import { decode } from 'unrolled/lib/arrays.js';
import { fixed } from 'unrolled/lib/format.js';
import { h, join, toNode } from 'unrolled/lib/html.js';
import { Scale, dataDomain, polyline, realAxes, svg, MARGIN, HEIGHT } from 'unrolled/lib/plot.js';
import * as store from 'unrolled/lib/state.js';

/** The file's x and y columns, named by the run document. */
function points(data) {
  const { columns, rows } = data.files.data;
  const series = data.documents.run.task.series;
  const [xi, yi] = [series.x_column, series.target].map((name) => {
    const at = columns.indexOf(name);
    if (at < 0) throw new Error(`column ${name} is not in the data file (columns: ${columns.join(', ')})`);
    return at;
  });
  const kept = rows.filter((row) => typeof row[xi] === 'number' && typeof row[yi] === 'number');
  return { xs: kept.map((row) => row[xi]), ys: kept.map((row) => row[yi]), series };
}

/** The predictions of snapshot `index` in the file's units, at the x of the value each one predicts. */
function predicted(data, index) {
  const doc = data.documents.predictions;
  const snap = doc.snapshots[index];
  const { start, step } = doc.x;
  const { scale, shift } = doc.y;
  const values = Array.from(decode(snap.prediction), (v) => v * scale + shift);
  return { epoch: snap.epoch, xs: values.map((_, i) => start + step * (i + 1)), ys: values };
}

function overlay(data, scale, index, show) {
  if (!show) return null;
  const p = predicted(data, index);
  return h('g', { class: 'overlay', 'data-epoch': p.epoch }, polyline(scale, 'prediction', p.xs, p.ys));
}

function plot(data, options, index, id) {
  const { xs, ys, series } = points(data);
  const scale = new Scale([xs[0], xs[xs.length - 1]], dataDomain(ys));
  const split = xs[series.train_rows];
  const top = MARGIN.top;
  const bottom = HEIGHT - MARGIN.bottom;
  const left = scale.x(split);
  const right = scale.x(xs[xs.length - 1]);
  const epoch = data.documents.predictions.snapshots[index].epoch;
  return svg(scale, {
    id,
    className: 'whole-series-plot',
    title: `${series.target} per ${series.x_column}, ${xs[0]} to ${xs[xs.length - 1]}`,
    desc: `${xs.length} rows of ${series.file}; rows from ${series.x_column} ${split} on are held out for `
      + `validation (shaded)` + (options.predictions ? `; run ${data.run}'s predictions after epoch ${epoch} `
      + 'are drawn over the plotted window' : ''),
  },
  realAxes(scale, series.x_column, series.unit ? `${series.target} (${series.unit})` : series.target),
  h('rect', {
    class: 'held-out', x: left.toFixed(2), y: top, width: (right - left).toFixed(2), height: bottom - top,
  }),
  h('line', { class: 'split', x1: left.toFixed(2), x2: left.toFixed(2), y1: top, y2: bottom }),
  h('text', { class: 'part-label', x: (left - 4).toFixed(2), y: top + 24, 'text-anchor': 'end' }, 'training'),
  h('text', { class: 'part-label', x: (left + 4).toFixed(2), y: top + 24 }, 'held out'),
  polyline(scale, 'whole', xs, ys),
  overlay(data, scale, index, options.predictions));
}

function controls(data, index, id) {
  const snaps = data.documents.predictions.snapshots;
  const epoch = `epoch ${snaps[index].epoch}`;
  return h('div', { class: 'widget-controls' },
    h('label', { for: `${id}-snapshot` }, 'Snapshot'),
    h('input', {
      type: 'range', id: `${id}-snapshot`, min: 0, max: snaps.length - 1, step: 1, value: index,
      'aria-valuetext': epoch,
    }),
    h('output', { for: `${id}-snapshot` }, epoch));
}

function frameOf(data, options, index, id) {
  return join([plot(data, options, index, id), options.predictions ? controls(data, index, id) : null]);
}

/** The first frame: the whole series, the split, and the predictions of snapshot `options.snapshot`. */
export function frame(data, options, id) {
  return frameOf(data, options, options.snapshot, id);
}

/** Every row of the file with the part it belongs to. */
export function dataTable(data) {
  const { xs, ys, series } = points(data);
  return h('table', { class: 'data-table' },
    h('thead', {}, h('tr', {}, [series.x_column, series.target, 'part'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, xs.map((x, i) => h('tr', {}, h('th', { scope: 'row' }, String(x)),
      h('td', {}, fixed(ys[i], 1)), h('td', {}, i < series.train_rows ? 'training' : 'held out')))));
}

export default function wholeSeries(state, element) {
  const { data, options } = state;
  const snaps = data.documents.predictions.snapshots;
  const box = element.querySelector('.widget-frame');
  const id = element.id;
  let current = state.snapshot;

  /** Another snapshot: the plot is drawn anew; the slider keeps its focus and only its text changes. */
  const show = (index) => {
    current = index;
    box.querySelector('svg').replaceWith(toNode(plot(data, options, index, id)));
    const slider = box.querySelector('input[type=range]');
    if (slider) {
      const epoch = `epoch ${snaps[index].epoch}`;
      slider.value = String(index);
      slider.setAttribute('aria-valuetext', epoch);
      box.querySelector('output').textContent = epoch;
    }
    element.dataset.epoch = String(snaps[index].epoch);
  };
  /** The first frame's markup drawn again (so hydration changes nothing a reader sees), then the listener. */
  const mount = (index) => {
    current = index;
    box.innerHTML = String(frameOf(data, options, index, id));
    box.querySelector('input[type=range]')?.addEventListener('input', (event) => {
      show(Number(event.target.value));
      store.set({ epoch: snaps[current].epoch }, element);
    });
    element.dataset.epoch = String(snaps[index].epoch);
  };
  const indexOfEpoch = (epoch) => snaps.findIndex((s) => s.epoch === epoch);
  const fromUrl = indexOfEpoch(store.get('epoch'));
  mount(fromUrl >= 0 ? fromUrl : current);
  store.subscribe('epoch', (epoch) => {
    const index = indexOfEpoch(epoch);
    if (index >= 0 && index !== current) show(index);
  }, element);
  return {};
}
