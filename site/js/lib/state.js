// The page's shared view state, so widgets are linked views: selecting an epoch or a time step in one
// widget highlights it in every widget. The state is mirrored into the URL query (?epoch=20&step=3)
// so a view can be shared; only keys a widget has set are written.
const listeners = new Map(); // key -> Set of callbacks
const values = new Map();
const NUMERIC = new Set(['epoch', 'step', 'layer', 'sequence']);
let loaded = false;

// Read on first use, not at import: widget modules import this one and also run in Node at build time.
function readUrl() {
  if (loaded) return;
  loaded = true;
  const params = new URLSearchParams(window.location.search);
  for (const [key, raw] of params) {
    values.set(key, NUMERIC.has(key) && raw !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw);
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
  readUrl();
  return values.has(key) ? values.get(key) : fallback;
}

/** Set shared keys; every subscriber of a changed key hears about it, except `source` itself. */
export function set(partial, source = null) {
  readUrl();
  const changed = [];
  for (const [key, value] of Object.entries(partial)) {
    if (values.get(key) !== value) { values.set(key, value); changed.push(key); }
  }
  if (!changed.length) return;
  writeUrl();
  for (const key of changed) {
    for (const fn of listeners.get(key) || []) if (fn.source !== source || source === null) fn(values.get(key), key);
  }
}

/** Call `fn(value, key)` whenever `key` changes; `source` (e.g. the widget element) skips its own echoes. */
export function subscribe(key, fn, source = null) {
  const entry = (value, k) => fn(value, k);
  entry.source = source;
  if (!listeners.has(key)) listeners.set(key, new Set());
  listeners.get(key).add(entry);
  return () => listeners.get(key).delete(entry);
}
