// {predictions}: input, target and predicted values on a validation window, plus the roll-out.
// Takes (state, element); state = {data: predictions document subset, snapshot: index}.
import { decode } from 'unrolled/lib/arrays.js';
import * as store from 'unrolled/lib/state.js';
import { charLabel } from 'unrolled/lib/chars.js';
import {
  MARGIN, HEIGHT, Scale, el, polyline, svg, valueDomain, yAxis,
} from 'unrolled/lib/plot.js';

/** One snapshot of a predictions payload with its arrays decoded (the {network} widget uses it too). */
export function series(snap) {
  const s = {
    epoch: snap.epoch,
    input: decode(snap.input),
    target: decode(snap.target),
    prediction: decode(snap.prediction),
    error: snap.error ? decode(snap.error) : null,
  };
  if (snap.rollout) {
    s.rollout = decode(snap.rollout.prediction);
    s.rolloutTarget = decode(snap.rollout.target);
  }
  return s;
}

function scaleFor(data, snaps, current) {
  const { start, step } = data.x;
  const window = current.input.length;
  const steps = current.rollout ? current.rollout.length : 0;
  const all = [...snaps.map((s) => s.input), ...snaps.map((s) => s.prediction), current.target];
  for (const s of snaps) if (s.rollout) all.push(s.rollout, s.rolloutTarget);
  return new Scale([start, start + step * (window + steps)], valueDomain(...all));
}

/** The plot of snapshot `index` (the {network} widget draws its prediction plot with it too). */
export function draw(data, snaps, index, id) {
  const s = snaps[index];
  const { start, step } = data.x;
  const n = s.input.length;
  const xIn = Array.from({ length: n }, (_, i) => start + step * i);
  const xOut = xIn.map((x) => x + step);
  const scale = scaleFor(data, snaps, s);
  let mse = 0;
  s.prediction.forEach((p, i) => { mse += (p - s.target[i]) ** 2; });
  mse /= n;
  const root = svg(scale, {
    id,
    title: `Predictions of run ${data.run} after epoch ${s.epoch}`,
    desc: `${n} input values, the next value predicted at each step (mean squared error on this window ${mse.toFixed(4)})`
      + (s.rollout ? ', then an autoregressive roll-out' : ''),
  });
  root.append(yAxis(scale));
  root.append(el('rect', {
    class: 'window', x: scale.x(xIn[0]).toFixed(2), y: MARGIN.top,
    width: (scale.x(xIn[n - 1]) - scale.x(xIn[0])).toFixed(2), height: HEIGHT - MARGIN.top - MARGIN.bottom,
  }));
  const errors = el('g', { class: 'errors' });
  xOut.forEach((x, i) => errors.append(el('line', {
    x1: scale.x(x).toFixed(2), x2: scale.x(x).toFixed(2),
    y1: scale.y(s.target[i]).toFixed(2), y2: scale.y(s.prediction[i]).toFixed(2),
  })));
  root.append(errors, polyline(scale, 'input', xIn, s.input), polyline(scale, 'target', xOut, s.target),
    polyline(scale, 'prediction', xOut, s.prediction));
  if (s.rollout) {
    const xRoll = Array.from(s.rollout, (_, j) => start + step * (n + 1 + j));
    root.append(polyline(scale, 'rollout-target', xRoll, s.rolloutTarget),
      polyline(scale, 'rollout', xRoll, s.rollout));
  }
  return root;
}

function table(s) {
  const f = (v) => v.toFixed(4);
  const rows = Array.from(s.input, (v, i) => `<tr><th scope="row">${i}</th><td>${f(v)}</td>`
    + `<td>${f(s.target[i])}</td><td>${f(s.prediction[i])}</td></tr>`).join('');
  return '<table class="data-table"><thead><tr><th scope="col">step</th><th scope="col">input</th>'
    + `<th scope="col">target</th><th scope="col">prediction</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function charStrip(data, s) {
  const label = (i) => charLabel(data.vocab[i]).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const row = (ids) => Array.from(ids, (i) => `<td>${label(i)}</td>`).join('');
  let correct = 0;
  const hits = Array.from(s.prediction, (p, i) => {
    const hit = p === s.target[i];
    correct += hit;
    return `<td class="${hit ? 'hit' : 'miss'}">${label(p)}</td>`;
  }).join('');
  const table = document.createElement('table');
  table.className = 'char-strip';
  table.innerHTML = `<caption>Epoch ${s.epoch}: ${correct} of ${s.target.length} next characters predicted `
    + `correctly</caption><tbody><tr><th scope="row">input</th>${row(s.input)}</tr>`
    + `<tr><th scope="row">target</th>${row(s.target)}</tr>`
    + `<tr><th scope="row">prediction</th>${hits}</tr></tbody>`;
  return table;
}

function snapshotControl(snaps, index, onChange, id) {
  const wrap = document.createElement('div');
  wrap.className = 'widget-controls';
  const label = document.createElement('label');
  label.htmlFor = `${id}-snapshot`;
  const input = document.createElement('input');
  Object.assign(input, { type: 'range', id: `${id}-snapshot`, min: 0, max: snaps.length - 1, step: 1, value: index });
  const output = document.createElement('output');
  output.htmlFor = input.id;
  const show = (i) => {
    label.textContent = 'Snapshot';
    output.textContent = `epoch ${snaps[i].epoch}`;
    input.setAttribute('aria-valuetext', `epoch ${snaps[i].epoch}`);
  };
  show(index);
  input.addEventListener('input', () => { show(Number(input.value)); onChange(Number(input.value)); });
  wrap.append(label, input, output);
  return wrap;
}

export default function predictions(state, element) {
  let { data } = state;
  let snaps = data.snapshots.map(series);
  const frame = element.querySelector('.widget-frame');
  const details = element.querySelector('.widget-data');
  const id = element.id;
  let current = state.snapshot;
  let control = null;
  const show = (index) => {
    current = index;
    if (data.kind === 'text') {
      frame.replaceChildren(charStrip(data, snaps[index]));
    } else {
      frame.replaceChildren(draw(data, snaps, index, id));
      details.innerHTML = `<summary>Data</summary>${table(snaps[index])}`;
    }
    element.dataset.snapshot = String(index);
  };
  const indexOfEpoch = (epoch) => snaps.findIndex((s) => s.epoch === epoch);
  const select = (index) => {
    show(index);
    store.set({ epoch: snaps[index].epoch }, element);
  };
  const fromUrl = indexOfEpoch(store.get('epoch'));
  show(fromUrl >= 0 ? fromUrl : current);
  const mountControl = () => {
    control?.remove();
    control = snaps.length > 1 ? snapshotControl(snaps, current, select, id) : null;
    if (control) frame.after(control);
  };
  mountControl();
  store.subscribe('epoch', (epoch) => {
    const index = indexOfEpoch(epoch);
    if (index >= 0 && index !== current) { show(index); mountControl(); }
  }, element);
  return {
    /** Replace the data (e.g. streamed from an in-browser run) and show its last snapshot. */
    update(next) {
      data = next.data;
      snaps = data.snapshots.map(series);
      show(snaps.length - 1);
      mountControl();
    },
  };
}
