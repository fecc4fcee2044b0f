// The prediction column of {network}: the same picture and scale rule as {predictions}
// (generator/directives/predictions.py `geometry`): the input window (shaded: the values that feed the
// state), target, prediction, error bars, and the autoregressive roll-out after the window. One scale
// per run (over all its snapshots), so playing through epochs never rescales the plot.
import { charLabel } from 'unrolled/lib/chars.js';
import { fixed } from 'unrolled/lib/format.js';
import { draw, series as snapshotSeries } from 'unrolled/widgets/predictions.js';
import {
  MARGIN, HEIGHT, Scale, el,
} from 'unrolled/lib/plot.js';

/** Decoded snapshots of one run entry of the payload. */
export function series(entry) {
  return entry.snapshots.map(snapshotSeries);
}

export function mse(s) {
  let total = 0;
  s.prediction.forEach((p, i) => { total += (p - s.target[i]) ** 2; });
  return total / s.prediction.length;
}

/**
 * The function plot of snapshot `index`: the {predictions} plot plus the network view's scan box (which
 * sweeps over the window in the forward phase) and labels for the window and the roll-out.
 */
export function functionPlot(entry, snaps, index, id) {
  const root = draw(entry, snaps, index, id);
  root.classList.add('net-plot');
  const scale = new Scale([Number(root.dataset.x0), Number(root.dataset.x1)],
    [Number(root.dataset.y0), Number(root.dataset.y1)]);
  const s = snaps[index];
  const { start, step } = entry.x;
  const n = s.input.length;
  const top = MARGIN.top;
  const height = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x0 = scale.x(start);
  const x1 = scale.x(start + step * (n - 1));
  const box = el('rect', {
    class: 'scan', x: (x0 - 4).toFixed(2), y: top, width: 8, height, 'aria-hidden': 'true',
  });
  box.style.setProperty('--scan-distance', `${(x1 - x0).toFixed(2)}px`);
  root.querySelector('rect.window').after(box, el('text', {
    class: 'window-label', x: (x0 + 4).toFixed(2), y: top + 12, 'aria-hidden': 'true',
  }, 'window'));
  const rollout = root.querySelector('[data-series="rollout-target"]');
  if (rollout) {
    const xEnd = scale.x(start + step * n).toFixed(2);
    rollout.before(
      el('line', { class: 'separator', x1: xEnd, x2: xEnd, y1: top, y2: top + height, 'aria-hidden': 'true' }),
      el('text', { class: 'window-label', x: (Number(xEnd) + 4).toFixed(2), y: top + 12, 'aria-hidden': 'true' },
        'roll-out'),
    );
  }
  return root;
}

/** Text runs: the input characters, the next characters and the predicted ones (wrong ones marked). */
export function textPlot(entry, snaps, index, id) {
  const s = snaps[index];
  const vocab = entry.vocab || [];
  const show = (i) => (vocab[i] === undefined ? '?' : charLabel(vocab[i]));
  const root = document.createElement('div');
  root.className = 'net-text';
  root.setAttribute('role', 'img');
  root.id = id;
  root.dataset.epoch = String(s.epoch);
  let wrong = 0;
  s.prediction.forEach((p, i) => { if (p !== s.target[i]) wrong += 1; });
  root.setAttribute('aria-label', `Next-character predictions of run ${entry.run} after epoch ${s.epoch}: `
    + `${s.prediction.length - wrong} of ${s.prediction.length} correct`);
  const labels = document.createElement('div');
  labels.className = 'net-text-labels';
  labels.setAttribute('aria-hidden', 'true');
  labels.innerHTML = '<span>input</span><span>target</span><span>prediction</span>';
  const steps = document.createElement('div');
  steps.className = 'net-text-steps';
  Array.from(s.input).forEach((c, i) => {
    const column = document.createElement('span');
    column.className = 'net-text-step';
    const wrong = s.prediction[i] !== s.target[i];
    for (const [cls, id] of [['input', c], ['target', s.target[i]], ['prediction', s.prediction[i]]]) {
      const cell = document.createElement('span');
      cell.className = `char char-${cls}${cls === 'prediction' && wrong ? ' is-wrong' : ''}`;
      cell.textContent = show(id);
      column.append(cell);
    }
    steps.append(column);
  });
  root.append(labels, steps);
  return root;
}

/** The <details> table of one snapshot (same columns as {predictions}). */
export function snapshotTable(entry, s) {
  if (entry.kind !== 'function') {
    const vocab = entry.vocab || [];
    const rows = Array.from(s.input, (v, i) => `<tr><th scope="row">${i}</th><td>${vocab[v] ?? v}</td>`
      + `<td>${vocab[s.target[i]] ?? ''}</td><td>${vocab[s.prediction[i]] ?? ''}</td></tr>`).join('');
    return '<table class="data-table"><thead><tr><th scope="col">step</th><th scope="col">input</th>'
      + `<th scope="col">target</th><th scope="col">prediction</th></tr></thead><tbody>${rows}</tbody></table>`;
  }
  const f = (v) => fixed(v, 4);
  const rows = Array.from(s.input, (v, i) => `<tr><th scope="row">${i}</th><td>${f(v)}</td>`
    + `<td>${f(s.target[i])}</td><td>${f(s.prediction[i])}</td></tr>`).join('');
  return '<table class="data-table"><thead><tr><th scope="col">step</th><th scope="col">input</th>'
    + `<th scope="col">target</th><th scope="col">prediction</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** A small validation-loss sparkline with the current epoch marked (decorative; the number is in text). */
export function sparkline(loss, epoch) {
  const w = 120;
  const h = 28;
  const vals = loss.validation.map((v) => Math.log10(Math.max(v, 1e-12)));
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  const last = loss.epoch[loss.epoch.length - 1] || 1;
  const x = (e) => 2 + ((w - 4) * e) / last;
  const y = (v) => 3 + (h - 6) * (hi === lo ? 0.5 : (hi - v) / (hi - lo));
  const root = el('svg', { class: 'net-spark', viewBox: `0 0 ${w} ${h}`, 'aria-hidden': 'true' });
  root.append(el('polyline', {
    fill: 'none', class: 'spark-line', points: vals.map((v, i) => `${x(loss.epoch[i]).toFixed(1)},${y(v).toFixed(1)}`).join(' '),
  }));
  const k = loss.epoch.indexOf(epoch);
  if (k >= 0) root.append(el('circle', { class: 'spark-dot', cx: x(epoch).toFixed(1), cy: y(vals[k]).toFixed(1), r: 3 }));
  return root;
}
