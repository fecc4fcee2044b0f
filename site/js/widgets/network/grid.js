// The grid of precomputed runs behind {network}: which run a combination of settings picks, the values
// each control snaps to, and the nearest available run when a combination was not precomputed.
export const DIMS = ['dataset', 'cell', 'layers', 'hidden', 'lr', 'batch', 'noise'];
export const TEXT_DATASETS = new Set(['abab', 'lorem', 'c-code', 'text']);
export const isText = (dataset) => TEXT_DATASETS.has(dataset);
export const MIN_LAYERS = 1;
export const MAX_LAYERS = 7;

const close = (a, b) => (typeof a === 'number' && typeof b === 'number'
  ? Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)) : a === b);

/** Settings as a run would have them: text data has no input noise. */
export function normalise(settings) {
  return isText(settings.dataset) ? { ...settings, noise: 0 } : { ...settings };
}

export function pick(settings) {
  return Object.fromEntries(DIMS.map((k) => [k, settings[k]]));
}

export function matches(run, settings) {
  const s = normalise(settings);
  return DIMS.every((k) => close(run.settings[k], s[k]));
}

/** The run with exactly these settings, or null; the newest wins (a run trained live after the grid). */
export function find(runs, settings) {
  return runs.findLast((r) => matches(r, settings)) || null;
}

/** Sorted distinct values of one setting over the grid (optionally only runs passing `filter`). */
export function values(runs, dim, filter = () => true) {
  const out = [];
  for (const r of runs) {
    if (!filter(r)) continue;
    const v = r.settings[dim];
    if (!out.some((o) => close(o, v))) out.push(v);
  }
  return out.sort((a, b) => (typeof a === 'number' ? a - b : String(a).localeCompare(String(b))));
}

/** Sorted distinct values of two lists (e.g. the grid's and the ones a live trainer can add). */
export function union(a, b) {
  const out = [...a];
  for (const v of b) if (!out.some((o) => close(o, v))) out.push(v);
  return out.sort((x, y) => (typeof x === 'number' ? x - y : String(x).localeCompare(String(y))));
}

/** Index of the value closest to `v` (in the transformed space, e.g. log10 for learning rates). */
export function closestIndex(list, v, transform = (x) => x) {
  let best = 0;
  list.forEach((c, i) => {
    if (Math.abs(transform(c) - transform(v)) < Math.abs(transform(list[best]) - transform(v))) best = i;
  });
  return best;
}

function distance(run, settings, dim) {
  const a = run.settings[dim];
  const b = settings[dim];
  if (close(a, b)) return 0;
  if (typeof a !== 'number') return 1;
  if (dim === 'lr') return Math.min(1, Math.abs(Math.log10(a) - Math.log10(b)) / 3);
  return Math.min(1, Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-9));
}

/**
 * The available run closest to `settings`: runs agreeing on `keep` (the setting the reader just changed)
 * first, then the fewest differing settings, then the smallest differences.
 */
export function nearest(runs, settings, keep = null) {
  const s = normalise(settings);
  let best = null;
  let bestScore = Infinity;
  for (const r of runs) {
    let score = keep && distance(r, s, keep) > 0 ? 1000 : 0;
    for (const k of DIMS) {
      const d = distance(r, s, k);
      if (d > 0) score += 10 + d;
    }
    if (score < bestScore) { best = r; bestScore = score; }
  }
  return best;
}

/** Which settings of `settings` differ from `run`'s (for the "not precomputed" message). */
export function differences(run, settings) {
  const s = normalise(settings);
  return DIMS.filter((k) => !close(run.settings[k], s[k]));
}

/** A run agreeing with `settings` on every setting but `dim`. */
function matchesExcept(run, settings, dim) {
  const s = normalise(settings);
  return DIMS.every((k) => k === dim || close(run.settings[k], s[k]));
}

/** The values of `dim` that, with the other settings as they are, pick a precomputed run. */
export function available(runs, settings, dim) {
  return values(runs, dim, (r) => matchesExcept(r, settings, dim));
}

export const SETTING_NAMES = {
  dataset: 'input', cell: 'cell', layers: 'layers', hidden: 'units per layer', lr: 'learning rate',
  batch: 'batch size', noise: 'noise',
};

/**
 * Why `value` of `dim` is not offered with these settings: the settings it was precomputed with instead
 * (those of the closest such run that differ), e.g. "precomputed only with learning rate 0.01";
 * `format(dim, v)` writes a value.
 */
export function why(runs, settings, dim, value, format) {
  const s = { ...normalise(settings), [dim]: value };
  const near = nearest(runs.filter((r) => close(r.settings[dim], value)), s, dim);
  if (!near) return 'not precomputed';
  const diffs = differences(near, s).map((k) => `${SETTING_NAMES[k]} ${format(k, near.settings[k])}`);
  return `precomputed only with ${diffs.join(', ')}`;
}
