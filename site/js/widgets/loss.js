// {loss}: training and validation loss per epoch, one run or several overlaid, with the current epoch marked.
//
// `frame(data, options, id)` is the first frame (markup; the generator puts it in the page) and
// `dataTable(data)` its text alternative; the default export takes (state, element), draws the same
// markup and attaches the behaviour. data = {runs: [{run, title?, task, snapshots, loss: {epoch, train,
// validation}}]}, options = {scale: 'log' | 'linear', epoch}.
// `title` (the spec's display name) replaces the run id wherever the figure names a run.
//
// Linked views: the marked epoch is the page store key `epoch` (unrolled/lib/state.js). Clicking the chart
// or moving the "Epoch" slider sets it; a change made elsewhere (another widget, the URL) moves the marker.
// When the page store's `run` names one of the overlaid runs, its curves are emphasised.
// Explanation key: `loss` (the (i) button by the heading).
// Returns a controller: update(next) merges runs by name (next.data, same shape), e.g. streamed from a live run.
import * as store from 'unrolled/lib/state.js';
import { h, join, toNode } from 'unrolled/lib/html.js';
import { infoButton } from 'unrolled/lib/explain.js';
import {
  LogScale, Scale, countTicks, logDomain, zeroBased,
} from 'unrolled/lib/plot.js';
import { general as fmt, tickLabel } from 'unrolled/lib/format.js';

export const WIDTH = 640;
export const HEIGHT = 260;
// Margins hold labels set at 11.5 CSS px in a phone's column (site/css/loss.css grows them there).
export const MARGIN = { left: 84, right: 14, top: 16, bottom: 54 };
const LAYOUT = { width: WIDTH, height: HEIGHT, margin: MARGIN };
const FLOOR = 1e-12;
const LOSS_NAMES = { mse: 'mean squared error', ce: 'cross-entropy' };

/** The chart's scale: epochs on x, loss on a log (whole decades, lib/plot.js's LogScale) or linear y. */
export class LossScale {
  constructor(epochs, values, scale) {
    this.scale = scale;
    const x = [0, Math.max(1, epochs)];
    const clamped = Array.from(values, (v) => Math.max(v, FLOOR));
    this.axis = scale === 'log' ? new LogScale(x, logDomain(FLOOR, clamped), LAYOUT)
      : new Scale(x, [0, zeroBased(Math.max(...clamped) * 1.05)[0]], LAYOUT);
    Object.assign(this, { x0: this.axis.x0, x1: this.axis.x1, y0: this.axis.y0, y1: this.axis.y1 });
  }

  x(epoch) { return this.axis.x(epoch); }

  y(v) { return this.axis.y(v); }

  /** Epoch under an x position in SVG units (nearest integer, clamped). */
  epochAt(px) {
    const e = this.x0 + ((px - MARGIN.left) / (WIDTH - MARGIN.left - MARGIN.right)) * (this.x1 - this.x0);
    return Math.round(Math.min(this.x1, Math.max(this.x0, e)));
  }

  points(xs, ys) { return this.axis.points(xs, ys); }

  yTicks() {
    if (this.scale === 'log') {
      const ticks = this.axis.ticks();
      if (ticks.length === 2) ticks.push(2 * this.y0, 5 * this.y0); // one decade: 1, 2, 5, 10
      return ticks.sort((p, q) => p - q);
    }
    return zeroBased(this.y1)[1];
  }

  xTicks() { return countTicks(this.x1); }
}

const lastEpoch = (runs) => Math.max(...runs.map((r) => r.loss.epoch[r.loss.epoch.length - 1]));
const valuesAt = (r, e) => (e < r.loss.epoch.length ? [r.loss.train[e], r.loss.validation[e]] : null);

function scaleFor(runs, kind) {
  const values = [];
  for (const r of runs) values.push(...r.loss.train, ...r.loss.validation);
  return new LossScale(lastEpoch(runs), values, kind);
}

/** What the figure calls a run: its spec's `title`, else its id. */
const nameOf = (r) => r.title || r.run;

function describe(runs, epoch, kind) {
  const names = runs.map(nameOf);
  const title = names.length === 1 ? `Loss per epoch of run ${names[0]}` : `Loss per epoch of runs ${names.join(', ')}`;
  const parts = runs.map((r) => [r, valuesAt(r, epoch)]).filter(([, at]) => at)
    .map(([r, at]) => `${nameOf(r)}: train ${fmt(at[0])}, validation ${fmt(at[1])}`);
  const desc = `Training and validation loss (${LOSS_NAMES[runs[0].task.loss]}, ${kind} scale) over epochs 0 to `
    + `${lastEpoch(runs)}; marked epoch ${epoch}: ${parts.join('; ')}`;
  return { title, desc };
}

function marker(runs, scale, epoch) {
  const x = scale.x(epoch).toFixed(2);
  return h('g', { class: 'marker', 'aria-hidden': 'true', 'data-epoch': epoch },
    h('line', { x1: x, x2: x, y1: MARGIN.top, y2: HEIGHT - MARGIN.bottom }),
    runs.map((r, i) => {
      const at = valuesAt(r, epoch);
      return at && ['train', 'validation'].map((s, k) => h('circle', {
        class: `dot dot-${s} run-${i % 6}`, cx: x, cy: scale.y(at[k]).toFixed(2), r: 3.5,
      }));
    }));
}

/**
 * The chart as markup. It records its scale: values x0/x1 (epochs) at pixel columns px0/px1 and y0/y1
 * (loss, on a log or linear `data-scale`) at pixel rows py0/py1, so tests can invert the curves.
 */
function chart(runs, scale, kind, epoch, id) {
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right;
  const bottom = HEIGHT - MARGIN.bottom;
  const { title, desc } = describe(runs, epoch, kind);
  const snapshots = [...new Set(runs.flatMap((r) => r.snapshots))].sort((a, b) => a - b);
  return h('svg', {
    class: 'plot loss-plot', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`,
    'data-x0': scale.x0, 'data-x1': scale.x1, 'data-y0': scale.y0, 'data-y1': scale.y1, 'data-scale': kind,
    'data-px0': left, 'data-px1': right, 'data-py0': bottom, 'data-py1': MARGIN.top,
  },
  h('title', { id: `${id}-title` }, title),
  h('desc', { id: `${id}-desc` }, desc),
  h('g', { class: 'axis', 'aria-hidden': 'true' },
    scale.yTicks().map((t) => {
      const y = scale.y(t).toFixed(2);
      return [h('line', { class: 'grid', x1: left, x2: right, y1: y, y2: y }),
        h('text', { x: left - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, tickLabel(t))];
    }),
    scale.xTicks().map((e) => {
      const x = scale.x(e).toFixed(2);
      return [h('line', { class: 'tick', x1: x, x2: x, y1: bottom, y2: bottom + 4 }),
        h('text', { x, y: bottom + 6, 'text-anchor': 'middle', 'dominant-baseline': 'hanging' }, String(e))];
    }),
    h('line', { class: 'baseline', x1: left, x2: right, y1: bottom, y2: bottom }),
    h('text', {
      class: 'axis-label', x: ((left + right) / 2).toFixed(1), y: HEIGHT - 2, 'text-anchor': 'middle',
      'dominant-baseline': 'text-after-edge',
    }, 'epoch')),
  h('g', { class: 'snapshot-ticks', 'aria-hidden': 'true' },
    snapshots.map((e) => h('circle', { cx: scale.x(e).toFixed(2), cy: bottom, r: 2.5 }))),
  runs.map((r, i) => ['train', 'validation'].map((s) => h('polyline', {
    class: `series series-${s} run-${i % 6}`, 'data-series': s, 'data-run': r.run, fill: 'none',
    points: scale.points(r.loss.epoch, r.loss[s]),
  }))),
  marker(runs, scale, epoch));
}

function legend(runs) {
  const swatches = [h('span', { class: 'swatch swatch-train', 'aria-hidden': 'true' }),
    h('span', { class: 'swatch swatch-validation', 'aria-hidden': 'true' })];
  return h('ul', { class: 'loss-legend' },
    h('li', { class: 'legend-key' }, swatches[0], 'train ', swatches[1], 'validation'),
    runs.length > 1 && runs.map((r, i) => h('li', { class: `run-${i % 6}`, 'data-run': r.run }, swatches, nameOf(r))));
}

function table(runs) {
  const last = lastEpoch(runs);
  const head = runs.map((r) => (runs.length > 1
    ? [h('th', { scope: 'col' }, `${nameOf(r)} train`), h('th', { scope: 'col' }, `${nameOf(r)} validation`)]
    : [h('th', { scope: 'col' }, 'train'), h('th', { scope: 'col' }, 'validation')]));
  const rows = Array.from({ length: last + 1 }, (_, e) => h('tr', {}, h('th', { scope: 'row' }, String(e)),
    runs.map((r) => {
      const at = valuesAt(r, e);
      return at ? [h('td', {}, fmt(at[0])), h('td', {}, fmt(at[1]))] : [h('td'), h('td')];
    })));
  return h('table', { class: 'data-table' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'epoch'), head)), h('tbody', {}, rows));
}

function readout(runs, epoch) {
  return runs.map((r) => {
    const at = valuesAt(r, epoch);
    const name = runs.length > 1 ? `${nameOf(r)}: ` : '';
    return at ? `${name}train ${fmt(at[0])} · validation ${fmt(at[1])}` : `${name}no epoch ${epoch}`;
  }).join('; ');
}

/** What the "Epoch" output says: one line, or one line per overlaid run. */
function readoutContent(runs, epoch) {
  if (runs.length === 1) return `epoch ${epoch} · ${readout(runs, epoch)}`;
  return [h('span', {}, `epoch ${epoch}`), runs.map((r, i) => h('span', { class: `loss-readout-run run-${i % 6}` },
    h('b', {}, `${nameOf(r)} `), readout([r], epoch)))];
}

function controls(runs, scale, epoch, id) {
  return h('div', { class: 'widget-controls loss-controls' },
    h('label', { for: `${id}-epoch` }, 'Epoch'),
    h('input', {
      type: 'range', id: `${id}-epoch`, min: 0, max: scale.x1, step: 1, value: epoch,
      'aria-valuetext': `epoch ${epoch}: ${readout(runs, epoch)}`,
    }),
    h('output', { for: `${id}-epoch`, class: 'loss-readout' }, readoutContent(runs, epoch)));
}

const clampTo = (scale, e) => Math.min(scale.x1, Math.max(0, Math.round(e)));

function frameOf(runs, kind, epoch, id) {
  const scale = scaleFor(runs, kind);
  const at = clampTo(scale, epoch);
  return join([
    h('div', { class: 'loss-heading' },
      h('span', { class: 'loss-title', id: `${id}-heading` }, `Loss (${LOSS_NAMES[runs[0].task.loss]})`)),
    chart(runs, scale, kind, at, id), legend(runs), controls(runs, scale, at, id)]);
}

/** The first frame: heading, chart with `options.epoch` marked (default: the last), legend, slider. */
export function frame(data, options, id) {
  return frameOf(data.runs, options.scale || 'log', options.epoch ?? lastEpoch(data.runs), id);
}

/** The loss of every run at every epoch, the chart's text alternative. */
export function dataTable(data) {
  return table(data.runs);
}

export default function loss(state, element) {
  let runs = state.data.runs;
  const kind = state.options.scale || 'log';
  const id = element.id;
  const box = element.querySelector('.widget-frame');
  const details = element.querySelector('.widget-data');
  let scale;
  let svg;
  let slider;
  let output;
  let epoch;

  const show = (e) => {
    epoch = clampTo(scale, e);
    svg.querySelector('.marker').replaceWith(toNode(marker(runs, scale, epoch), { svg: true }));
    const { title, desc } = describe(runs, epoch, kind);
    svg.querySelector('title').textContent = title;
    svg.querySelector('desc').textContent = desc;
    slider.value = String(epoch);
    slider.setAttribute('aria-valuetext', `epoch ${epoch}: ${readout(runs, epoch)}`);
    output.innerHTML = String(join([readoutContent(runs, epoch)]));
    element.dataset.epoch = String(epoch);
  };
  const select = (e) => {
    show(e);
    store.set({ epoch }, element);
  };
  const emphasise = (name) => {
    const known = runs.some((r) => r.run === name);
    svg.classList.toggle('has-current', known && runs.length > 1);
    svg.querySelectorAll('polyline[data-run]').forEach((p) => p.classList.toggle('is-current', p.dataset.run === name));
  };
  /** Draw everything from the first frame's markup, then attach the behaviour. */
  const mount = (e) => {
    scale = scaleFor(runs, kind);
    epoch = clampTo(scale, e);
    box.innerHTML = String(frameOf(runs, kind, epoch, id));
    details.querySelector('table').replaceWith(toNode(table(runs)));
    svg = box.querySelector('svg.loss-plot');
    slider = box.querySelector('input[type=range]');
    output = box.querySelector('output');
    const info = infoButton('loss', 'Loss');
    if (info) box.querySelector('.loss-heading').append(info);
    svg.addEventListener('click', (event) => {
      const rect = svg.getBoundingClientRect();
      select(scale.epochAt(((event.clientX - rect.left) / rect.width) * WIDTH));
    });
    slider.addEventListener('input', () => select(Number(slider.value)));
    element.dataset.epoch = String(epoch);
    emphasise(store.get('run'));
  };

  mount(store.get('epoch', state.options.epoch ?? lastEpoch(runs)));
  store.subscribe('epoch', (e) => { if (e !== undefined && e !== epoch) show(e); }, element);
  store.subscribe('run', (name) => emphasise(name), element);

  return {
    /**
     * Merge runs by name (same shape as the payload): a published run replaces the run of the same
     * name and any other is added, so a run streamed from the browser overlays the precomputed ones.
     */
    update(next) {
      const incoming = new Map(next.data.runs.map((r) => [r.run, r]));
      runs = [...runs.map((r) => incoming.get(r.run) || r),
        ...next.data.runs.filter((r) => !runs.some((old) => old.run === r.run))];
      mount(epoch);
    },
  };
}
