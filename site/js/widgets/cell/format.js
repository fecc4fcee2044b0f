import { charLabel } from 'unrolled/lib/chars.js';
import { interpolatePuOr } from 'unrolled/lib/d3.js';
import { short } from 'unrolled/lib/format.js';
// Numbers and colours of the cell views: the exact value a unit stores (`data-value`), the value a reader
// sees, and the diverging colour scale (ColorBrewer's PuOr as d3 interpolates it: purple below zero,
// orange above) with its legend ticks.

/** 9 significant digits: exact for a float32 value. */
export function exact(v) {
  return v === 0 ? '0' : v.toExponential(8);
}

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
  return interpolatePuOr((position(v, domain, log) + 1) / 2);
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

/** The CSS gradient of the legend bar: the colour scale sampled at 11 stops. */
export function gradient() {
  const stops = Array.from({ length: 11 }, (_, k) => `${interpolatePuOr(k / 10)} ${k * 10}%`);
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

/** A character of a text run's vocabulary, with visible whitespace. */
export function char(vocab, id) {
  return charLabel(vocab[id]);
}
