// The prediction column of {network}: the same picture and scale rule as {predictions}
// (generator/directives/predictions.py `geometry`): the input window (shaded: the values that feed the
// state), target, prediction, error bars, and the autoregressive roll-out after the window. One scale
// per run (over all its snapshots), so playing through epochs never rescales the plot.
import { charLabel } from 'unrolled/lib/chars.js';
import { series as snapshotSeries } from 'unrolled/widgets/predictions.js';
import {
  MARGIN, HEIGHT, Scale, el, polyline, svg, valueDomain, yAxis,
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

function scaleFor(entry, snaps, current) {
  const { start, step } = entry.x;
  const window = current.input.length;
  const steps = current.rollout ? current.rollout.length : 0;
  const all = [...snaps.map((s) => s.input), ...snaps.map((s) => s.prediction), current.target];
  for (const s of snaps) if (s.rollout) all.push(s.rollout, s.rolloutTarget);
  return new Scale([start, start + step * (window + steps)], valueDomain(...all));
}

/** The function plot of snapshot `index` (role=img with title and description). */
export function functionPlot(entry, snaps, index, id) {
  const s = snaps[index];
  const { start, step } = entry.x;
  const n = s.input.length;
  const xIn = Array.from({ length: n }, (_, i) => start + step * i);
  const xOut = xIn.map((x) => x + step);
  const scale = scaleFor(entry, snaps, s);
  const root = svg(scale, {
    id,
    title: `Predictions of run ${entry.run} after epoch ${s.epoch}`,
    desc: `${n} input values, the next value predicted at each step (mean squared error ${mse(s).toFixed(4)})`
      + (s.rollout ? ', then an autoregressive roll-out' : ''),
  });
  root.classList.add('net-plot');
  const top = MARGIN.top;
  const height = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x0 = scale.x(xIn[0]);
  const x1 = scale.x(xIn[n - 1]);
  root.append(yAxis(scale));
  root.append(el('rect', {
    class: 'window', x: x0.toFixed(2), y: top, width: (x1 - x0).toFixed(2), height,
  }));
  // The scan box: during the forward phase it sweeps over the window, one input at a time.
  const box = el('rect', {
    class: 'scan', x: (x0 - 4).toFixed(2), y: top, width: 8, height, 'aria-hidden': 'true',
  });
  box.style.setProperty('--scan-distance', `${(x1 - x0).toFixed(2)}px`);
  root.append(box);
  root.append(el('text', { class: 'window-label', x: (x0 + 4).toFixed(2), y: top + 12, 'aria-hidden': 'true' },
    'window'));
  const errors = el('g', { class: 'errors' });
  xOut.forEach((x, i) => errors.append(el('line', {
    x1: scale.x(x).toFixed(2), x2: scale.x(x).toFixed(2),
    y1: scale.y(s.target[i]).toFixed(2), y2: scale.y(s.prediction[i]).toFixed(2),
  })));
  root.append(errors, polyline(scale, 'input', xIn, s.input), polyline(scale, 'target', xOut, s.target),
    polyline(scale, 'prediction', xOut, s.prediction));
  if (s.rollout) {
    const xEnd = scale.x(xOut[n - 1]).toFixed(2);
    root.append(el('line', { class: 'separator', x1: xEnd, x2: xEnd, y1: top, y2: top + height, 'aria-hidden': 'true' }));
    root.append(el('text', {
      class: 'window-label', x: (Number(xEnd) + 4).toFixed(2), y: top + 12, 'aria-hidden': 'true',
    }, 'roll-out'));
    const xRoll = Array.from(s.rollout, (_, j) => start + step * (n + 1 + j));
    root.append(polyline(scale, 'rollout-target', xRoll, s.rolloutTarget), polyline(scale, 'rollout', xRoll, s.rollout));
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
  const f = (v) => v.toFixed(4);
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
