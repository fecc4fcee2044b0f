// SVG line plots: the scales of the {predictions}, {network}, {horizon} and {loss} plots (linear or log y;
// d3's scales, ticks and tick labels).
// `polyline`, `yAxis` and `svg` return markup (unrolled/lib/html.js), so first frames render the same in
// Node and in the browser; `el` makes live SVG nodes; numbers are written by unrolled/lib/format.js.
import {
  range, scaleLinear, scaleLog, tickStep,
} from 'unrolled/lib/d3.js';
import { minus } from 'unrolled/lib/format.js';
import { h } from 'unrolled/lib/html.js';

export const WIDTH = 640;
export const HEIGHT = 240;
export const MARGIN = { left: 36, right: 8, top: 10, bottom: 22 };
/** A plot's geometry in SVG units; a Scale takes another one for a taller plot or wider margins. */
export const LAYOUT = { width: WIDTH, height: HEIGHT, margin: MARGIN };
const SVG_NS = 'http://www.w3.org/2000/svg';
/** Cover every value and at least [-1, 1], padded by 10%. */
export function valueDomain(...series) {
  let lo = -1;
  let hi = 1;
  for (const s of series) for (const v of s) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const pad = 0.1 * (hi - lo);
  return [lo - pad, hi + pad];
}

/** Whole decades (d3's nice log domain) covering every positive value at or above `floor`; at least one. */
export function logDomain(floor, ...series) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const v of s) { if (v >= floor && Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; } }
  }
  if (lo === Infinity) return [floor, 10 * floor];
  const [a, b] = scaleLog().domain([lo, hi]).nice().domain();
  return b > a ? [a, b] : [a, 10 * a];
}

/** Cover every value, padded by 10% (an author's series in its own units: no [-1, 1] floor). */
export function dataDomain(...series) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) for (const v of s) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (!(hi > lo)) { lo -= 1; hi += 1; }
  const pad = 0.1 * (hi - lo);
  return [lo - pad, hi + pad];
}

/** About `count` round tick values inside [lo, hi] as [value, label] pairs (d3's choice and labels,
 * without thousands separators: an author's x axis is often years). */
export function niceTicks(lo, hi, count = 4) {
  const axis = scaleLinear().domain([lo, hi]);
  const label = axis.tickFormat(count, 'f');
  return axis.ticks(count).map((t) => [t, label(t)]);
}

/** Whole-number ticks from 0 to `last` (epochs, distances), about `count` of them on a round step. */
export function countTicks(last, count = 4) {
  return range(0, last + 1, Math.max(1, tickStep(0, last, count)));
}

/** [top, ticks]: the round upper end of an axis from 0 that covers `top` (1 if nothing is above 0), with at
 * most `most` intervals between its ticks. */
export function zeroBased(top, most = 4) {
  // d3 treats a tick count as a hint: ask for fewer until its nice axis has at most `most` intervals
  for (let count = most; ; count -= 1) {
    const axis = scaleLinear().domain([0, top > 0 ? top : 1]).nice(count);
    const ticks = axis.ticks(count);
    if (ticks.length <= most + 1 || count === 1) return [axis.domain()[1], ticks];
  }
}

/** Maps values to SVG units inside `layout`'s margins: x and y linear (d3's scaleLinear). */
export class Scale {
  constructor([x0, x1], [y0, y1], layout = LAYOUT) {
    Object.assign(this, { x0, x1, y0, y1, layout });
    const { width, height, margin } = layout;
    this.xs = scaleLinear().domain([x0, x1]).range([margin.left, width - margin.right]);
    this.ys = this.yScale().domain([y0, y1]).range([height - margin.bottom, margin.top]);
  }

  yScale() { return scaleLinear(); }

  x(v) { return this.xs(v); }

  y(v) { return this.ys(v); }

  points(xs, ys) {
    return Array.from(xs, (x, i) => `${this.x(x).toFixed(2)},${this.y(ys[i]).toFixed(2)}`).join(' ');
  }
}

/**
 * y on a log scale over [y0, y1] (both > 0, normally whole decades from `logDomain`); a value below y0
 * (or not positive) is drawn at y0, the bottom of the plot.
 */
export class LogScale extends Scale {
  yScale() { return scaleLog(); }

  y(v) { return this.ys(v > this.y0 ? v : this.y0); }

  /** Powers of ten from y0 to y1, every k-th decade so that at most `most` are labelled (1 among them):
   * any whole step of decades, where d3's 1-2-5 steps would leave a 12-decade axis 20 decades tall. */
  ticks(most = 6) {
    const a = Math.round(Math.log10(this.y0));
    const b = Math.round(Math.log10(this.y1));
    const k = Math.max(1, Math.ceil((b - a) / (most - 1)));
    const out = [];
    for (let e = b; e >= a; e -= 1) if (e % k === 0) out.push(Number(`1e${e}`));
    return out.reverse();
  }
}

export function el(name, attrs = {}, text = null) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}

export function polyline(scale, series, xs, ys) {
  return h('polyline', {
    class: `series series-${series}`, 'data-series': series, fill: 'none', points: scale.points(xs, ys),
  });
}

export function yAxis(scale, ticks = [-1, 0, 1], label = minus) {
  const { width, margin } = scale.layout;
  return h('g', { class: 'axis', 'aria-hidden': 'true' }, ticks.map((t) => {
    const y = scale.y(t).toFixed(2);
    return [h('line', { class: 'grid', x1: margin.left, x2: width - margin.right, y1: y, y2: y }),
      h('text', { x: margin.left - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, label(t))];
  }));
}

/** Real axes for an author's series: y ticks in its units, x ticks along the bottom, and both titles. */
export function realAxes(scale, xTitle, yTitle) {
  const { width, height, margin } = scale.layout;
  const bottom = height - margin.bottom;
  // In a roomier layout (the {predictions} figure's) the x tick labels and the y title hang from fixed
  // points, so a larger (narrow-figure) font grows away from the plot.
  const roomy = margin.bottom > MARGIN.bottom;
  const hang = roomy ? { y: bottom + 6, 'dominant-baseline': 'hanging' } : { y: bottom + 14 };
  const title = roomy ? { y: margin.top + 4, 'dominant-baseline': 'hanging' } : { y: margin.top + 10 };
  return h('g', { class: 'axis axis-real', 'aria-hidden': 'true' },
    niceTicks(scale.y0, scale.y1, 5).map(([t, label]) => {
      const y = scale.y(t).toFixed(2);
      return [h('line', { class: 'grid', x1: margin.left, x2: width - margin.right, y1: y, y2: y }),
        h('text', {
          class: 'tick-y', x: margin.left - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'middle', 'data-value': t,
        }, label)];
    }),
    niceTicks(scale.x0, scale.x1, 6).map(([t, label]) => {
      const x = scale.x(t).toFixed(2);
      return [h('line', { class: 'tick', x1: x, x2: x, y1: bottom, y2: bottom + 4 }),
        h('text', {
          class: 'tick-x', x, ...hang, 'text-anchor': 'middle', 'data-value': t,
        }, label)];
    }),
    h('text', { class: 'axis-title axis-title-x', x: width - margin.right, y: bottom - 4, 'text-anchor': 'end' }, xTitle),
    h('text', {
      class: 'axis-title axis-title-y', x: margin.left + 4, ...title,
    }, yTitle));
}

/**
 * A line plot's <svg> as markup. It records its value domain (data-x0/x1/y0/y1), the pixel columns of
 * x0 and x1 (data-px0/px1), the pixel rows of y0 and y1 (data-py0/py1) and, for a log y axis,
 * data-scale="log", so a reader of the markup (a test) can invert the plotted points.
 */
export function svg(scale, { id, title, desc, className = '' }, ...children) {
  const { width, height, margin } = scale.layout;
  return h('svg', {
    class: className ? `plot ${className}` : 'plot', viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`,
    'data-x0': scale.x0, 'data-x1': scale.x1, 'data-y0': scale.y0, 'data-y1': scale.y1,
    'data-scale': scale instanceof LogScale ? 'log' : null,
    'data-px0': margin.left, 'data-px1': width - margin.right,
    'data-py0': height - margin.bottom, 'data-py1': margin.top,
  }, h('title', { id: `${id}-title` }, title), h('desc', { id: `${id}-desc` }, desc), ...children);
}
