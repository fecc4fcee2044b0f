// {gradients}: the figure as markup (unrolled/lib/html.js), pure: the generator renders the first frame
// with it at build time and the widget draws the same markup when it hydrates and on every change.
// One geometry: the charts' viewBox is 640 units wide (360 for each of several runs) and scales with
// the column; the step buttons between the two charts are laid out in percentages of the same width.
// Scales are recorded on <g class="bars"> and <g class="loss-strip"> as data-y0/y1 (values) and
// data-py0/py1 (their pixel rows), so tests invert the drawn bars back to the payload's numbers.
import { rounded, significant } from 'unrolled/lib/format.js';
import { h, join } from 'unrolled/lib/html.js';
import { range, scaleBand, scaleLinear } from 'unrolled/lib/d3.js';
import { zeroBased } from 'unrolled/lib/plot.js';
import {
  GROUPS, GROUP_NAMES, GROUP_SHORT, argmax, colour, lossTop, snapshotTop, totalsOf,
} from 'unrolled/widgets/gradients/model.js';

// Margins hold labels set at 11.5 CSS px in a phone's column (site/css/gradients.css grows them there).
export const LEFT = 72;
export const RIGHT = 8;
export const TOP = 36; // room for the horizon bracket and its label
const BARS_HEIGHT = 150;
const STRIP_HEIGHT = 34;
const GROUP_OPTIONS = { ih: 'input weights (W_ih)', hh: 'recurrent weights (W_hh)', all: 'all parameters' };
export const IDLE = 'Hover, tap or focus a step to see its gradient horizon: how far back its loss reaches.';
const HINT = 'Bar s is the gradient that reaches the copy of the weights used at step s, split by the later '
  + 'loss step t that sent it.';

export const widthOf = (panels) => (panels.length === 1 ? 640 : 360);
const percent = (units, width) => `${Number(((units / width) * 100).toFixed(4))}%`;
export const matrixOf = (panel, view) => panel.snaps[view.index].layers[view.layer][view.group];

/** Whether the run's name already says its cell (a title such as "LSTM"), which then is not repeated. */
const named = (panel) => new RegExp(`\\b${panel.cell}\\b`, 'i').test(panel.name);

/** The bars of one panel: axis, one stacked bar per step s, and an empty group for the horizon bracket. */
/** The step columns of a `width`-unit chart: one band per step, its bar 80% of the band, centred. */
export function columns(T, width) {
  return scaleBand().domain(range(T)).range([LEFT, width - RIGHT]).paddingInner(0.2).paddingOuter(0.1);
}

export function chart(panel, k, view, width, [top, ticks], id) {
  const { T } = panel;
  const m = matrixOf(panel, view);
  const totals = totalsOf(m, T);
  const base = TOP + BARS_HEIGHT;
  const relative = view.scale === 'relative';
  const y1 = relative ? 1 : top;
  const ys = scaleLinear().domain([0, y1]).range([base, TOP]);
  const xs = columns(T, width);
  const bar = xs.bandwidth().toFixed(2);
  const peak = argmax(totals);
  const bars = [];
  for (let s = 0; s < T; s += 1) {
    const x = xs(s).toFixed(2);
    let sum = 0; // the bar stacks its losses' shares from the bottom up
    const rects = [];
    for (let t = s; t < T; t += 1) {
      let value = m[t * T + s];
      if (relative) value = totals[s] > 0 ? value / totals[s] : 0;
      const lower = ys(sum);
      sum += value;
      rects.push(h('rect', {
        'data-t': t, 'data-s': s, x, y: ys(sum).toFixed(2), width: bar, height: (lower - ys(sum)).toFixed(2), fill: colour(t, T),
      }));
    }
    rects.push(h('rect', {
      class: 'bar-outline', x, y: ys(sum).toFixed(2), width: bar, height: (base - ys(sum)).toFixed(2),
    }));
    bars.push(h('g', { class: 'bar', 'data-s': s }, rects));
  }
  return h('svg', {
    class: 'plot gradients-chart', viewBox: `0 0 ${width} ${base + 16}`, role: 'img',
    'aria-labelledby': `${id}-p${k}-title ${id}-p${k}-desc`,
  },
  h('title', { id: `${id}-p${k}-title` }, `Itemized gradients of run ${panel.name}`
    + `${named(panel) ? '' : ` (${panel.cell.toUpperCase()})`}, `
    + `layer ${view.layer}, after epoch ${panel.snaps[view.index].epoch}`),
  h('desc', { id: `${id}-p${k}-desc` }, `${T} stacked bars, one per step s: the gradient of the `
    + `${GROUP_NAMES[view.group]} used at step s, split by the later step t whose loss sent it and coloured by t`
    + `${relative ? ', as shares of each bar' : ''}. The largest bar is at step ${peak} (${significant(totals[peak])}).`),
  h('g', { class: 'axis', 'aria-hidden': 'true' }, (relative ? [0, 0.5, 1] : ticks).map((tick) => {
    const y = ys(tick).toFixed(2);
    return [h('line', { class: 'grid', x1: LEFT, x2: width - RIGHT, y1: y, y2: y }),
      h('text', { x: LEFT - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'middle' },
        relative ? `${tick * 100}%` : rounded(tick))];
  })),
  h('g', {
    class: 'bars', 'data-y0': 0, 'data-y1': y1, 'data-py0': base, 'data-py1': TOP,
  }, bars),
  h('g', { class: 'horizon', 'aria-hidden': 'true' }));
}

/** The loss at each step of one panel (RNNbow's prediction strip) and, for text, the next characters. */
export function strip(panel, k, view, width, id) {
  const { T } = panel;
  const snap = panel.snaps[view.index];
  const text = panel.kind === 'text';
  const height = STRIP_HEIGHT + 4 + (text ? 28 : 0);
  const top = lossTop(panel);
  const ys = scaleLinear().domain([0, top > 0 ? top : 1]).range([2 + STRIP_HEIGHT, 2]);
  const xs = columns(T, width);
  const worst = argmax(snap.loss);
  return h('svg', {
    class: 'plot gradients-strip', viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-labelledby': `${id}-p${k}-strip-title ${id}-p${k}-strip-desc`,
  },
  h('title', { id: `${id}-p${k}-strip-title` }, `Loss at each step of run ${panel.name} after epoch ${snap.epoch}`),
  h('desc', { id: `${id}-p${k}-strip-desc` },
    `Bar height is the loss L_t; the largest is at step ${worst} (${significant(snap.loss[worst])}).`),
  h('g', {
    class: 'loss-strip', 'data-y0': 0, 'data-y1': ys.domain()[1], 'data-py0': 2 + STRIP_HEIGHT, 'data-py1': 2,
  },
  h('text', {
    class: 'axis-title', x: LEFT - 6, y: 2 + STRIP_HEIGHT / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle',
  }, 'loss'),
  h('line', { class: 'grid', x1: LEFT, x2: width - RIGHT, y1: 2 + STRIP_HEIGHT, y2: 2 + STRIP_HEIGHT }),
  Array.from(snap.loss, (v, t) => h('rect', {
    'data-t': t, x: xs(t).toFixed(2), y: ys(v).toFixed(2), width: xs.bandwidth().toFixed(2),
    height: (ys(0) - ys(v)).toFixed(2),
  }))),
  text && h('g', { class: 'axis', 'aria-hidden': 'true' },
    h('text', {
      class: 'axis-title', x: LEFT - 6, y: height - 1, 'text-anchor': 'end', 'dominant-baseline': 'text-after-edge',
    }, 'next'),
    panel.targetLabels.map((ch, t) => h('text', {
      class: 'step-label', 'data-t': t, x: (xs(t) + xs.bandwidth() / 2).toFixed(2), y: height - 1, 'text-anchor': 'middle',
      'dominant-baseline': 'text-after-edge',
    }, ch))));
}

/** The step buttons: one grid column per step, lined up under the bars while each is at least 24 px wide
 * (site/css/gradients.css); in a narrower panel they wrap into rows of 24 px targets instead. */
function steps(panel, width) {
  const { T } = panel;
  const text = panel.kind === 'text';
  return h('div', {
    class: 'gradients-steps', role: 'toolbar', 'aria-label': `Steps of run ${panel.name}`,
    style: `padding:0 ${percent(RIGHT, width)} 0 ${percent(LEFT, width)};--steps:${T}`,
  },
  h('span', { class: 'gradients-steps-label', 'aria-hidden': 'true', style: `width:${percent(LEFT - 6, width)}` },
    text ? 'input' : 'step'),
  Array.from({ length: T }, (_, t) => h('button', {
    type: 'button', class: 'gradients-step', 'data-t': t, tabindex: t === T - 1 ? '0' : '-1', 'aria-pressed': 'false',
    'aria-label': `step ${t}${text ? `, input ${panel.inputLabels[t]}, next ${panel.targetLabels[t]}` : ''}`,
  }, text ? panel.inputLabels[t] : String(t))));
}

function legend(count) {
  return h('div', { class: 'gradients-legend' },
    h('span', { class: 'gradients-legend-label' }, 'colour = loss step t'),
    h('span', { class: 'gradients-legend-end' }, '0'),
    h('span', { class: 'gradients-ramp', 'aria-hidden': 'true' },
      Array.from({ length: count }, (_, t) => h('span', { style: `background:${colour(t, count)}` }))),
    h('span', { class: 'gradients-legend-end' }, String(count - 1)));
}

function select(id, label, options, value) {
  return h('span', { class: 'gradients-control' }, h('label', { for: id }, label),
    h('select', { id }, options.map(([v, text]) => h('option', { value: v, selected: String(v) === String(value) }, text))));
}

/** The slider's (or, for one snapshot, the output's) text. */
export const epochText = (panels, view) => `epoch ${panels[0].snaps[view.index].epoch}`;

function controls(panels, view, id) {
  const count = panels[0].snaps.length;
  const layerName = (k) => (k === 0 ? '0 (next to the input)' : k === view.layers - 1 ? `${k} (top)` : String(k));
  return h('div', { class: 'widget-controls gradients-controls' },
    view.layers > 1 && select(`${id}-layer`, 'Layer', Array.from({ length: view.layers }, (_, k) => [k, layerName(k)]),
      view.layer),
    select(`${id}-group`, 'Parameters', GROUPS.map((g) => [g, GROUP_OPTIONS[g]]), view.group),
    h('fieldset', { class: 'gradients-control gradients-scale' }, h('legend', {}, 'Scale'),
      [['absolute', 'absolute'], ['relative', 'share of each bar']].map(([value, text]) => h('label', {},
        h('input', {
          type: 'radio', name: `${id}-scale`, value, checked: view.scale === value,
        }), ` ${text}`))),
    count > 1
      ? h('span', { class: 'gradients-control gradients-snapshot' },
        h('label', { for: `${id}-snapshot` }, 'Snapshot'),
        h('input', {
          type: 'range', id: `${id}-snapshot`, min: 0, max: count - 1, step: 1, value: view.index,
          'aria-valuetext': epochText(panels, view),
        }),
        h('output', { for: `${id}-snapshot` }, epochText(panels, view)))
      : h('output', { class: 'gradients-snapshot' }, epochText(panels, view))); // e.g. published by a Python cell
}

/** The y axis the bars share in absolute scale: one for the compared runs, fitted to the shown snapshot. */
export const axisOf = (panels, view) => zeroBased(snapshotTop(panels, view));

/** The whole figure: heading, controls, hint and one panel per run (chart, steps, loss strip, readout). */
export function figure(panels, view, id) {
  const width = widthOf(panels);
  const axis = axisOf(panels, view);
  return join([
    h('p', { class: 'gradients-title' }, 'Itemized gradients'),
    controls(panels, view, id),
    h('p', { class: 'gradients-hint' }, HINT),
    h('div', { class: 'gradients-panels', 'data-count': panels.length }, panels.map((panel, k) => h('div', {
      class: 'gradients-panel', 'data-run': panel.run, 'data-active': '',
    },
    h('p', { class: 'gradients-panel-title' }, panel.name,
      !named(panel) && [' ', h('small', {}, panel.cell.toUpperCase())]),
    legend(panel.T),
    h('div', { class: 'gradients-chart-box' }, chart(panel, k, view, width, axis, id)),
    steps(panel, width),
    h('div', { class: 'gradients-strip-box' }, strip(panel, k, view, width, id)),
    h('p', { class: 'gradients-horizon', 'aria-live': 'polite' }, k === 0 ? IDLE : '')))),
  ]);
}

/** Each panel's matrix at the shown snapshot as a table (the charts' text alternative). */
export function tables(panels, view) {
  return join(panels.map((panel) => {
    const { T } = panel;
    const m = matrixOf(panel, view);
    const loss = panel.snaps[view.index].loss;
    const rows = Array.from({ length: T }, (_, t) => h('tr', {},
      h('th', { scope: 'row' }, `t=${t} (${panel.inputLabels[t]})`), h('td', {}, significant(loss[t])),
      Array.from({ length: t + 1 }, (__, s) => h('td', {}, significant(m[t * T + s]))),
      // steps after t receive nothing from L_t: one empty cell spans them (half the table's cells fewer to lay out)
      t < T - 1 && h('td', { colspan: T - t - 1 })));
    return h('div', { // scrolls sideways when wider than the column, so it takes keyboard focus
      class: 'gradients-table-wrap', tabindex: '0', role: 'group', 'aria-label': `Itemized gradients of run ${panel.name}`,
    },
      h('table', { class: 'data-table gradients-table', 'data-run': panel.run },
        h('caption', {}, `Run ${panel.name}: ‖∂L`, h('sub', {}, 't'), `/∂${GROUP_SHORT[view.group]}`, h('sup', {}, '(s)'),
          '‖, row t = loss step (input in brackets), column s = weight step'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'loss step'), h('th', { scope: 'col' }, 'L', h('sub', {}, 't')),
          Array.from({ length: T }, (_, s) => h('th', { scope: 'col' }, `s=${s}`)))),
        h('tbody', {}, rows),
        h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'bar total'), h('td'),
          Array.from(totalsOf(m, T), (v) => h('td', {}, significant(v)))))));
  }));
}
