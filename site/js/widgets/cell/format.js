import { charLabel } from 'unrolled/lib/chars.js';
import { short } from 'unrolled/lib/format.js';
// Numbers and colours of the cell views: the exact value a unit stores (`data-value`), the value a reader
// sees, and the diverging colour scale with its legend ticks.

// Diverging scale (ColorBrewer PuOr, 5 classes): purple below zero, orange above.
export const STOPS = [
  [-1, [0x54, 0x27, 0x88]], [-0.5, [0x99, 0x8e, 0xc3]], [0, [0xf7, 0xf7, 0xf7]],
  [0.5, [0xf1, 0xa3, 0x40]], [1, [0xb3, 0x58, 0x06]],
];

/** 9 significant digits: exact for a float32 value. */
export function exact(v) {
  return v === 0 ? '0' : v.toExponential(8);
}


const hex = (c) => c.toString(16).padStart(2, '0');

export const DECADES = 3; // gradients: a signed log scale over three decades below the largest one

/** Where v sits on the colour scale, in [-1, 1]: linear (values) or signed log10 (gradients). */
export function position(v, domain, log = false) {
  if (!log) return Math.max(-1, Math.min(1, v / domain));
  const a = Math.abs(v) / domain;
  const t = a === 0 ? 0 : Math.min(1, Math.max(0, 1 + Math.log10(a) / DECADES));
  return v > 0 ? t : -t;
}

/** Colour of v on the diverging scale covering [-domain, domain]; values beyond are clamped. */
export function colour(v, domain, log = false) {
  const t = position(v, domain, log);
  for (let k = 0; k < STOPS.length - 1; k += 1) {
    const [a, ca] = STOPS[k];
    const [b, cb] = STOPS[k + 1];
    if (t <= b) {
      const frac = (t - a) / (b - a);
      return `#${ca.map((x, j) => hex(Math.floor(x + (cb[j] - x) * frac + 0.5))).join('')}`;
    }
  }
  return `#${STOPS[STOPS.length - 1][1].map(hex).join('')}`;
}

/** Labelled ticks [percent along the bar, label] and, for the log scale, the decade marks (percent). */
export function legendTicks(phase, domain) {
  if (phase === 'forward') return [[[0, '≤ −1'], [50, '0'], [100, '≥ +1']], []];
  const step = 50 / DECADES;
  const marks = [];
  for (let k = DECADES - 1; k > 0; k -= 1) marks.push(50 - k * step);
  for (let k = 1; k < DECADES; k += 1) marks.push(50 + k * step);
  return [[[0, `−${short(domain)}`], [50, '0'], [100, `+${short(domain)}`]], marks];
}

/** The CSS gradient of the legend bar. */
export function gradient() {
  const stops = STOPS.map(([p, rgb]) => `#${rgb.map(hex).join('')} ${(p + 1) * 50}%`).join(', ');
  return `linear-gradient(to right, ${stops})`;
}

/** A character of a text run's vocabulary, with visible whitespace. */
export function char(vocab, id) {
  return charLabel(vocab[id]);
}
