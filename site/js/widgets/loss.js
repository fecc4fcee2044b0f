// {loss}: training and validation loss per epoch, one run or several overlaid, with the current epoch marked.
//
// Takes (state, element); state.data = {runs: [{run, task, snapshots, loss: {epoch, train, validation}}]},
// state.options = {scale: 'log' | 'linear', epoch}. Same geometry as generator/directives/loss.py.
//
// Linked views: the marked epoch is the page store key `epoch` (unrolled/lib/state.js). Clicking the chart
// or moving the "Epoch" slider sets it; a change made elsewhere (another widget, the URL) moves the marker.
// When the page store's `run` names one of the overlaid runs, its curves are emphasised.
// Explanation key: `loss` (the (i) button by the heading).
// Returns a controller: update(next) merges runs by name (next.data, same shape), e.g. streamed from a live run.
import * as store from 'unrolled/lib/state.js';
import { el } from 'unrolled/lib/plot.js';
import { infoButton } from 'unrolled/lib/explain.js';

export const WIDTH = 640;
export const HEIGHT = 240;
export const MARGIN = { left: 54, right: 14, top: 12, bottom: 34 };
const FLOOR = 1e-12;
const LOSS_NAMES = { mse: 'mean squared error', ce: 'cross-entropy' };
const SUPERSCRIPT = {
  '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹',
};

export function niceStep(raw) {
  if (raw <= 0) return 1;
  const base = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (raw <= m * base * (1 + 1e-9)) return m * base;
  return 10 * base;
}

function niceCeil(value) {
  if (value <= 0) return 1;
  const step = niceStep(value / 4);
  return Math.ceil(value / step - 1e-9) * step;
}

/** Python's `{:.4g}`-like short number (4 significant digits, no trailing zeros). */
export function fmt(v) {
  if (v === 0) return '0';
  const e = Math.floor(Math.log10(Math.abs(v)));
  if (e < -4 || e >= 4) {
    const [m, x] = v.toExponential(3).split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const exp = Number(x);
    return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const text = v.toFixed(Math.max(0, 3 - e));
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

export function tickLabel(value) {
  if (value === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(value)) + 1e-9);
  if (exponent <= -4 || exponent >= 5) {
    const mantissa = value / 10 ** exponent;
    const lead = Math.abs(mantissa - 1) < 1e-9 ? '' : `${Number(mantissa.toPrecision(3))}×`;
    return `${lead}10${[...String(exponent)].map((c) => SUPERSCRIPT[c]).join('')}`;
  }
  if (exponent >= 0) return String(Number(value.toPrecision(6)));
  return value.toFixed(2 - exponent).replace(/0+$/, '').replace(/\.$/, '');
}

export class LossScale {
  constructor(epochs, values, scale) {
    this.scale = scale;
    this.x0 = 0;
    this.x1 = Math.max(1, epochs);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) { const c = Math.max(v, FLOOR); if (c < lo) lo = c; if (c > hi) hi = c; }
    if (scale === 'log') {
      const a = Math.floor(Math.log10(lo));
      let b = Math.ceil(Math.log10(hi));
      if (b <= a) b = a + 1;
      this.y0 = 10 ** a;
      this.y1 = 10 ** b;
    } else {
      this.y0 = 0;
      this.y1 = niceCeil(hi * 1.05);
    }
  }

  t(v) { return this.scale === 'log' ? Math.log10(Math.max(v, FLOOR)) : v; }

  x(epoch) { return MARGIN.left + ((epoch - this.x0) / (this.x1 - this.x0)) * (WIDTH - MARGIN.left - MARGIN.right); }

  y(v) {
    const t0 = this.t(this.y0);
    const t1 = this.t(this.y1);
    return MARGIN.top + ((t1 - this.t(v)) / (t1 - t0)) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  }

  /** Epoch under an x position in SVG units (nearest integer, clamped). */
  epochAt(px) {
    const e = this.x0 + ((px - MARGIN.left) / (WIDTH - MARGIN.left - MARGIN.right)) * (this.x1 - this.x0);
    return Math.round(Math.min(this.x1, Math.max(this.x0, e)));
  }

  points(xs, ys) { return Array.from(xs, (x, i) => `${this.x(x).toFixed(2)},${this.y(ys[i]).toFixed(2)}`).join(' '); }

  yTicks() {
    if (this.scale === 'log') {
      const a = Math.round(Math.log10(this.y0));
      const b = Math.round(Math.log10(this.y1));
      const ticks = [];
      for (let k = a; k <= b; k += 1) ticks.push(10 ** k);
      if (b - a === 1) ticks.push(2 * 10 ** a, 5 * 10 ** a);
      return ticks.sort((p, q) => p - q);
    }
    const step = niceStep(this.y1 / 4);
    return Array.from({ length: Math.round(this.y1 / step) + 1 }, (_, k) => k * step);
  }

  xTicks() {
    const step = Math.max(1, Math.trunc(niceStep(this.x1 / 6)));
    const ticks = [];
    for (let e = 0; e <= this.x1; e += step) ticks.push(e);
    return ticks;
  }
}

const lastEpoch = (runs) => Math.max(...runs.map((r) => r.loss.epoch[r.loss.epoch.length - 1]));
const valuesAt = (r, e) => (e < r.loss.epoch.length ? [r.loss.train[e], r.loss.validation[e]] : null);

function scaleFor(runs, kind) {
  const values = [];
  for (const r of runs) values.push(...r.loss.train, ...r.loss.validation);
  return new LossScale(lastEpoch(runs), values, kind);
}

function describe(runs, epoch, kind) {
  const names = runs.map((r) => r.run);
  const title = names.length === 1 ? `Loss per epoch of run ${names[0]}` : `Loss per epoch of runs ${names.join(', ')}`;
  const parts = runs.map((r) => [r, valuesAt(r, epoch)]).filter(([, at]) => at)
    .map(([r, at]) => `${r.run}: train ${fmt(at[0])}, validation ${fmt(at[1])}`);
  const desc = `Training and validation loss (${LOSS_NAMES[runs[0].task.loss]}, ${kind} scale) over epochs 0 to `
    + `${lastEpoch(runs)}; marked epoch ${epoch}: ${parts.join('; ')}`;
  return { title, desc };
}

function drawChart(runs, scale, kind, id) {
  const root = el('svg', {
    class: 'plot loss-plot', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`,
    'data-x0': scale.x0, 'data-x1': scale.x1, 'data-y0': scale.y0, 'data-y1': scale.y1, 'data-scale': kind,
  });
  root.append(el('title', { id: `${id}-title` }), el('desc', { id: `${id}-desc` }));
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right;
  const bottom = HEIGHT - MARGIN.bottom;
  const axis = el('g', { class: 'axis', 'aria-hidden': 'true' });
  for (const t of scale.yTicks()) {
    const y = scale.y(t).toFixed(2);
    axis.append(el('line', { class: 'grid', x1: left, x2: right, y1: y, y2: y }),
      el('text', { x: left - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, tickLabel(t)));
  }
  for (const e of scale.xTicks()) {
    const x = scale.x(e).toFixed(2);
    axis.append(el('line', { class: 'tick', x1: x, x2: x, y1: bottom, y2: bottom + 4 }),
      el('text', { x, y: bottom + 15, 'text-anchor': 'middle' }, String(e)));
  }
  axis.append(el('line', { class: 'baseline', x1: left, x2: right, y1: bottom, y2: bottom }),
    el('text', { class: 'axis-label', x: ((left + right) / 2).toFixed(1), y: HEIGHT - 2, 'text-anchor': 'middle' }, 'epoch'));
  const ticks = el('g', { class: 'snapshot-ticks', 'aria-hidden': 'true' });
  for (const e of [...new Set(runs.flatMap((r) => r.snapshots))].sort((a, b) => a - b)) {
    ticks.append(el('circle', { cx: scale.x(e).toFixed(2), cy: bottom, r: 2.5 }));
  }
  root.append(axis, ticks);
  runs.forEach((r, i) => {
    for (const s of ['train', 'validation']) {
      root.append(el('polyline', {
        class: `series series-${s} run-${i % 6}`, 'data-series': s, 'data-run': r.run, fill: 'none',
        points: scale.points(r.loss.epoch, r.loss[s]),
      }));
    }
  });
  const marker = el('g', { class: 'marker', 'aria-hidden': 'true' });
  root.append(marker);
  return root;
}

function placeMarker(root, runs, scale, epoch, kind) {
  const marker = root.querySelector('.marker');
  const x = scale.x(epoch).toFixed(2);
  marker.dataset.epoch = String(epoch);
  marker.replaceChildren(el('line', { x1: x, x2: x, y1: MARGIN.top, y2: HEIGHT - MARGIN.bottom }));
  runs.forEach((r, i) => {
    const at = valuesAt(r, epoch);
    if (!at) return;
    ['train', 'validation'].forEach((s, k) => marker.append(el('circle', {
      class: `dot dot-${s} run-${i % 6}`, cx: x, cy: scale.y(at[k]).toFixed(2), r: 3.5,
    })));
  });
  const { title, desc } = describe(runs, epoch, kind);
  root.querySelector('title').textContent = title;
  root.querySelector('desc').textContent = desc;
}

function legend(runs) {
  const ul = document.createElement('ul');
  ul.className = 'loss-legend';
  const swatches = '<span class="swatch swatch-train" aria-hidden="true"></span>';
  const dashed = '<span class="swatch swatch-validation" aria-hidden="true"></span>';
  ul.innerHTML = `<li class="legend-key">${swatches}train ${dashed}validation</li>`;
  if (runs.length > 1) {
    runs.forEach((r, i) => {
      const li = document.createElement('li');
      li.className = `run-${i % 6}`;
      li.dataset.run = r.run;
      li.innerHTML = swatches + dashed;
      li.append(r.run);
      ul.append(li);
    });
  }
  return ul;
}

function table(runs) {
  const last = lastEpoch(runs);
  const esc = (s) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const head = runs.map((r) => (runs.length > 1
    ? `<th scope="col">${esc(r.run)} train</th><th scope="col">${esc(r.run)} validation</th>`
    : '<th scope="col">train</th><th scope="col">validation</th>')).join('');
  const rows = [];
  for (let e = 0; e <= last; e += 1) {
    const cells = runs.map((r) => {
      const at = valuesAt(r, e);
      return at ? `<td>${fmt(at[0])}</td><td>${fmt(at[1])}</td>` : '<td></td><td></td>';
    }).join('');
    rows.push(`<tr><th scope="row">${e}</th>${cells}</tr>`);
  }
  return `<summary>Data</summary><table class="data-table"><thead><tr><th scope="col">epoch</th>${head}</tr>`
    + `</thead><tbody>${rows.join('')}</tbody></table>`;
}

function readout(runs, epoch) {
  return runs.map((r) => {
    const at = valuesAt(r, epoch);
    const name = runs.length > 1 ? `${r.run}: ` : '';
    return at ? `${name}train ${fmt(at[0])} · validation ${fmt(at[1])}` : `${name}no epoch ${epoch}`;
  }).join('; ');
}

export default function loss(state, element) {
  let runs = state.data.runs;
  const kind = state.options.scale || 'log';
  const id = element.id;
  const frame = element.querySelector('.widget-frame');
  const details = element.querySelector('.widget-data');
  let scale;
  let chart;
  let epoch;

  const heading = document.createElement('div');
  heading.className = 'loss-heading';
  const label = document.createElement('span');
  label.className = 'loss-title';
  label.id = `${id}-heading`;
  label.textContent = `Loss (${LOSS_NAMES[runs[0].task.loss]})`;
  heading.append(label);
  const info = infoButton('loss', 'Loss');
  if (info) heading.append(info);

  const controls = document.createElement('div');
  controls.className = 'widget-controls loss-controls';
  const sliderLabel = document.createElement('label');
  sliderLabel.htmlFor = `${id}-epoch`;
  sliderLabel.textContent = 'Epoch';
  const slider = document.createElement('input');
  Object.assign(slider, { type: 'range', id: `${id}-epoch`, min: 0, step: 1 });
  const output = document.createElement('output');
  output.htmlFor = slider.id;
  output.className = 'loss-readout';
  controls.append(sliderLabel, slider, output);

  const clamp = (e) => Math.min(scale.x1, Math.max(0, Math.round(e)));
  const show = (e) => {
    epoch = clamp(e);
    placeMarker(chart, runs, scale, epoch, kind);
    slider.value = String(epoch);
    const text = readout(runs, epoch);
    slider.setAttribute('aria-valuetext', `epoch ${epoch}: ${text}`);
    if (runs.length === 1) output.textContent = `epoch ${epoch} · ${text}`;
    else {
      output.replaceChildren(Object.assign(document.createElement('span'), { textContent: `epoch ${epoch}` }),
        ...runs.map((r, i) => {
          const line = document.createElement('span');
          line.className = `loss-readout-run run-${i % 6}`;
          line.textContent = readout([r], epoch);
          line.prepend(Object.assign(document.createElement('b'), { textContent: `${r.run} ` }));
          return line;
        }));
    }
    element.dataset.epoch = String(epoch);
  };
  const select = (e) => {
    show(e);
    store.set({ epoch }, element);
  };
  const emphasise = (name) => {
    const known = runs.some((r) => r.run === name);
    chart.classList.toggle('has-current', known && runs.length > 1);
    chart.querySelectorAll('polyline[data-run]').forEach((p) => p.classList.toggle('is-current', p.dataset.run === name));
  };
  const mount = () => {
    scale = scaleFor(runs, kind);
    chart = drawChart(runs, scale, kind, id);
    chart.addEventListener('click', (event) => {
      const box = chart.getBoundingClientRect();
      select(scale.epochAt(((event.clientX - box.left) / box.width) * WIDTH));
    });
    slider.max = String(scale.x1);
    frame.replaceChildren(heading, chart, legend(runs), controls);
    details.innerHTML = table(runs);
    emphasise(store.get('run'));
  };

  mount();
  slider.addEventListener('input', () => select(Number(slider.value)));
  const fromUrl = store.get('epoch');
  show(typeof fromUrl === 'number' && Number.isFinite(fromUrl) ? fromUrl : (state.options.epoch ?? scale.x1));
  store.subscribe('epoch', (e) => { if (typeof e === 'number' && Number.isFinite(e) && e !== epoch) show(e); }, element);
  store.subscribe('run', emphasise, element);

  return {
    /**
     * Merge runs by name (same shape as the payload): a published run replaces the run of the same
     * name and any other is added, so a run streamed from the browser overlays the precomputed ones.
     */
    update(next) {
      const incoming = new Map(next.data.runs.map((r) => [r.run, r]));
      runs = [...runs.map((r) => incoming.get(r.run) || r),
        ...next.data.runs.filter((r) => !runs.some((old) => old.run === r.run))];
      mount();
      show(Math.min(epoch, scale.x1));
    },
  };
}
