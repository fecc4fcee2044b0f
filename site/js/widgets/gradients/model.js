// {gradients}: the numbers behind the view, pure (no DOM). The payload is {sequence, panels: [{run, title?, cell,
// kind, vocab?, input, target, snapshots: [{epoch, loss, layers: [{ih, hh, all}]}]}]}: float32 T x T
// matrices, row t = loss step, column s = the step whose copy of the weights received the gradient.
import { decode } from 'unrolled/lib/arrays.js';
import { charLabel } from 'unrolled/lib/chars.js';
import { interpolateViridis } from 'unrolled/lib/d3.js';
import { significant } from 'unrolled/lib/format.js';

export const GROUPS = ['ih', 'hh', 'all'];
export const GROUP_NAMES = {
  ih: 'input weights W_ih', hh: 'recurrent weights W_hh', all: 'all parameters (weights and biases)',
};
export const GROUP_SHORT = { ih: 'W_ih', hh: 'W_hh', all: 'θ' };
export const HORIZON_SHARE = 0.9; // the horizon readout: how far back this share of a loss's gradient lands

/** Viridis colour (d3's, matplotlib's default map: perceptually ordered, readable with every common
 * colour-vision deficiency) of source step t among `count` steps (t = 0 dark purple, the last yellow). */
export function colour(t, count) {
  return interpolateViridis(count > 1 ? t / (count - 1) : 0);
}

/** One panel of the payload with its arrays decoded and its step labels made. */
export function panelOf(p) {
  const input = decode(p.input);
  const target = decode(p.target);
  const label = (v) => (p.kind === 'text' ? charLabel(p.vocab[v]) : significant(v));
  return {
    run: p.run,
    name: p.title || p.run, // what the figure calls the run: its spec's `title`, else its id
    cell: p.cell,
    kind: p.kind,
    T: input.length,
    inputLabels: Array.from(input, label),
    targetLabels: Array.from(target, label),
    snaps: p.snapshots.map((s) => ({
      epoch: s.epoch,
      loss: decode(s.loss),
      layers: s.layers.map((l) => Object.fromEntries(GROUPS.map((g) => [g, decode(l[g])]))),
    })),
  };
}

/** Bar totals: the column sums of the lower triangle. */
export function totalsOf(m, T) {
  const totals = new Float64Array(T);
  for (let t = 0; t < T; t += 1) for (let s = 0; s <= t; s += 1) totals[s] += m[t * T + s];
  return totals;
}

export function maxOf(values) {
  let top = 0;
  for (const v of values) if (v > top) top = v;
  return top;
}

/** Index of the largest value (the first, on ties). */
export function argmax(values) {
  let best = 0;
  values.forEach((v, i) => { if (v > values[best]) best = i; });
  return best;
}

/** Largest bar of every compared run at the shown snapshot: the runs share one y axis, fitted to the
 * snapshot, so early epochs' small gradients are not flattened by the large ones of later epochs. */
export function snapshotTop(panels, { index, layer, group }) {
  let top = 0;
  for (const panel of panels) top = Math.max(top, maxOf(totalsOf(panel.snaps[index].layers[layer][group], panel.T)));
  return top;
}

/** Largest loss of a panel over every snapshot: the loss strip's fixed scale. */
export function lossTop(panel) {
  let top = 0;
  for (const snap of panel.snaps) top = Math.max(top, maxOf(snap.loss));
  return top;
}

/** Where 90% of loss t's gradient lands: the earliest step s* with sum over s* ... t >= 90% of the row. */
export function horizon(m, T, t) {
  let total = 0;
  for (let s = 0; s <= t; s += 1) total += m[t * T + s];
  if (!(total > 0)) return null;
  let sum = 0;
  for (let s = t; s >= 0; s -= 1) {
    sum += m[t * T + s];
    if (sum >= HORIZON_SHARE * total) return { from: s, reach: t - s, total };
  }
  return { from: 0, reach: t, total };
}

/** What the view shows: snapshot index, layer, group and scale, clamped to what the panels have. */
export function viewOf(panels, { snapshot, layer = 0, group = 'hh', scale = 'absolute' }) {
  const layers = Math.min(...panels.map((p) => p.snaps[0].layers.length));
  const last = panels[0].snaps.length - 1;
  return {
    index: Math.min(snapshot ?? last, last), layer: Math.min(layer, layers - 1), layers, group, scale,
  };
}
