// {predictions}: input, target and predicted values on a validation window, plus the roll-out.
// `frame(data, options, id)` is the first frame (markup; the generator puts it in the page) and
// `dataTable(data, options)` the text alternative; the default export takes (state, element), re-renders
// the same markup and makes the snapshot slider work. state = {data: predictions document subset,
// snapshot: index}; options.snapshot is that index.
import { decode } from 'unrolled/lib/arrays.js';
import * as store from 'unrolled/lib/state.js';
import { charLabel } from 'unrolled/lib/chars.js';
import { fixed, rounded } from 'unrolled/lib/format.js';
import { h, join, toNode } from 'unrolled/lib/html.js';
import {
  Scale, dataDomain, polyline, realAxes, svg, valueDomain, yAxis,
} from 'unrolled/lib/plot.js';

// The figure's own geometry: margins wide enough for labels set at 11.5 CSS px in a phone's column
// (site/css/unrolled.css grows them there). The {network} widget draws its smaller plot with `plot`
// in lib/plot.js's layout.
export const FIGURE_LAYOUT = { width: 640, height: 260, margin: { left: 62, right: 30, top: 16, bottom: 34 } };

/** An author's series (data.y) is shown in its real units: value · scale + shift; other data as it is. */
function toReal(data) {
  if (!data.y) return (values) => values;
  const { shift, scale } = data.y;
  return (values) => Float64Array.from(values, (v) => v * scale + shift);
}

/** The axis titles of an author's series, e.g. "YEAR" and "SUNACTIVITY (sunspots)". */
export function axisTitles(data) {
  const unit = data.y.unit ? ` (${data.y.unit})` : '';
  return [data.x.label || 'step', `${data.y.label}${unit}`];
}

/** An x value as written in the data (no float noise such as 0.30000000000000004). */

/** A snapshot in display units (real units for an author's series). */
function shown(data, s) {
  if (!data.y) return s;
  const real = toReal(data);
  const out = {
    ...s, input: real(s.input), target: real(s.target), prediction: real(s.prediction),
  };
  if (s.rollout) { out.rollout = real(s.rollout); out.rolloutTarget = real(s.rolloutTarget); }
  return out;
}

/** One snapshot of a predictions payload with its arrays decoded (the {network} widget uses it too). */
export function series(snap) {
  const s = {
    epoch: snap.epoch,
    input: decode(snap.input),
    target: decode(snap.target),
    prediction: decode(snap.prediction),
    error: snap.error ? decode(snap.error) : null,
  };
  if (snap.rollout) {
    s.rollout = decode(snap.rollout.prediction);
    s.rolloutTarget = decode(snap.rollout.target);
  }
  return s;
}

/** y covers every snapshot's values, so scrubbing through epochs never rescales the plot. */
function scaleFor(data, snaps, current, layout) {
  const { start, step } = data.x;
  const window = current.input.length;
  const steps = current.rollout ? current.rollout.length : 0;
  const all = [...snaps.map((s) => s.input), ...snaps.map((s) => s.prediction), current.target];
  for (const s of snaps) if (s.rollout) all.push(s.rollout, s.rolloutTarget);
  return new Scale([start, start + step * (window + steps)], (data.y ? dataDomain : valueDomain)(...all), layout);
}

/**
 * The plot of snapshot `index` as markup. `className` adds to the <svg>'s class; `marks(scale, x)` (x =
 * {start, step, n}) may return markup drawn {window: over the input window, rollout: before the roll-out};
 * `layout` is the chart's size and margins (the {predictions} figure's own by default).
 */
export function plot(data, decoded, index, id, { className = '', marks = null, layout = FIGURE_LAYOUT } = {}) {
  const snaps = decoded.map((d) => shown(data, d));
  const s = snaps[index];
  const { start, step } = data.x;
  const n = s.input.length;
  const xIn = Array.from({ length: n }, (_, i) => start + step * i);
  const xOut = xIn.map((x) => x + step);
  const scale = scaleFor(data, snaps, s, layout);
  const { height, margin } = layout;
  let mse = 0;
  s.prediction.forEach((p, i) => { mse += (p - s.target[i]) ** 2; });
  mse /= n;
  const xRoll = s.rollout ? Array.from(s.rollout, (_, j) => start + step * (n + 1 + j)) : null;
  const titles = data.y ? axisTitles(data) : null;
  const where = titles ? `; ${titles[0]} ${rounded(xIn[0], 12)} to ${rounded(xOut[n - 1], 12)}, values in ${titles[1]}` : '';
  const extra = marks ? marks(scale, { start, step, n }) : {};
  return svg(scale, {
    id,
    className,
    title: `Predictions of run ${data.title || data.run} after epoch ${s.epoch}`,
    desc: `${n} input values, the next value predicted at each step (mean squared error on this window ${fixed(mse, 4)})`
      + (s.rollout ? ', then an autoregressive roll-out' : '') + where,
  },
  titles ? realAxes(scale, ...titles) : yAxis(scale),
  h('rect', {
    class: 'window', x: scale.x(xIn[0]).toFixed(2), y: margin.top,
    width: (scale.x(xIn[n - 1]) - scale.x(xIn[0])).toFixed(2), height: height - margin.top - margin.bottom,
  }),
  extra.window,
  h('g', { class: 'errors' }, xOut.map((x, i) => h('line', {
    x1: scale.x(x).toFixed(2), x2: scale.x(x).toFixed(2),
    y1: scale.y(s.target[i]).toFixed(2), y2: scale.y(s.prediction[i]).toFixed(2),
  }))),
  polyline(scale, 'input', xIn, s.input),
  polyline(scale, 'target', xOut, s.target),
  polyline(scale, 'prediction', xOut, s.prediction),
  xRoll && [extra.rollout, polyline(scale, 'rollout-target', xRoll, s.rolloutTarget),
    polyline(scale, 'rollout', xRoll, s.rollout)]);
}

function table(data, decoded) {
  const s = shown(data, decoded);
  const f = (v) => fixed(v, 4);
  // an author's series: rows are named by their x value, and the columns carry the unit
  const head = data.y ? [data.x.label || 'step', ...['input', 'target', 'prediction'].map(
    (c) => (data.y.unit ? `${c} (${data.y.unit})` : c))] : ['step', 'input', 'target', 'prediction'];
  const rowName = (i) => (data.y ? rounded(data.x.start + data.x.step * i, 12) : String(i));
  return h('table', { class: 'data-table' },
    h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, Array.from(s.input, (v, i) => h('tr', {}, h('th', { scope: 'row' }, rowName(i)),
      h('td', {}, f(v)), h('td', {}, f(s.target[i])), h('td', {}, f(s.prediction[i]))))));
}

/** Text runs: input, target and predicted characters per step; the table is its own text alternative. */
function charStrip(data, s) {
  const label = (i) => charLabel(data.vocab[i]);
  const row = (name, cells) => h('tr', {}, h('th', { scope: 'row' }, name), cells);
  let correct = 0;
  const hits = Array.from(s.prediction, (p, i) => {
    const hit = p === s.target[i];
    correct += hit;
    return h('td', { class: hit ? 'hit' : 'miss' }, label(p));
  });
  return h('table', { class: 'char-strip' },
    h('caption', {}, `Epoch ${s.epoch}: ${correct} of ${s.target.length} next characters predicted correctly`),
    h('tbody', {},
      row('input', Array.from(s.input, (i) => h('td', {}, label(i)))),
      row('target', Array.from(s.target, (i) => h('td', {}, label(i)))),
      row('prediction', hits)));
}

const view = (data, snaps, index, id) => (data.kind === 'text' ? charStrip(data, snaps[index])
  : plot(data, snaps, index, id));

function snapshotControl(snaps, index, id) {
  const epoch = `epoch ${snaps[index].epoch}`;
  return h('div', { class: 'widget-controls' },
    h('label', { for: `${id}-snapshot` }, 'Snapshot'),
    h('input', {
      type: 'range', id: `${id}-snapshot`, min: 0, max: snaps.length - 1, step: 1, value: index,
      'aria-valuetext': epoch,
    }),
    h('output', { for: `${id}-snapshot` }, epoch));
}

function frameOf(data, snaps, index, id) {
  return join([view(data, snaps, index, id), snaps.length > 1 ? snapshotControl(snaps, index, id) : null]);
}

/** The first frame: the plot (or character strip) of snapshot `options.snapshot` and its slider. */
export function frame(data, options, id) {
  return frameOf(data, data.snapshots.map(series), options.snapshot, id);
}

/** The data table of snapshot `options.snapshot` (function data; text runs' strip is its own table). */
export function dataTable(data, options) {
  return data.kind === 'text' ? null : table(data, series(data.snapshots[options.snapshot]));
}

export default function predictions(state, element) {
  let { data } = state;
  let snaps = data.snapshots.map(series);
  const box = element.querySelector('.widget-frame');
  const details = element.querySelector('.widget-data');
  const id = element.id;
  let current = state.snapshot;

  /** Everything drawn anew (first frame, new data); the slider gets its listener. */
  const mount = (index) => {
    current = index;
    box.innerHTML = String(frameOf(data, snaps, index, id));
    if (details && data.kind !== 'text') details.querySelector('table').replaceWith(toNode(table(data, snaps[index])));
    box.querySelector('input[type=range]')?.addEventListener('input', (event) => select(Number(event.target.value)));
    element.dataset.snapshot = String(index);
  };
  /** Another snapshot: only the plot, the slider's text and the table change. */
  const show = (index) => {
    current = index;
    box.firstElementChild.replaceWith(toNode(view(data, snaps, index, id)));
    if (details && data.kind !== 'text') details.querySelector('table').replaceWith(toNode(table(data, snaps[index])));
    const slider = box.querySelector('input[type=range]');
    if (slider) {
      const epoch = `epoch ${snaps[index].epoch}`;
      slider.value = String(index);
      slider.setAttribute('aria-valuetext', epoch);
      box.querySelector('output').textContent = epoch;
    }
    element.dataset.snapshot = String(index);
  };
  const select = (index) => {
    show(index);
    store.set({ epoch: snaps[index].epoch }, element);
  };
  const indexOfEpoch = (epoch) => snaps.findIndex((s) => s.epoch === epoch);
  const fromUrl = indexOfEpoch(store.get('epoch'));
  mount(fromUrl >= 0 ? fromUrl : current);
  store.subscribe('epoch', (epoch) => {
    const index = indexOfEpoch(epoch);
    if (index >= 0 && index !== current) show(index);
  }, element);
  return {
    /** Replace the data (e.g. streamed from an in-browser run) and show its last snapshot. */
    update(next) {
      data = next.data;
      snaps = data.snapshots.map(series);
      mount(snaps.length - 1);
    },
  };
}
