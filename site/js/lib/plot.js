// SVG line plots: the scale rule of the {predictions}, {network} and {horizon} plots (linear or log y).
// `polyline`, `yAxis` and `svg` return markup (unrolled/lib/html.js), so first frames render the same in
// Node and in the browser; `el` makes live SVG nodes; numbers are written by unrolled/lib/format.js.
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

/** Whole decades covering every positive value at or above `floor` (at least one decade). */
export function logDomain(floor, ...series) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const v of s) { if (v >= floor && Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; } }
  }
  if (lo === Infinity) return [floor, 10 * floor];
  const a = Math.floor(Math.log10(lo) + 1e-9);
  let b = Math.ceil(Math.log10(hi) - 1e-9);
  if (b <= a) b = a + 1;
  return [decade(a), decade(b)];
}

/** 10^e exactly as written (`10 ** -5` is 0.000009999999999999999). */
export function decade(e) {
  return Number(`1e${e}`);
}

export function niceStep(raw) {
  if (raw <= 0) return 1;
  const base = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (raw <= m * base * (1 + 1e-9)) return m * base;
  return 10 * base;
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
  constructor([x0, x1], [y0, y1], layout = LAYOUT) { Object.assign(this, { x0, x1, y0, y1, layout }); }

  /** The y value as the axis measures it (log10 on a LogScale). */
  t(v) { return v; }

  x(v) {
    const { width, margin } = this.layout;
    return margin.left + ((v - this.x0) / (this.x1 - this.x0)) * (width - margin.left - margin.right);
  }

  y(v) {
    const { height, margin } = this.layout;
    const t1 = this.t(this.y1);
    return margin.top + ((t1 - this.t(v)) / (t1 - this.t(this.y0))) * (height - margin.top - margin.bottom);
  }

  points(xs, ys) {
    return Array.from(xs, (x, i) => `${this.x(x).toFixed(2)},${this.y(ys[i]).toFixed(2)}`).join(' ');
  }
}

/**
 * y on a log scale over [y0, y1] (both > 0, normally whole decades from `logDomain`); a value below y0
 * (or not positive) is drawn at y0, the bottom of the plot.
 */
export class LogScale extends Scale {
  t(v) { return Math.log10(v > this.y0 ? v : this.y0); }

  /** Powers of ten from y0 to y1, every k-th decade so that at most `most` are labelled (1 among them). */
  ticks(most = 6) {
    const a = Math.round(Math.log10(this.y0));
    const b = Math.round(Math.log10(this.y1));
    const k = Math.max(1, Math.ceil((b - a) / (most - 1)));
    const out = [];
    for (let e = b; e >= a; e -= 1) if (e % k === 0) out.push(decade(e));
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
