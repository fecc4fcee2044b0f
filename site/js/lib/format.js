// Numbers as readers see them: a real minus sign (U+2212), never a hyphen, in values and exponents
// alike ("−0.5", "1.2e−05"). generator/inline_values.py does the same for inline values in prose.

export const MINUS = '\u2212';

/** `text` (a formatted number) with every hyphen-minus turned into a minus sign. */
export function minus(text) {
  return String(text).replace(/-/g, MINUS);
}

/** `value.toFixed(digits)` with a real minus sign. */
export function fixed(value, digits) {
  return minus(value.toFixed(digits));
}
