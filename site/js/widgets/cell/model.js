// {cell}: the numbers of the view, pure. The payload decoded into typed arrays, the reading order of the
// compute steps (forward t = 0..T-1, then backward t = T-1..0, each through its compute steps), the
// gradient colour scale and the texts that describe a position.
import { decode } from 'unrolled/lib/arrays.js';
import { char } from 'unrolled/widgets/cell/format.js';
import { short } from 'unrolled/lib/format.js';

export const PHASES = ['forward', 'backward'];

// Published from Python, arrays arrive as plain (nested) lists: flatten them into the typed arrays the
// documents decode to, since the views slice rows of (T, units) values.
const typed = (v) => (Array.isArray(v) ? Float64Array.from(v.flat(Infinity)) : decode(v));

/** One snapshot of the payload with typed arrays; text runs also get the predicted (argmax) characters. */
export function decodeSnapshot(s, kind) {
  const out = {
    epoch: s.epoch,
    input: typed(s.input),
    target: typed(s.target),
    loss: typed(s.loss),
    output: typed(s.output),
    layers: s.layers.map((layer) => Object.fromEntries(Object.entries(layer).map(([k, v]) => [k, typed(v)]))),
  };
  if (kind === 'text') {
    const width = s.output.shape ? s.output.shape[1] : out.output.length / out.input.length;
    out.predicted = Int32Array.from(out.input, (_, t) => {
      let best = 0;
      for (let j = 1; j < width; j += 1) if (out.output[t * width + j] > out.output[t * width + best]) best = j;
      return best;
    });
  }
  return out;
}

/** The payload ready to draw: {data, dia, snaps}. */
export function modelOf(data) {
  return { data, dia: data.diagram, snaps: data.snapshots.map((s) => decodeSnapshot(s, data.kind)) };
}

export const stepsOf = (m) => m.snaps[0].input.length;
export const layersOf = (m) => m.snaps[0].layers.length;
export const stagesOf = (m, phase) => m.dia.stages[phase].length;

/** The position a figure shows first: options {snapshot (index), layer, step, phase}. */
export function positionOf(m, options = {}) {
  const last = m.snaps.length - 1;
  return {
    snap: Math.min(options.snapshot ?? last, last),
    layer: options.layer ?? 0,
    phase: options.phase === 'backward' ? 'backward' : 'forward',
    t: options.step ?? 0,
    stage: 0,
  };
}

/** Every position in reading order, as [phase, t, stage]. */
export function order(m) {
  const list = [];
  const steps = stepsOf(m);
  for (let t = 0; t < steps; t += 1) for (let s = 0; s < stagesOf(m, 'forward'); s += 1) list.push(['forward', t, s]);
  for (let t = steps - 1; t >= 0; t -= 1) {
    for (let s = 0; s < stagesOf(m, 'backward'); s += 1) list.push(['backward', t, s]);
  }
  return list;
}

/** Where `view` sits in the reading order. */
export function indexOf(m, view) {
  const n = stepsOf(m);
  const f = stagesOf(m, 'forward');
  if (view.phase === 'forward') return view.t * f + view.stage;
  return n * f + (n - 1 - view.t) * stagesOf(m, 'backward') + view.stage;
}

export const total = (m) => stepsOf(m) * (stagesOf(m, 'forward') + stagesOf(m, 'backward'));

/** Half-width of the backward colour scale: the largest |gradient| of the layer over all steps. */
export function gradDomain(m, snap, layer) {
  const values = m.snaps[snap].layers[layer];
  let peak = 0;
  for (const node of m.dia.nodes) {
    if (node.bkey) for (const v of values[node.bkey]) if (Math.abs(v) > peak) peak = Math.abs(v);
  }
  return peak > 0 ? peak : 1;
}

export const whereText = (m, view) => `layer ${view.layer + 1} of ${layersOf(m)}, epoch ${m.snaps[view.snap].epoch}`;

/** The diagram's accessible name at a position. */
export function headingOf(m, view) {
  return `${m.dia.title}, ${whereText(m, view)}: ${view.phase} pass at step t = ${view.t}, `
    + `compute step ${view.stage + 1} of ${stagesOf(m, view.phase)}: ${m.dia.stages[view.phase][view.stage].name}`;
}

/** The step's input, target, output and loss in words. */
export function ioText(m, view) {
  const { data } = m;
  const snap = m.snaps[view.snap];
  const { t } = view;
  if (data.kind === 'text') {
    const c = (i) => char(data.vocab, i);
    return `At t = ${t}: input “${c(snap.input[t])}”, target “${c(snap.target[t])}”, `
      + `predicted “${c(snap.predicted[t])}”, loss L_t = ${short(snap.loss[t])}`;
  }
  return `At t = ${t}: input ${short(snap.input[t])}, target ${short(snap.target[t])}, `
    + `output ${short(snap.output[t])}, loss L_t = ${short(snap.loss[t])}`;
}

/** Every traced vector of the position's step: [label, key, values], forward values then gradients. */
export function tableRows(m, view) {
  const values = m.snaps[view.snap].layers[view.layer];
  const geo = m.dia.layers[view.layer];
  const rows = [];
  for (const [phase, keyOf, symOf] of [['forward', 'key', 'sym'], ['backward', 'bkey', 'bsym']]) {
    for (const node of m.dia.nodes) {
      const key = node[keyOf];
      if (!key) continue;
      const name = node.id === 'x' ? geo.x_name : node.name;
      const sub = phase === 'forward' ? node.sub : node.bsub;
      const n = geo.strips[node.id].n;
      const slice = (k) => Array.from(values[k].subarray(view.t * n, view.t * n + n));
      rows.push([`${node[symOf]}_${sub} ${name}`, key, slice(key)]);
      if (phase === 'forward' && node.pre) rows.push([`${node.sym}_${sub} pre-activation`, node.pre, slice(node.pre)]);
    }
  }
  return rows;
}

/** The traced sequence, one row per step: [t, input, target, output, loss] as the table shows them. */
export function sequenceRows(m, view) {
  const { data } = m;
  const snap = m.snaps[view.snap];
  return Array.from(snap.input, (a, t) => [String(t), ...(data.kind === 'text'
    ? [char(data.vocab, a), char(data.vocab, snap.target[t]), char(data.vocab, snap.predicted[t])]
    : [short(a), short(snap.target[t]), short(snap.output[t])]), short(snap.loss[t])]);
}

/** New data without a diagram of its own must fit `dia`: same cell, layers and sizes (else an Error). */
export function checkShape(dia, snaps, cell) {
  const describe = (type, widths) => `a ${widths.length}-layer ${type.toUpperCase()} with `
    + `${widths.map((w) => w.join('→')).join(', ')} units (input→hidden)`;
  const mine = dia.layers.map((g) => [g.strips.x.n, g.strips.h.n]);
  const theirs = snaps[0].layers.map((l) => {
    const T = snaps[0].input.length;
    return [l.x.length / T, l.h.length / T];
  });
  if (cell !== dia.cell || JSON.stringify(mine) !== JSON.stringify(theirs)) {
    throw new Error(`this figure draws ${describe(dia.cell, mine)}, the data is ${describe(cell, theirs)}; `
      + 'train a network of the figure\'s shape, or send a `diagram` with the data');
  }
}
