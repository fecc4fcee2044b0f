// Input thumbnails for {network} as markup: exploRNN's four functions drawn from the same formulas as
// site/py/unrolled_lite/datasets.py (which precompute trains on), x in [0, SPAN] and y in [-YMAX, YMAX]
// (recorded as data-span and data-ymax), and the text sets by name.
import { h } from 'unrolled/lib/html.js';

export const W = 64;
export const H = 28;
export const SPAN = 4 * Math.PI;
export const SAMPLES = 97;
export const YMAX = 1.6;

/** name -> f(x); keep in step with unrolled_lite.datasets.FUNCTIONS. */
export const FUNCTIONS = {
  sine: (x) => Math.sin(x),
  sawtooth: (x) => -1 + 2 * ((((x % Math.PI) + Math.PI) % Math.PI) / Math.PI),
  square: (x) => (Math.sin((Math.PI / 2) * x) >= 0 ? 1 : -1),
  composite: (x) => ((Math.sin(1.5 * x) + Math.sin(4.5 * x)) * 2) / 3,
};

export const TEXT_SAMPLES = { abab: 'abab…', lorem: 'lorem…', 'c-code': '{ };' };

/** Deterministic jitter in [-1, 1] for sample i (the noise preview; same every render). */
const jitter = (i) => {
  const s = Math.sin((i + 1) * 12.9898) * 43758.5453;
  return 2 * (s - Math.floor(s)) - 1;
};

/** An author's series (dataset csv): its own values (the plotted window and what follows it), scaled
 * to fill the box, since its shape is not a formula. */
function seriesThumbnail(name, values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const span = hi > lo ? hi - lo : 1;
  const points = Array.from(values, (v, i) => `${((i / Math.max(1, values.length - 1)) * W).toFixed(2)},`
    + `${(H - 2 - ((v - lo) / span) * (H - 4)).toFixed(2)}`);
  return h('svg', { class: 'net-thumb', viewBox: `0 0 ${W} ${H}`, 'aria-hidden': 'true' },
    h('polyline', { class: 'thumb-line', 'data-dataset': name, fill: 'none', points: points.join(' ') }));
}

/** The thumbnail SVG markup of a dataset; function data shows uniform input noise of amplitude `noise`; an
 * author's series draws `values` (its own numbers) when given. */
export function thumbnail(name, noise = 0, values = null) {
  if (values && values.length > 1) return seriesThumbnail(name, values);
  const box = (...children) => h('svg', {
    class: 'net-thumb', viewBox: `0 0 ${W} ${H}`, 'aria-hidden': 'true', 'data-span': SPAN, 'data-ymax': YMAX,
  }, ...children);
  const fn = FUNCTIONS[name];
  if (!fn) {
    return box(h('text', {
      class: 'thumb-text', x: W / 2, y: H / 2, 'text-anchor': 'middle', 'dominant-baseline': 'central',
    }, TEXT_SAMPLES[name] || name));
  }
  const points = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    const x = (SPAN * i) / (SAMPLES - 1);
    const y = Math.max(-YMAX, Math.min(YMAX, fn(x) + noise * jitter(i)));
    points.push(`${((x / SPAN) * W).toFixed(2)},${(((YMAX - y) / (2 * YMAX)) * H).toFixed(2)}`);
  }
  return box(
    h('line', { class: 'thumb-axis', x1: 0, x2: W, y1: H / 2, y2: H / 2 }),
    h('polyline', { class: 'thumb-line', 'data-dataset': name, fill: 'none', points: points.join(' ') }),
  );
}
