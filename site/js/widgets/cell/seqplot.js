// The traced sequence beside the cell: input x_t at position t, target and output at t+1, the window
// consumed so far shaded and step t marked (same geometry as static_plot in generator/directives/cell.py).
// Text runs show three rows of characters instead.
import { el, valueDomain } from 'unrolled/lib/plot.js';
import { char, short } from 'unrolled/widgets/cell/format.js';

export const WIDTH = 360;
export const HEIGHT = 150;
const M = {
  left: 30, right: 10, top: 10, bottom: 20,
};

/** The y domain of the plot: every snapshot's input, target and output, at least [-1, 1], padded. */
export function domainOf(snaps) {
  return valueDomain(...snaps.flatMap((s) => [s.input, s.target, s.output]));
}

export function drawFunction(snap, t, phase, domain, id) {
  const [y0, y1] = domain;
  const steps = snap.input.length;
  const left = M.left;
  const right = WIDTH - M.right;
  const top = M.top;
  const bottom = HEIGHT - M.bottom;
  const X = (v) => left + (v / steps) * (right - left);
  const Y = (v) => top + ((v - y1) / (y0 - y1)) * (bottom - top);
  const svg = el('svg', {
    class: 'cell-plot', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img',
    'aria-labelledby': `${id}-ptitle ${id}-pdesc`, 'data-y0': y0, 'data-y1': y1,
    'data-steps': steps, 'data-step': t,
  });
  const out = snap.output;
  svg.append(
    el('title', { id: `${id}-ptitle` }, `The traced sequence, step t = ${t} marked`),
    el('desc', { id: `${id}-pdesc` }, `${steps} inputs; the target and the network's output at every step. `
      + `At t = ${t}: input ${short(snap.input[t])}, target ${short(snap.target[t])}, output ${short(out[t])}.`),
  );
  const axis = el('g', { class: 'axis', 'aria-hidden': 'true' });
  for (const v of [-1, 0, 1]) {
    const y = Y(v).toFixed(2);
    axis.append(el('line', {
      class: 'grid', x1: left, x2: right, y1: y, y2: y,
    }), el('text', {
      x: left - 5, y, 'text-anchor': 'end', 'dominant-baseline': 'middle',
    }, String(v)));
  }
  const every = Math.max(1, Math.ceil(steps / 6));
  for (let k = 0; k <= steps; k += every) {
    axis.append(el('text', { x: X(k).toFixed(2), y: HEIGHT - 6, 'text-anchor': 'middle' }, String(k)));
  }
  const errors = el('g', { class: 'errors' });
  Array.from(snap.target, (v, k) => errors.append(el('line', {
    x1: X(k + 1).toFixed(2), x2: X(k + 1).toFixed(2), y1: Y(v).toFixed(2), y2: Y(out[k]).toFixed(2),
  })));
  const veil = phase === 'forward' ? [X(t + 1), right] : [left, X(t)];
  const line = (name, offset, ys) => el('polyline', {
    class: `series series-${name}`, 'data-series': name, fill: 'none',
    points: Array.from(ys, (v, k) => `${X(k + offset).toFixed(2)},${Y(v).toFixed(2)}`).join(' '),
  });
  svg.append(
    axis,
    el('rect', {
      class: 'consumed', x: left, y: top, width: (X(t) - left).toFixed(2), height: bottom - top,
    }),
    el('line', {
      class: 'now', x1: X(t).toFixed(2), x2: X(t).toFixed(2), y1: top, y2: bottom,
    }),
    line('input', 0, snap.input),
    line('target', 1, snap.target),
    line('output', 1, out),
    errors,
    el('rect', {
      class: 'veil', x: veil[0].toFixed(2), y: top, width: (veil[1] - veil[0]).toFixed(2), height: bottom - top,
    }),
    el('line', {
      class: 'error', x1: X(t + 1).toFixed(2), x2: X(t + 1).toFixed(2),
      y1: Y(snap.target[t]).toFixed(2), y2: Y(out[t]).toFixed(2),
    }),
    el('circle', {
      class: 'dot dot-input', cx: X(t).toFixed(2), cy: Y(snap.input[t]).toFixed(2), r: 3.5,
    }),
    el('circle', {
      class: 'dot dot-target', cx: X(t + 1).toFixed(2), cy: Y(snap.target[t]).toFixed(2), r: 3.5,
    }),
    el('circle', {
      class: 'dot dot-output', cx: X(t + 1).toFixed(2), cy: Y(out[t]).toFixed(2), r: 3.5,
    }),
  );
  return svg;
}

export function drawText(snap, t, phase, vocab, id) {
  const steps = snap.input.length;
  const cw = Math.min(16, (WIDTH - 64) / steps);
  const svg = el('svg', {
    class: 'cell-plot cell-text-plot', viewBox: `0 0 ${WIDTH} 78`, role: 'img', 'aria-labelledby': `${id}-ptitle`,
    'data-steps': steps, 'data-step': t,
  });
  svg.append(el('title', { id: `${id}-ptitle` },
    `The traced text: input, target and predicted characters; step t = ${t} marked`));
  svg.append(el('rect', {
    class: 'now-col', x: (60 + t * cw).toFixed(2), y: 2, width: cw.toFixed(2), height: 72,
  }));
  [['input', snap.input], ['target', snap.target], ['output', snap.predicted]].forEach(([name, ids], r) => {
    const y = 18 + r * 24;
    svg.append(el('text', {
      class: 'row-label', x: 56, y, 'text-anchor': 'end',
    }, name));
    Array.from(ids).forEach((i, k) => svg.append(el('text', {
      class: `char char-${name}`, x: (60 + (k + 0.5) * cw).toFixed(2), y, 'text-anchor': 'middle',
    }, char(vocab, i))));
  });
  const veil = phase === 'forward' ? [60 + (t + 1) * cw, 60 + steps * cw] : [60, 60 + t * cw];
  svg.append(el('rect', {
    class: 'veil', x: veil[0].toFixed(2), y: 2, width: (veil[1] - veil[0]).toFixed(2), height: 72,
  }));
  return svg;
}
