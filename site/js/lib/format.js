// Numbers as readers see them, in one place so every widget writes a value the same way: a real minus
// sign (U+2212), never a hyphen, in values and exponents alike ("−0.5", "1.2e−05").
// generator/inline_values.py does the same for inline values in prose. SVG coordinates are not
// display text and keep plain `toFixed`. Fixed decimals come from d3-format, which writes the minus sign
// and never a negative zero ("−0.00").
import { format } from 'unrolled/lib/d3.js';

export const MINUS = '\u2212';

/** `text` (a formatted number) with every hyphen-minus turned into a minus sign. */
export function minus(text) {
  return String(text).replace(/-/g, MINUS);
}

const FIXED = new Map(); // digits -> d3 formatter (a table of numbers asks for the same few many times)

/** `value` with `digits` decimals and a real minus sign. */
export function fixed(value, digits) {
  if (!FIXED.has(digits)) FIXED.set(digits, format(`.${digits}f`));
  return FIXED.get(digits)(value);
}

/** Readable value of a stored unit: 4 decimals, or 3 significant digits in exponent form far from 1. */
export function short(v) {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e4 ? fixed(v, 4) : minus(v.toExponential(2));
}

/** Four significant digits, trailing zeros kept; exponent form outside [0.001, 10000). */
export function significant(value) {
  if (value === 0) return '0';
  const a = Math.abs(value);
  if (a >= 1e-3 && a < 1e4) return fixed(value, Math.max(0, 3 - Math.floor(Math.log10(a))));
  return minus(value.toExponential(3));
}

/**
 * The shortest decimal that names `value` to `digits` significant digits (0.01, 25, 0.2). The sign is
 * left as JavaScript writes it: settings, tick steps and x positions it is used for are not negative.
 */
export function rounded(value, digits = 6) {
  return String(Number(value.toPrecision(digits)));
}

const SUPERSCRIPT = {
  '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹',
};

/** Python's `{:.4g}`-like short number (4 significant digits, no trailing zeros). */
export function general(v) {
  if (v === 0) return '0';
  const e = Math.floor(Math.log10(Math.abs(v)));
  if (e < -4 || e >= 4) {
    const [m, x] = v.toExponential(3).split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const exp = Number(x);
    return `${minus(mant)}e${exp < 0 ? MINUS : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const text = minus(v.toFixed(Math.max(0, 3 - e)));
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** A log axis label: 1, 10, and 10ⁿ for any other power of ten (short enough for a narrow margin). */
export function decadeLabel(value) {
  const e = Math.round(Math.log10(value));
  if (e === 0 || e === 1) return String(10 ** e);
  return `10${[...String(e)].map((c) => SUPERSCRIPT[c]).join('')}`;
}

/** An axis label: plain decimals near 1, powers of ten (10⁻⁵, 2×10⁶) far from it. */
export function tickLabel(value) {
  if (value === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(value)) + 1e-9);
  if (exponent <= -4 || exponent >= 5) {
    const mantissa = value / 10 ** exponent;
    const lead = Math.abs(mantissa - 1) < 1e-9 ? '' : `${Number(mantissa.toPrecision(3))}×`;
    return `${lead}10${[...String(exponent)].map((c) => SUPERSCRIPT[c]).join('')}`;
  }
  if (exponent >= 0) return minus(Number(value.toPrecision(6)));
  return minus(value.toFixed(2 - exponent).replace(/0+$/, '').replace(/\.$/, ''));
}
