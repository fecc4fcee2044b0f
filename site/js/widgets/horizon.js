// {horizon}: how far back each loss reaches. Per distance d, the mean ratio X[t, t−d] / X[t, t] over
// many held-out sequences and its 10th–90th percentile band (log y), one band and mean line per run, the
// threshold line and, where a mean first falls below it, the run's horizon.
//
// `frame(data, options, id)` is the first frame (markup; the generator puts it in the page) and
// `dataTable(data, options)` its text alternative; the default export takes (state, element), draws the
// same markup and makes the snapshot slider work. data = {measure, layer, threshold, runs: [{run, title?, cell,
// distance, snapshots: [{epoch, horizon, ratio: {mean, p10, p90}}]}]} (the directive's payload; every
// run has the same snapshot epochs), options = {snapshot: index}.
//
// Linked views: the shown snapshot is the page store key `epoch` (unrolled/lib/state.js), so the {loss}
// chart's epoch or any other snapshot slider moves it, and its slider moves them.
// Explanation key: `horizon` (the (i) button by the heading).
// Returns a controller: update(next) replaces the data and shows its last snapshot.
import { decode } from 'unrolled/lib/arrays.js';
import * as store from 'unrolled/lib/state.js';
import { h, join, toNode } from 'unrolled/lib/html.js';
import { infoButton } from 'unrolled/lib/explain.js';
import { decadeLabel, general as fmt, tickLabel } from 'unrolled/lib/format.js';
import {
  LogScale, countTicks, logDomain, svg, yAxis,
} from 'unrolled/lib/plot.js';

const WIDTH = 640;
// Margins hold labels set at 11.5 CSS px in a phone's column (site/css/horizon.css grows them there).
const HEIGHT = 300;
const TOP = 16;
const BOTTOM = 54;
const LEFT = 94;
// Ratios below FLOOR are past double precision next to the step's own term: the axis stops there, a mean
// line ends where it leaves the plot, and a band's lower edge runs along the bottom (the table has every value).
const FLOOR = 1e-16;
const CHAR = 8.4; // SVG units per character of a bold 11-unit label (capitals), to decide whether direct labels fit
const LINE = 13; // SVG units between two direct labels
const MAX_LABEL = 120; // wider labels leave the names to the legend
const QUANTITY = {
  hh: ['recurrent weights', '‖∂L_t/∂W_hh^(t−d)‖ / ‖∂L_t/∂W_hh^(t)‖'],
  ih: ['input weights', '‖∂L_t/∂W_ih^(t−d)‖ / ‖∂L_t/∂W_ih^(t)‖'],
  H: ['hidden state', '‖∂L_t/∂h_(t−d)‖ / ‖∂L_t/∂h_t‖'],
  connectivity: ['input', '‖∂ŷ_t/∂x_(t−d)‖ / ‖∂ŷ_t/∂x_t‖'],
};

/** The payload with its arrays decoded (typed arrays). */
function decodeRuns(data) {
  return data.runs.map((r) => ({
    run: r.run,
    name: r.title || r.run, // what the figure calls the run: its spec's `title`, else its id
    cell: r.cell,
    distance: Array.from(decode(r.distance)),
    snapshots: r.snapshots.map((s) => ({
      epoch: s.epoch,
      horizon: s.horizon,
      mean: decode(s.ratio.mean),
      p10: decode(s.ratio.p10),
      p90: decode(s.ratio.p90),
    })),
  }));
}

/**
 * Direct labels beside the right end of each mean line (every line reaches it): y positions spread LINE
 * apart, or null if they do not fit.
 */
function placeLabels(runs, index, y, plotTop, plotBottom) {
  const wanted = runs.map((r, i) => {
    const s = r.snapshots[index];
    return { i, y: y(s.mean[s.mean.length - 1]) };
  }).sort((a, b) => a.y - b.y || a.i - b.i);
  if (wanted.length * LINE > plotBottom - plotTop + LINE) return null;
  for (let k = 1; k < wanted.length; k += 1) wanted[k].y = Math.max(wanted[k].y, wanted[k - 1].y + LINE);
  const overflow = wanted[wanted.length - 1].y - plotBottom;
  if (overflow > 0) {
    wanted[wanted.length - 1].y -= overflow;
    for (let k = wanted.length - 2; k >= 0; k -= 1) wanted[k].y = Math.min(wanted[k].y, wanted[k + 1].y - LINE);
  }
  const placed = new Array(runs.length);
  for (const w of wanted) placed[w.i] = w.y;
  return placed;
}

/** Layout and scale: the y domain covers every snapshot, so moving the slider never rescales the plot. */
function scaleFor(runs) {
  const longest = Math.max(...runs.map((r) => r.name.length));
  const labelWidth = 8 + CHAR * longest;
  const direct = labelWidth <= MAX_LABEL;
  const margin = { left: LEFT, right: direct ? labelWidth + 4 : 16, top: TOP, bottom: BOTTOM };
  const all = runs.flatMap((r) => r.snapshots.flatMap((s) => [s.mean, s.p10, s.p90]));
  const x1 = Math.max(1, ...runs.map((r) => r.distance[r.distance.length - 1]));
  const scale = new LogScale([0, x1], logDomain(FLOOR, ...all), { width: WIDTH, height: HEIGHT, margin });
  scale.direct = direct;
  scale.clipped = all.some((values) => values.some((v) => v < scale.y0));
  return scale;
}

/** What the readout says of one run at one snapshot. */
function reachText(r, s, threshold) {
  const last = r.distance[r.distance.length - 1];
  return s.horizon === null
    ? `the mean ratio never falls below ${tickLabel(threshold)} within the measured distances (d ≤ ${last})`
    : `the mean ratio first falls below ${tickLabel(threshold)} at d = ${s.horizon}`;
}

function describe(data, runs, index) {
  const [name, formula] = QUANTITY[data.measure];
  const epoch = runs[0].snapshots[index].epoch;
  const names = runs.map((r) => r.name).join(', ');
  const title = `How far back the gradient reaches (${name}) for ${runs.length > 1 ? 'runs' : 'run'} ${names} at epoch ${epoch}`;
  const desc = `Mean and 10th to 90th percentile of ${formula} over held-out sequences, per distance d, on a log `
    + `scale (a mean line ends where it falls below ${decadeLabel(FLOOR)}), with the threshold ${tickLabel(data.threshold)}. `
    + runs.map((r) => `${r.name}: ${reachText(r, r.snapshots[index], data.threshold)}`).join('; ');
  return { title, desc };
}

function band(scale, r, s, i) {
  const n = s.mean.length;
  const xs = r.distance.slice(0, n);
  const upper = scale.points(xs, s.p90);
  const lower = scale.points([...xs].reverse(), Array.from(s.p10).reverse());
  return h('polygon', { class: `band run-${i % 6}`, 'data-run': r.run, 'data-series': 'band', points: `${upper} ${lower}` });
}

function chart(data, runs, scale, index, id) {
  const { width, height, margin } = scale.layout;
  const left = margin.left;
  const right = width - margin.right;
  const bottom = height - margin.bottom;
  const xTicks = countTicks(scale.x1);
  const ty = scale.y(data.threshold).toFixed(2);
  const reachEdge = runs.every((r) => r.snapshots[index].mean.every((v) => v >= scale.y0));
  const labels = scale.direct && reachEdge ? placeLabels(runs, index, (v) => scale.y(v), margin.top, bottom) : null;
  return svg(scale, { id, className: 'horizon-plot', ...describe(data, runs, index) },
    yAxis(scale, scale.ticks(), (v) => (scale.clipped && v === scale.y0 ? `≤${decadeLabel(v)}` : decadeLabel(v))),
    h('g', { class: 'axis', 'aria-hidden': 'true' },
      xTicks.map((d) => {
        const x = scale.x(d).toFixed(2);
        return [h('line', { class: 'tick', x1: x, x2: x, y1: bottom, y2: bottom + 4 }),
          h('text', { x, y: bottom + 6, 'text-anchor': 'middle', 'dominant-baseline': 'hanging' }, String(d))];
      }),
      h('line', { class: 'baseline', x1: left, x2: right, y1: bottom, y2: bottom }),
      h('text', {
        class: 'axis-label', x: ((left + right) / 2).toFixed(1), y: height - 2, 'text-anchor': 'middle',
        'dominant-baseline': 'text-after-edge',
      }, 'distance d (steps back)')),
    h('g', { class: 'threshold', 'aria-hidden': 'true', 'data-threshold': data.threshold },
      h('line', { x1: left, x2: right, y1: ty, y2: ty }),
      h('text', { x: right - 4, y: (Number(ty) - 4).toFixed(2), 'text-anchor': 'end' },
        `threshold ${tickLabel(data.threshold)}`)),
    runs.map((r, i) => band(scale, r, r.snapshots[index], i)),
    runs.map((r, i) => {
      const s = r.snapshots[index];
      const below = s.mean.findIndex((v) => v < scale.y0);
      const n = below < 0 ? s.mean.length : below + 1; // the first point below the axis shows the line leaving it
      return h('polyline', {
        class: `series series-mean run-${i % 6}`, 'data-run': r.run, 'data-series': 'mean', fill: 'none',
        points: scale.points(r.distance.slice(0, n), s.mean.slice(0, n)),
      });
    }),
    h('g', { class: 'horizons', 'aria-hidden': 'true' }, runs.map((r, i) => {
      const s = r.snapshots[index];
      return s.horizon !== null && h('circle', {
        class: `run-${i % 6}`, 'data-run': r.run, 'data-d': s.horizon, r: 4,
        cx: scale.x(s.horizon).toFixed(2), cy: scale.y(s.mean[s.horizon]).toFixed(2),
      });
    })),
    labels && h('g', { class: 'direct-labels', 'aria-hidden': 'true' }, runs.map((r, i) => h('text', {
      class: `run-${i % 6}`, x: (right + 6).toFixed(2), y: labels[i].toFixed(2), 'dominant-baseline': 'middle',
    }, r.name))));
}

function legend(data, runs, index) {
  return h('ul', { class: 'horizon-legend', 'aria-live': 'polite' }, runs.map((r, i) => h('li', {
    class: `run-${i % 6}`, 'data-run': r.run,
  }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), h('b', {}, r.name), ': ',
  reachText(r, r.snapshots[index], data.threshold))));
}

function controls(runs, index, id) {
  const snaps = runs[0].snapshots;
  const epoch = `epoch ${snaps[index].epoch}`;
  return h('div', { class: 'widget-controls' },
    h('label', { for: `${id}-snapshot` }, 'Snapshot'),
    h('input', {
      type: 'range', id: `${id}-snapshot`, min: 0, max: snaps.length - 1, step: 1, value: index,
      'aria-valuetext': epoch,
    }),
    h('output', { for: `${id}-snapshot` }, epoch));
}

function heading(data, id) {
  const [name, formula] = QUANTITY[data.measure];
  const layer = data.measure === 'connectivity' ? '' : ` (layer ${data.layer})`;
  return h('div', { class: 'horizon-heading' },
    h('span', { class: 'horizon-title', id: `${id}-heading` }, `Reach of the ${name}${layer}`),
    h('span', { class: 'horizon-formula' }, formula));
}

function frameOf(data, runs, scale, index, id) {
  return join([heading(data, id), chart(data, runs, scale, index, id), legend(data, runs, index),
    controls(runs, index, id)]);
}

function table(data, runs, index) {
  const rows = Math.max(...runs.map((r) => r.snapshots[index].mean.length));
  const stats = ['mean', 'p10', 'p90'];
  const [, formula] = QUANTITY[data.measure];
  return h('table', { class: 'data-table' },
    h('caption', {}, `Epoch ${runs[0].snapshots[index].epoch}: ${formula} per distance d`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'd'),
      runs.map((r) => stats.map((k) => h('th', { scope: 'col' }, runs.length > 1 ? `${r.name} ${k}` : k))))),
    h('tbody', {}, Array.from({ length: rows }, (_, k) => h('tr', {}, h('th', { scope: 'row' }, String(k)),
      runs.map((r) => {
        const s = r.snapshots[index];
        return stats.map((key) => h('td', {}, k < s[key].length ? fmt(s[key][k]) : ''));
      })))));
}

/** The first frame: heading, plot of snapshot `options.snapshot`, the runs' horizons, snapshot slider. */
export function frame(data, options, id) {
  const runs = decodeRuns(data);
  return frameOf(data, runs, scaleFor(runs), options.snapshot, id);
}

/** Mean, 10th and 90th percentile of every run per distance at snapshot `options.snapshot`. */
export function dataTable(data, options) {
  return table(data, decodeRuns(data), options.snapshot);
}

export default function horizon(state, element) {
  let { data } = state;
  let runs = decodeRuns(data);
  let scale = scaleFor(runs);
  const id = element.id;
  const box = element.querySelector('.widget-frame');
  const details = element.querySelector('.widget-data');
  let current = state.snapshot;

  /** Another snapshot: plot, readout and table are redrawn; the slider (and its focus) stays. */
  const show = (index) => {
    current = index;
    box.querySelector('svg.horizon-plot').replaceWith(toNode(chart(data, runs, scale, index, id)));
    box.querySelector('.horizon-legend').replaceWith(toNode(legend(data, runs, index)));
    details.querySelector('table').replaceWith(toNode(table(data, runs, index)));
    const slider = box.querySelector('input[type=range]');
    const epoch = `epoch ${runs[0].snapshots[index].epoch}`;
    slider.value = String(index);
    slider.setAttribute('aria-valuetext', epoch);
    box.querySelector('output').textContent = epoch;
    element.dataset.snapshot = String(index);
  };
  const select = (index) => {
    show(index);
    store.set({ epoch: runs[0].snapshots[index].epoch }, element);
  };
  /** Everything drawn anew from the first frame's markup, then the slider gets its listener. */
  const mount = (index) => {
    current = index;
    box.innerHTML = String(frameOf(data, runs, scale, index, id));
    details.querySelector('table').replaceWith(toNode(table(data, runs, index)));
    const info = infoButton('horizon', 'Horizon');
    if (info) box.querySelector('.horizon-heading').append(info);
    box.querySelector('input[type=range]').addEventListener('input', (event) => select(Number(event.target.value)));
    element.dataset.snapshot = String(index);
  };
  const indexOfEpoch = (epoch) => runs[0].snapshots.findIndex((s) => s.epoch === epoch);
  const fromUrl = indexOfEpoch(store.get('epoch'));
  mount(fromUrl >= 0 ? fromUrl : current);
  store.subscribe('epoch', (epoch) => {
    const index = indexOfEpoch(epoch);
    if (index >= 0 && index !== current) show(index);
  }, element);
  return {
    update(next) {
      data = next.data;
      runs = decodeRuns(data);
      scale = scaleFor(runs);
      mount(runs[0].snapshots.length - 1);
    },
  };
}
