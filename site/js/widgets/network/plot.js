// The prediction column of {network} as markup: the {predictions} plot (drawn by that widget's own
// module: the input window shaded, target, prediction, error bars and the autoregressive roll-out, one
// scale per run over all its snapshots, so playing through epochs never rescales it) plus the scan box
// that sweeps over the window in the forward phase; text runs as characters; the snapshot's table and
// the validation-loss sparkline.
import { charLabel } from 'unrolled/lib/chars.js';
import { fixed } from 'unrolled/lib/format.js';
import { h, join } from 'unrolled/lib/html.js';
import { plot } from 'unrolled/widgets/predictions.js';

export function mse(s) {
  let total = 0;
  s.prediction.forEach((p, i) => { total += (p - s.target[i]) ** 2; });
  return total / s.prediction.length;
}

/** The network view's marks over the {predictions} plot: the scan box and the window / roll-out labels. */
function marks(scale, { start, step, n }) {
  const { margin } = scale.layout;
  const top = margin.top;
  const height = scale.layout.height - margin.top - margin.bottom;
  const x0 = scale.x(start);
  const x1 = scale.x(start + step * (n - 1));
  const xEnd = scale.x(start + step * n).toFixed(2);
  const label = (x, text) => h('text', { class: 'window-label', x: x.toFixed(2), y: top + 12, 'aria-hidden': 'true' }, text);
  return {
    window: join([h('rect', {
      class: 'scan', x: (x0 - 4).toFixed(2), y: top, width: 8, height, 'aria-hidden': 'true',
      style: `--scan-distance: ${(x1 - x0).toFixed(2)}px`,
    }), label(x0 + 4, 'window')]),
    rollout: join([h('line', {
      class: 'separator', x1: xEnd, x2: xEnd, y1: top, y2: top + height, 'aria-hidden': 'true',
    }), label(Number(xEnd) + 4, 'roll-out')]),
  };
}

/**
 * The function plot of snapshot `index` of a run entry (its `snaps` decoded), in the {predictions} figure's
 * own layout, whose margins hold labels set at 11.5 CSS px in a phone's column (css/network.css).
 */
export function functionPlot(entry, index, id) {
  return plot(entry, entry.snaps, index, id, { className: 'net-plot', marks });
}

/** Text runs: the input characters, the next characters and the predicted ones (wrong ones marked). */
export function textPlot(entry, index, id) {
  const s = entry.snaps[index];
  const vocab = entry.vocab || [];
  const show = (i) => (vocab[i] === undefined ? '?' : charLabel(vocab[i]));
  let wrong = 0;
  s.prediction.forEach((p, i) => { if (p !== s.target[i]) wrong += 1; });
  const steps = Array.from(s.input, (c, i) => {
    const miss = s.prediction[i] !== s.target[i];
    return h('span', { class: 'net-text-step' },
      h('span', { class: 'char char-input' }, show(c)),
      h('span', { class: 'char char-target' }, show(s.target[i])),
      h('span', { class: miss ? 'char char-prediction is-wrong' : 'char char-prediction' }, show(s.prediction[i])));
  });
  return h('div', {
    class: 'net-text', role: 'img', id, 'data-epoch': s.epoch,
    'aria-label': `Next-character predictions of run ${entry.run} after epoch ${s.epoch}: `
      + `${s.prediction.length - wrong} of ${s.prediction.length} correct`,
  },
  h('div', { class: 'net-text-labels', 'aria-hidden': 'true' },
    h('span', {}, 'input'), h('span', {}, 'target'), h('span', {}, 'prediction')),
  h('div', { class: 'net-text-steps' }, steps));
}

/** The table of one snapshot (same columns as {predictions}; characters for text runs). */
export function snapshotTable(entry, s) {
  const vocab = entry.vocab || [];
  const cells = entry.kind === 'function'
    ? (i) => [fixed(s.input[i], 4), fixed(s.target[i], 4), fixed(s.prediction[i], 4)]
    : (i) => [vocab[s.input[i]] ?? s.input[i], vocab[s.target[i]] ?? '', vocab[s.prediction[i]] ?? ''];
  return h('table', { class: 'data-table' },
    h('thead', {}, h('tr', {}, ['step', 'input', 'target', 'prediction'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, Array.from(s.input, (_, i) => h('tr', {}, h('th', { scope: 'row' }, i),
      cells(i).map((c) => h('td', {}, c))))));
}

/** A small validation-loss sparkline with the current epoch marked (decorative; the number is in text). */
export function sparkline(loss, epoch) {
  const w = 120;
  const ht = 28;
  const vals = loss.validation.map((v) => Math.log10(Math.max(v, 1e-12)));
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  const last = loss.epoch[loss.epoch.length - 1] || 1;
  const x = (e) => 2 + ((w - 4) * e) / last;
  const y = (v) => 3 + (ht - 6) * (hi === lo ? 0.5 : (hi - v) / (hi - lo));
  const k = loss.epoch.indexOf(epoch);
  const points = vals.map((v, i) => `${x(loss.epoch[i]).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return h('svg', { class: 'net-spark', viewBox: `0 0 ${w} ${ht}`, 'aria-hidden': 'true' },
    h('polyline', { fill: 'none', class: 'spark-line', points }),
    k >= 0 ? h('circle', { class: 'spark-dot', cx: x(epoch).toFixed(1), cy: y(vals[k]).toFixed(1), r: 3 }) : null);
}
