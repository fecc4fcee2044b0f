// SVG line plots: the scale rule of the {predictions} and {network} plots. `polyline`, `yAxis` and `svg`
// return markup (unrolled/lib/html.js), so first frames render the same in Node and in the browser;
// `el` makes live SVG nodes.
import { h } from 'unrolled/lib/html.js';

export const WIDTH = 640;
export const HEIGHT = 240;
export const MARGIN = { left: 36, right: 8, top: 10, bottom: 22 };
const SVG_NS = 'http://www.w3.org/2000/svg';

/** Cover every value and at least [-1, 1], padded by 10%. */
export function valueDomain(...series) {
  let lo = -1;
  let hi = 1;
  for (const s of series) for (const v of s) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const pad = 0.1 * (hi - lo);
  return [lo - pad, hi + pad];
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

/** About `count` round tick values (1, 2 or 5 times a power of ten apart) inside [lo, hi], as
 * [value, label] pairs; labels carry only the decimals the step needs. */
export function niceTicks(lo, hi, count = 4) {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    const label = t.toFixed(decimals);
    ticks.push([Number(label), label === '-0' ? '0' : label.replace('-', '\u2212')]);
  }
  return ticks;
}

export class Scale {
  constructor([x0, x1], [y0, y1]) { Object.assign(this, { x0, x1, y0, y1 }); }
  x(v) { return MARGIN.left + ((v - this.x0) / (this.x1 - this.x0)) * (WIDTH - MARGIN.left - MARGIN.right); }
  y(v) { return MARGIN.top + ((this.y1 - v) / (this.y1 - this.y0)) * (HEIGHT - MARGIN.top - MARGIN.bottom); }
  points(xs, ys) {
    return Array.from(xs, (x, i) => `${this.x(x).toFixed(2)},${this.y(ys[i]).toFixed(2)}`).join(' ');
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

export function yAxis(scale, ticks = [-1, 0, 1]) {
  return h('g', { class: 'axis', 'aria-hidden': 'true' }, ticks.map((t) => {
    const y = scale.y(t).toFixed(2);
    return [h('line', { class: 'grid', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y, y2: y }),
      h('text', { x: MARGIN.left - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, String(t))];
  }));
}

/** Real axes for an author's series: y ticks in its units, x ticks along the bottom, and both titles. */
export function realAxes(scale, xTitle, yTitle) {
  const bottom = HEIGHT - MARGIN.bottom;
  return h('g', { class: 'axis axis-real', 'aria-hidden': 'true' },
    niceTicks(scale.y0, scale.y1, 5).map(([t, label]) => {
      const y = scale.y(t).toFixed(2);
      return [h('line', { class: 'grid', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y, y2: y }),
        h('text', {
          class: 'tick-y', x: MARGIN.left - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'middle', 'data-value': t,
        }, label)];
    }),
    niceTicks(scale.x0, scale.x1, 6).map(([t, label]) => {
      const x = scale.x(t).toFixed(2);
      return [h('line', { class: 'tick', x1: x, x2: x, y1: bottom, y2: bottom + 4 }),
        h('text', {
          class: 'tick-x', x, y: bottom + 14, 'text-anchor': 'middle', 'data-value': t,
        }, label)];
    }),
    h('text', { class: 'axis-title axis-title-x', x: WIDTH - MARGIN.right, y: bottom - 4, 'text-anchor': 'end' }, xTitle),
    h('text', { class: 'axis-title axis-title-y', x: MARGIN.left + 4, y: MARGIN.top + 10 }, yTitle));
}

/**
 * A line plot's <svg> as markup. It records its value domain (data-x0/x1/y0/y1) and the pixel rows of
 * y0 and y1 (data-py0/py1), so a reader of the markup (a test) can invert the plotted points.
 */
export function svg(scale, { id, title, desc }, ...children) {
  return h('svg', {
    class: 'plot', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`,
    'data-x0': scale.x0, 'data-x1': scale.x1, 'data-y0': scale.y0, 'data-y1': scale.y1,
    'data-py0': HEIGHT - MARGIN.bottom, 'data-py1': MARGIN.top,
  }, h('title', { id: `${id}-title` }, title), h('desc', { id: `${id}-desc` }, desc), ...children);
}
