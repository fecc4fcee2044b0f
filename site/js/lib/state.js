// The page's shared view state, so widgets are linked views: selecting an epoch or a time step in one
// widget highlights it in every widget. The state is kept in the URL query (?epoch=20&step=3)
// so a view can be shared; only keys a widget has set are written.
//
// Every key is declared once in KEYS with its type, so widgets get values of that type or nothing: a
// URL value that does not parse (?epoch=abc) is ignored, and an undeclared key is a programming error.

/** A whole number ≥ 0 (epochs, steps, layers, sequences), written in decimal. */
const COUNT = {
  parse: (text) => (/^\d+$/.test(text) ? Number(text) : undefined),
  valid: (value) => Number.isInteger(value) && value >= 0,
};
/** Any non-empty text (a run name). */
const TEXT = {
  parse: (text) => (text === '' ? undefined : text),
  valid: (value) => typeof value === 'string' && value !== '',
};

export const KEYS = Object.freeze({
  epoch: COUNT,
  step: COUNT,
  layer: COUNT,
  sequence: COUNT,
  run: TEXT,
});

const listeners = new Map(); // key -> Set of callbacks
const values = new Map();
let loaded = false;

function declared(key) {
  if (!Object.hasOwn(KEYS, key)) throw new Error(`page state: undeclared key ${JSON.stringify(key)}`);
  return KEYS[key];
}

// Read on first use, not at import: widget modules import this one and also run in Node at build time.
// Query parameters that are not state keys belong to someone else and are left alone.
function readUrl() {
  if (loaded) return;
  loaded = true;
  const params = new URLSearchParams(window.location.search);
  for (const [key, text] of params) {
    if (!Object.hasOwn(KEYS, key)) continue;
    const value = KEYS[key].parse(text);
    if (value !== undefined) values.set(key, value);
  }
}

function writeUrl() {
  const params = new URLSearchParams(window.location.search);
  for (const [key, value] of values) {
    if (value === null || value === undefined) params.delete(key); else params.set(key, String(value));
  }
  const query = params.toString();
  const url = `${window.location.pathname}${query ? `?${query}` : ''}${window.location.hash}`;
  window.history.replaceState(window.history.state, '', url);
}

/** Current value of `key` (from the URL on first load), or `fallback`. */
export function get(key, fallback = undefined) {
  declared(key);
  readUrl();
  const value = values.get(key);
  return value === null || value === undefined ? fallback : value;
}

/**
 * Set shared keys (null clears one); every subscriber of a changed key hears about it, except
 * `source` itself. A value of the wrong type throws.
 */
export function set(partial, source = null) {
  for (const [key, value] of Object.entries(partial)) {
    const type = declared(key);
    if (value !== null && value !== undefined && !type.valid(value)) {
      throw new TypeError(`page state: ${key} cannot be ${JSON.stringify(value)}`);
    }
  }
  readUrl();
  const changed = [];
  for (const [key, value] of Object.entries(partial)) {
    if (values.get(key) !== value) { values.set(key, value); changed.push(key); }
  }
  if (!changed.length) return;
  writeUrl();
  for (const key of changed) {
    const value = values.get(key) ?? undefined; // a cleared key reads as undefined, like one never set
    for (const fn of listeners.get(key) || []) if (fn.source !== source || source === null) fn(value, key);
  }
}

/** Call `fn(value, key)` whenever `key` changes (value of the key's type, or undefined); `source` (e.g. the widget element) skips its own echoes. */
export function subscribe(key, fn, source = null) {
  declared(key);
  const entry = (value, k) => fn(value, k);
  entry.source = source;
  if (!listeners.has(key)) listeners.set(key, new Set());
  listeners.get(key).add(entry);
  return () => listeners.get(key).delete(entry);
}
