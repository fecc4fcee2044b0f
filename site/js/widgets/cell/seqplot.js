// The traced sequence beside the cell, as markup: input x_t at position t, target and output at t+1, the
// window consumed so far shaded and step t marked. Text runs show three rows of characters instead.
import { h } from 'unrolled/lib/html.js';
import {
  Scale, countTicks, valueDomain, yAxis,
} from 'unrolled/lib/plot.js';
import { char } from 'unrolled/widgets/cell/format.js';
import { short } from 'unrolled/lib/format.js';

export const WIDTH = 360;
export const HEIGHT = 150;
const M = {
  left: 30, right: 10, top: 10, bottom: 20,
};
const LAYOUT = { width: WIDTH, height: HEIGHT, margin: M };

/** The y domain of the plot: every snapshot's input, target and output, at least [-1, 1], padded. */
export function domainOf(snaps) {
  return valueDomain(...snaps.flatMap((s) => [s.input, s.target, s.output]));
}

export function drawFunction(snap, t, phase, domain, id) {
  const [y0, y1] = domain;
  const steps = snap.input.length;
  const scale = new Scale([0, steps], domain, LAYOUT);
  const left = M.left;
  const right = WIDTH - M.right;
  const top = M.top;
  const bottom = HEIGHT - M.bottom;
  const x = (v) => scale.x(v);
  const X = (v) => x(v).toFixed(2);
  const Y = (v) => scale.y(v).toFixed(2);
  const out = snap.output;
  const axis = [yAxis(scale), h('g', { class: 'axis', 'aria-hidden': 'true' }, countTicks(steps).map((k) => h('text', {
    x: X(k), y: HEIGHT - 6, 'text-anchor': 'middle',
  }, String(k))))];
  const errors = h('g', { class: 'errors' }, Array.from(snap.target, (v, k) => h('line', {
    x1: X(k + 1), x2: X(k + 1), y1: Y(v), y2: Y(out[k]),
  })));
  const veil = phase === 'forward' ? [x(t + 1), right] : [left, x(t)];
  const line = (name, offset, ys) => h('polyline', {
    class: `series series-${name}`, 'data-series': name, fill: 'none',
    points: Array.from(ys, (v, k) => `${X(k + offset)},${Y(v)}`).join(' '),
  });
  const dot = (name, x, v) => h('circle', {
    class: `dot dot-${name}`, cx: x, cy: Y(v), r: 3.5,
  });
  return h(
    'svg',
    {
      class: 'cell-plot', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img',
      'aria-labelledby': `${id}-ptitle ${id}-pdesc`, 'data-y0': y0, 'data-y1': y1,
      'data-steps': steps, 'data-step': t,
    },
    h('title', { id: `${id}-ptitle` }, `The traced sequence, step t = ${t} marked`),
    h('desc', { id: `${id}-pdesc` }, `${steps} inputs; the target and the network's output at every step. `
      + `At t = ${t}: input ${short(snap.input[t])}, target ${short(snap.target[t])}, output ${short(out[t])}.`),
    axis,
    h('rect', {
      class: 'consumed', x: left, y: top, width: (x(t) - left).toFixed(2), height: bottom - top,
    }),
    h('line', {
      class: 'now', x1: X(t), x2: X(t), y1: top, y2: bottom,
    }),
    line('input', 0, snap.input),
    line('target', 1, snap.target),
    line('output', 1, out),
    errors,
    h('rect', {
      class: 'veil', x: veil[0].toFixed(2), y: top, width: (veil[1] - veil[0]).toFixed(2), height: bottom - top,
    }),
    h('line', {
      class: 'error', x1: X(t + 1), x2: X(t + 1), y1: Y(snap.target[t]), y2: Y(out[t]),
    }),
    dot('input', X(t), snap.input[t]),
    dot('target', X(t + 1), snap.target[t]),
    dot('output', X(t + 1), out[t]),
  );
}

export function drawText(snap, t, phase, vocab, id) {
  const steps = snap.input.length;
  const cw = Math.min(16, (WIDTH - 64) / steps);
  const veil = phase === 'forward' ? [60 + (t + 1) * cw, 60 + steps * cw] : [60, 60 + t * cw];
  return h(
    'svg',
    {
      class: 'cell-plot cell-text-plot', viewBox: `0 0 ${WIDTH} 78`, role: 'img', 'aria-labelledby': `${id}-ptitle`,
      'data-steps': steps, 'data-step': t,
    },
    h('title', { id: `${id}-ptitle` }, `The traced text: input, target and predicted characters; step t = ${t} marked`),
    h('rect', {
      class: 'now-col', x: (60 + t * cw).toFixed(2), y: 2, width: cw.toFixed(2), height: 72,
    }),
    [['input', snap.input], ['target', snap.target], ['output', snap.predicted]].map(([name, ids], r) => {
      const y = 18 + r * 24;
      return [h('text', {
        class: 'row-label', x: 56, y, 'text-anchor': 'end',
      }, name), Array.from(ids, (i, k) => h('text', {
        class: `char char-${name}`, x: (60 + (k + 0.5) * cw).toFixed(2), y, 'text-anchor': 'middle',
      }, char(vocab, i)))];
    }),
    h('rect', {
      class: 'veil', x: veil[0].toFixed(2), y: 2, width: (veil[1] - veil[0]).toFixed(2), height: 72,
    }),
  );
}
