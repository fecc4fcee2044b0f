// {gradients}: RNNbow's view of itemized BPTT gradients (Cashman et al. 2018).
// Bar s stacks G[t][s] = ||dL_t / d theta^(s)|| for every loss step t >= s, coloured by t (viridis), so
// one loss keeps its colour in every bar; hovering or focusing step t shows its gradient horizon (row t).
// Takes (state, element); state.data = {sequence, panels: [{run, cell, kind, vocab?, input, target,
// snapshots: [{epoch, loss, layers: [{ih, hh, all}]}]}]} (float32 T x T matrices, row t = loss step).
// Geometry rules mirror generator/directives/gradients.py; scales are recorded on <g class="bars"> and
// <g class="loss-strip"> as data-y0/y1 (values) and data-py0/py1 (their pixel rows).
import { decode } from 'unrolled/lib/arrays.js';
import { charLabel } from 'unrolled/lib/chars.js';
import { fixed, minus } from 'unrolled/lib/format.js';
import * as store from 'unrolled/lib/state.js';
import { infoButton } from 'unrolled/lib/explain.js';
import { el } from 'unrolled/lib/plot.js';

const GROUPS = ['ih', 'hh', 'all'];
const GROUP_NAMES = {
  ih: 'input weights W_ih', hh: 'recurrent weights W_hh', all: 'all parameters (weights and biases)',
};
const GROUP_OPTIONS = { ih: 'input weights (W_ih)', hh: 'recurrent weights (W_hh)', all: 'all parameters' };
const HORIZON_SHARE = 0.9;
// Viridis sampled at 10 evenly spaced points, linear in sRGB between them (same table as the generator).
const VIRIDIS = [[0x44, 0x01, 0x54], [0x48, 0x28, 0x78], [0x3e, 0x49, 0x89], [0x31, 0x68, 0x8e],
  [0x26, 0x82, 0x8e], [0x1f, 0x9e, 0x89], [0x35, 0xb7, 0x79], [0x6e, 0xce, 0x58], [0xb5, 0xde, 0x2b],
  [0xfd, 0xe7, 0x25]];
const LEFT = 46;
const RIGHT = 8;
const TOP = 24; // room for the horizon bracket
const BARS_HEIGHT = 150;
const STRIP_HEIGHT = 34;
const MIN_WIDTH = 220;
const IDLE = 'Hover, tap or focus a step to see its gradient horizon: how far back its loss reaches.';

/** Viridis colour of source step t among `count` steps. */
export function colour(t, count) {
  const x = count > 1 ? t / (count - 1) : 0;
  const pos = x * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(pos), VIRIDIS.length - 2);
  const f = pos - i;
  return `#${VIRIDIS[i].map((a, k) => Math.floor(a + (VIRIDIS[i + 1][k] - a) * f + 0.5)
    .toString(16).padStart(2, '0')).join('')}`;
}

/** Four significant digits; exponent form outside [0.001, 10000); real minus signs. */
export function fmt(value) {
  if (value === 0) return '0';
  const a = Math.abs(value);
  if (a >= 1e-3 && a < 1e4) return fixed(value, Math.max(0, 3 - Math.floor(Math.log10(a))));
  return minus(value.toExponential(3));
}

/** Axis tick text: the shortest decimal that names the tick. */
export function tickLabel(value) {
  return String(Number(value.toPrecision(6)));
}

/** Upper end of an axis from 0 covering `top`, on a 1-2-5 step, and its ticks. */
export function niceTop(top) {
  if (!(top > 0)) return [1, [0, 0.5, 1]];
  const raw = top / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((v) => v >= raw);
  const count = Math.ceil(top / step - 1e-9);
  return [count * step, Array.from({ length: count + 1 }, (_, k) => k * step)];
}

const escapeHtml = (s) => String(s).replace(/[&<>"]/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;',
}[c]));

function panelOf(p) {
  const input = decode(p.input);
  const target = decode(p.target);
  const text = p.kind === 'text';
  const label = (v) => (text ? charLabel(p.vocab[v]) : fmt(v));
  return {
    run: p.run,
    cell: p.cell,
    kind: p.kind,
    T: input.length,
    input,
    target,
    inputLabels: Array.from(input, label),
    targetLabels: Array.from(target, label),
    snaps: p.snapshots.map((s) => ({
      epoch: s.epoch,
      loss: decode(s.loss),
      layers: s.layers.map((l) => Object.fromEntries(GROUPS.map((g) => [g, decode(l[g])]))),
    })),
  };
}

function totalsOf(m, T) {
  const totals = new Float64Array(T);
  for (let t = 0; t < T; t += 1) for (let s = 0; s <= t; s += 1) totals[s] += m[t * T + s];
  return totals;
}

function maxOf(values) {
  let top = 0;
  for (const v of values) if (v > top) top = v;
  return top;
}

/** Where 90% of loss t's gradient lands: the earliest step s* with sum over s* ... t >= 90% of the row. */
function horizon(m, T, t) {
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

function html(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v; else node.setAttribute(k, v);
  }
  if (text !== null) node.textContent = text;
  return node;
}

function legend(count) {
  const box = html('div', { class: 'gradients-legend' });
  const ramp = html('span', { class: 'gradients-ramp', 'aria-hidden': 'true' });
  for (let t = 0; t < count; t += 1) {
    const swatch = html('span');
    swatch.style.background = colour(t, count);
    ramp.append(swatch);
  }
  box.append(html('span', { class: 'gradients-legend-label' }, 'colour = loss step t'),
    html('span', { class: 'gradients-legend-end' }, '0'), ramp,
    html('span', { class: 'gradients-legend-end' }, String(count - 1)));
  return box;
}

function tableHtml(panel, m, loss, group) {
  const { T } = panel;
  const head = Array.from({ length: T }, (_, s) => `<th scope="col">s=${s}</th>`).join('');
  const rows = [];
  for (let t = 0; t < T; t += 1) {
    let cells = '';
    for (let s = 0; s < T; s += 1) cells += s <= t ? `<td>${fmt(m[t * T + s])}</td>` : '<td></td>';
    rows.push(`<tr><th scope="row">t=${t} (${escapeHtml(panel.inputLabels[t])})</th><td>${fmt(loss[t])}</td>`
      + `${cells}</tr>`);
  }
  const totals = Array.from(totalsOf(m, T), (v) => `<td>${fmt(v)}</td>`).join('');
  const short = { ih: 'W_ih', hh: 'W_hh', all: 'θ' }[group];
  return `<div class="gradients-table-wrap"><table class="data-table gradients-table" data-run="${escapeHtml(panel.run)}">`
    + `<caption>Run ${escapeHtml(panel.run)}: ‖∂L<sub>t</sub>/∂${short}<sup>(s)</sup>‖, row t = loss step `
    + '(input in brackets), column s = weight step</caption><thead><tr><th scope="col">loss step</th>'
    + `<th scope="col">L<sub>t</sub></th>${head}</tr></thead><tbody>${rows.join('')}</tbody><tfoot><tr>`
    + `<th scope="row">bar total</th><td></td>${totals}</tr></tfoot></table></div>`;
}

function select(id, labelText, options, value, onChange) {
  const wrap = html('span', { class: 'gradients-control' });
  const label = html('label', { for: id }, labelText);
  const input = html('select', { id });
  for (const [v, text] of options) {
    const option = html('option', { value: v }, text);
    if (String(v) === String(value)) option.selected = true;
    input.append(option);
  }
  input.addEventListener('change', () => onChange(input.value));
  wrap.append(label, input);
  return { wrap, input };
}

export default function gradients(state, element) {
  const id = element.id;
  const frame = element.querySelector('.widget-frame');
  const details = element.querySelector('.widget-data');
  const opts = state.options || {};
  let panels = [];
  let resizer = null;
  const view = {
    index: state.snapshot,
    layer: opts.layer ?? 0,
    group: opts.group ?? 'hh',
    scale: opts.scale ?? 'absolute',
    selected: null,
    preview: null,
  };
  const controls = {};

  const active = () => (view.preview ?? view.selected);
  const matrix = (panel) => panel.snaps[view.index].layers[view.layer][view.group];
  const absoluteTop = () => {
    let top = 0;
    for (const panel of panels) {
      for (const snap of panel.snaps) top = Math.max(top, maxOf(totalsOf(snap.layers[view.layer][view.group], panel.T)));
    }
    return top;
  };

  function drawBars(panel, k, width, top, ticks) {
    const { T } = panel;
    const m = matrix(panel);
    const totals = totalsOf(m, T);
    const epoch = panel.snaps[view.index].epoch;
    const height = TOP + BARS_HEIGHT + 4;
    const base = TOP + BARS_HEIGHT;
    const relative = view.scale === 'relative';
    const y1 = relative ? 1 : top;
    const perUnit = BARS_HEIGHT / y1;
    const slot = (width - LEFT - RIGHT) / T;
    const bar = slot * 0.8;
    let peak = 0;
    totals.forEach((v, s) => { if (v > totals[peak]) peak = s; });
    const root = el('svg', {
      class: 'plot gradients-chart', viewBox: `0 0 ${width} ${height}`, role: 'img',
      'aria-labelledby': `${id}-p${k}-title ${id}-p${k}-desc`,
    });
    root.append(
      el('title', { id: `${id}-p${k}-title` },
        `Itemized gradients of run ${panel.run} (${panel.cell.toUpperCase()}), layer ${view.layer}, after epoch ${epoch}`),
      el('desc', { id: `${id}-p${k}-desc` },
        `${T} stacked bars, one per step s: the gradient of the ${GROUP_NAMES[view.group]} used at step s, `
        + `split by the later step t whose loss sent it and coloured by t${relative ? ', as shares of each bar' : ''}. `
        + `The largest bar is at step ${peak} (${fmt(totals[peak])}).`),
    );
    const axis = el('g', { class: 'axis', 'aria-hidden': 'true' });
    for (const tick of relative ? [0, 0.5, 1] : ticks) {
      const y = (base - tick * perUnit).toFixed(2);
      axis.append(el('line', { class: 'grid', x1: LEFT, x2: width - RIGHT, y1: y, y2: y }),
        el('text', { x: LEFT - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'middle' },
          relative ? `${tick * 100}%` : tickLabel(tick)));
    }
    root.append(axis);
    const bars = el('g', {
      class: 'bars', 'data-y0': 0, 'data-y1': y1, 'data-py0': base, 'data-py1': TOP,
    });
    for (let s = 0; s < T; s += 1) {
      const x = LEFT + s * slot + (slot - bar) / 2;
      const g = el('g', { class: 'bar', 'data-s': s });
      let y = base;
      for (let t = s; t < T; t += 1) {
        let value = m[t * T + s];
        if (relative) value = totals[s] > 0 ? value / totals[s] : 0;
        const h = value * perUnit;
        y -= h;
        const rect = el('rect', {
          'data-t': t, 'data-s': s, x: x.toFixed(2), y: y.toFixed(2), width: bar.toFixed(2), height: h.toFixed(2),
          fill: colour(t, T),
        });
        g.append(rect);
      }
      g.append(el('rect', {
        class: 'bar-outline', x: x.toFixed(2), y: y.toFixed(2), width: bar.toFixed(2), height: (base - y).toFixed(2),
      }));
      bars.append(g);
    }
    root.append(bars, el('g', { class: 'horizon', 'aria-hidden': 'true' }));
    root.addEventListener('pointerover', (event) => {
      const t = event.target.closest?.('rect[data-t]')?.dataset.t;
      if (t !== undefined) preview(Number(t));
    });
    root.addEventListener('pointerleave', () => preview(null));
    root.addEventListener('click', (event) => {
      const t = event.target.closest?.('rect[data-t]')?.dataset.t;
      if (t !== undefined) choose(Number(t));
    });
    return root;
  }

  function drawStrip(panel, k, width) {
    const { T } = panel;
    const snap = panel.snaps[view.index];
    const text = panel.kind === 'text';
    const height = STRIP_HEIGHT + 4 + (text ? 16 : 0);
    const top = maxOf(panel.snaps.flatMap((s) => Array.from(s.loss)));
    const y1 = top > 0 ? top : 1;
    const slot = (width - LEFT - RIGHT) / T;
    const bar = slot * 0.8;
    let worst = 0;
    snap.loss.forEach((v, t) => { if (v > snap.loss[worst]) worst = t; });
    const root = el('svg', {
      class: 'plot gradients-strip', viewBox: `0 0 ${width} ${height}`, role: 'img',
      'aria-labelledby': `${id}-p${k}-strip-title ${id}-p${k}-strip-desc`,
    });
    root.append(
      el('title', { id: `${id}-p${k}-strip-title` }, `Loss at each step of run ${panel.run} after epoch ${snap.epoch}`),
      el('desc', { id: `${id}-p${k}-strip-desc` },
        `Bar height is the loss L_t; the largest is at step ${worst} (${fmt(snap.loss[worst])}).`),
    );
    const strip = el('g', {
      class: 'loss-strip', 'data-y0': 0, 'data-y1': y1, 'data-py0': 2 + STRIP_HEIGHT, 'data-py1': 2,
    });
    strip.append(el('text', {
      class: 'axis-title', x: LEFT - 6, y: 2 + STRIP_HEIGHT / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle',
    }, 'loss'));
    strip.append(el('line', {
      class: 'grid', x1: LEFT, x2: width - RIGHT, y1: 2 + STRIP_HEIGHT, y2: 2 + STRIP_HEIGHT,
    }));
    snap.loss.forEach((v, t) => {
      const h = (v / y1) * STRIP_HEIGHT;
      strip.append(el('rect', {
        'data-t': t, x: (LEFT + t * slot + (slot - bar) / 2).toFixed(2), y: (2 + STRIP_HEIGHT - h).toFixed(2),
        width: bar.toFixed(2), height: h.toFixed(2),
      }));
    });
    root.append(strip);
    if (text) {
      const next = el('g', { class: 'axis', 'aria-hidden': 'true' });
      next.append(el('text', { class: 'axis-title', x: LEFT - 6, y: height - 3, 'text-anchor': 'end' }, 'next'));
      panel.targetLabels.forEach((ch, t) => next.append(el('text', {
        class: 'step-label', 'data-t': t, x: (LEFT + (t + 0.5) * slot).toFixed(2), y: height - 3,
        'text-anchor': 'middle',
      }, ch)));
      root.append(next);
    }
    return root;
  }

  function stepButtons(panel, k) {
    const { T } = panel;
    const text = panel.kind === 'text';
    const bar = html('div', {
      class: 'gradients-steps', role: 'toolbar', 'aria-label': `Steps of run ${panel.run}`,
    });
    bar.style.padding = `0 ${RIGHT}px 0 ${LEFT}px`;
    bar.style.gridTemplateColumns = `repeat(${T}, minmax(0, 1fr))`;
    const label = html('span', { class: 'gradients-steps-label', 'aria-hidden': 'true' }, text ? 'input' : 'step');
    label.style.width = `${LEFT - 6}px`;
    bar.append(label);
    for (let t = 0; t < T; t += 1) {
      const button = html('button', {
        type: 'button', class: 'gradients-step', 'data-t': t, tabindex: '-1', 'aria-pressed': 'false',
        'aria-label': `step ${t}${text ? `, input ${panel.inputLabels[t]}, next ${panel.targetLabels[t]}` : ''}`,
      }, text ? panel.inputLabels[t] : String(t));
      bar.append(button);
    }
    bar.addEventListener('focusin', (event) => {
      const t = event.target.dataset?.t;
      if (t !== undefined) choose(Number(t));
    });
    bar.addEventListener('click', (event) => {
      const t = event.target.closest('button')?.dataset.t;
      if (t !== undefined) choose(Number(t));
    });
    bar.addEventListener('pointerover', (event) => {
      const t = event.target.closest('button')?.dataset.t;
      if (t !== undefined) preview(Number(t));
    });
    bar.addEventListener('pointerleave', () => preview(null));
    bar.addEventListener('keydown', (event) => {
      const current = Number(event.target.dataset?.t);
      if (Number.isNaN(current)) return;
      const moves = {
        ArrowLeft: current - 1, ArrowRight: current + 1, ArrowUp: current - 1, ArrowDown: current + 1,
        Home: 0, End: T - 1,
      };
      if (event.key === 'Escape') {
        choose(null);
        event.preventDefault();
        return;
      }
      if (!(event.key in moves)) return;
      event.preventDefault();
      const next = Math.max(0, Math.min(T - 1, moves[event.key]));
      bar.querySelector(`button[data-t="${next}"]`).focus();
      choose(next);
    });
    return bar;
  }

  /** Show the active step's band, bracket and readout in one panel (no redraw of the bars). */
  function highlight(panel) {
    const t = active();
    const { T } = panel;
    const on = t !== null && t < T;
    const chart = panel.nodes.chart.querySelector('svg');
    const strip = panel.nodes.strip.querySelector('svg');
    for (const svgNode of [chart, strip]) {
      if (!svgNode) continue;
      svgNode.classList.toggle('has-active', on);
      svgNode.querySelectorAll('rect[data-t]').forEach((r) => r.classList.toggle('active', on && Number(r.dataset.t) === t));
    }
    strip?.querySelectorAll('text[data-t]').forEach((r) => r.classList.toggle('active', on && Number(r.dataset.t) === t));
    const selected = view.selected !== null && view.selected < T ? view.selected : null;
    panel.nodes.steps.querySelectorAll('button').forEach((b) => {
      const bt = Number(b.dataset.t);
      b.setAttribute('aria-pressed', String(bt === selected));
      b.classList.toggle('active', on && bt === t);
      b.tabIndex = bt === (selected ?? T - 1) ? 0 : -1;
    });
    const bracket = chart?.querySelector('g.horizon');
    bracket?.replaceChildren();
    const m = matrix(panel);
    const loss = panel.snaps[view.index].loss;
    const readout = panel.nodes.readout;
    if (!on) {
      readout.textContent = panel.k === 0 ? IDLE : '';
      panel.nodes.box.dataset.active = '';
      return;
    }
    panel.nodes.box.dataset.active = String(t);
    const h = horizon(m, T, t);
    const what = GROUP_NAMES[view.group];
    const head = `Step ${t}${panel.kind === 'text'
      ? ` (input ${panel.inputLabels[t]}, next ${panel.targetLabels[t]})` : ''}: loss ${fmt(loss[t])}. `;
    if (!h) {
      readout.textContent = `${head}No gradient from this loss reaches the ${what}.`;
      return;
    }
    readout.textContent = `${head}${Math.round(HORIZON_SHARE * 100)}% of its gradient to the ${what} lands on `
      + `${h.reach === 0 ? `step ${t} itself` : `steps ${h.from}–${t}`}: it reaches back ${h.reach} `
      + `step${h.reach === 1 ? '' : 's'}.`;
    if (bracket) {
      const width = Number(chart.getAttribute('viewBox').split(' ')[2]);
      const slot = (width - LEFT - RIGHT) / T;
      const x0 = LEFT + h.from * slot + slot * 0.1;
      const x1 = LEFT + (t + 1) * slot - slot * 0.1;
      const y = TOP - 9;
      bracket.append(
        el('path', { d: `M${x0.toFixed(2)},${y + 5} V${y} H${x1.toFixed(2)} V${y + 5}` }),
        el('text', {
          x: ((x0 + x1) / 2).toFixed(2), y: y - 3, 'text-anchor': 'middle',
        }, h.reach === 0 ? 'own step' : `${Math.round(HORIZON_SHARE * 100)}% within ${h.reach} step${h.reach === 1 ? '' : 's'}`),
      );
    }
  }

  function drawPanel(panel, top, ticks) {
    const width = Math.max(MIN_WIDTH, Math.floor(panel.nodes.chart.clientWidth) || 640);
    panel.width = width;
    panel.nodes.chart.replaceChildren(drawBars(panel, panel.k, width, top, ticks));
    panel.nodes.strip.replaceChildren(drawStrip(panel, panel.k, width));
    const slot = (width - LEFT - RIGHT) / panel.T;
    panel.nodes.steps.classList.toggle('dense', slot < 16);
    if (panel.kind !== 'text') { // step numbers: label every k-th step when the slots get narrow
      const every = Math.max(1, Math.ceil(20 / slot));
      panel.nodes.steps.querySelectorAll('button').forEach((b) => {
        const t = Number(b.dataset.t);
        b.textContent = t % every === 0 ? String(t) : '';
      });
    }
    highlight(panel);
  }

  function drawAll() {
    const [top, ticks] = niceTop(absoluteTop());
    for (const panel of panels) drawPanel(panel, top, ticks);
    details.innerHTML = `<summary>Data</summary>${panels.map((p) => tableHtml(p, matrix(p), p.snaps[view.index].loss,
      view.group)).join('')}`;
    element.dataset.snapshot = String(view.index);
    const epoch = panels[0].snaps[view.index].epoch;
    if (controls.output) controls.output.textContent = `epoch ${epoch}`;
    if (controls.slider) {
      controls.slider.value = String(view.index);
      controls.slider.setAttribute('aria-valuetext', `epoch ${epoch}`);
    }
  }

  function preview(t) {
    if (view.preview === t) return;
    view.preview = t;
    panels.forEach(highlight);
  }

  function choose(t) {
    if (view.selected === t) return;
    view.selected = t;
    panels.forEach(highlight);
    store.set({ step: t }, element);
  }

  function showSnapshot(index) {
    if (index === view.index) return;
    view.index = index;
    drawAll();
  }

  function buildControls() {
    const bar = html('div', { class: 'widget-controls gradients-controls' });
    const layers = Math.min(...panels.map((p) => p.snaps[0].layers.length));
    if (layers > 1) {
      const layerOptions = Array.from({ length: layers }, (_, k) => [k, k === 0 ? '0 (next to the input)'
        : k === layers - 1 ? `${k} (top)` : String(k)]);
      const { wrap } = select(`${id}-layer`, 'Layer', layerOptions, view.layer, (v) => {
        view.layer = Number(v);
        drawAll();
      });
      bar.append(wrap);
    }
    const { wrap: groupWrap } = select(`${id}-group`, 'Parameters', GROUPS.map((g) => [g, GROUP_OPTIONS[g]]),
      view.group, (v) => { view.group = v; drawAll(); });
    bar.append(groupWrap);
    const scale = html('fieldset', { class: 'gradients-control gradients-scale' });
    const legendNode = html('legend', {}, 'Scale');
    const scaleInfo = infoButton('gradients.scale', 'absolute and relative scale');
    if (scaleInfo) legendNode.append(scaleInfo);
    scale.append(legendNode);
    for (const [value, text] of [['absolute', 'absolute'], ['relative', 'share of each bar']]) {
      const label = html('label');
      const radio = html('input', { type: 'radio', name: `${id}-scale`, value });
      radio.checked = view.scale === value;
      radio.addEventListener('change', () => {
        if (radio.checked) { view.scale = value; drawAll(); }
      });
      label.append(radio, ` ${text}`);
      scale.append(label);
    }
    bar.append(scale);
    if (panels[0].snaps.length > 1) {
      const wrap = html('span', { class: 'gradients-control gradients-snapshot' });
      const label = html('label', { for: `${id}-snapshot` }, 'Snapshot');
      const slider = html('input', {
        type: 'range', id: `${id}-snapshot`, min: 0, max: panels[0].snaps.length - 1, step: 1,
      });
      slider.value = String(view.index);
      const output = html('output', { for: slider.id });
      slider.addEventListener('input', () => {
        showSnapshot(Number(slider.value));
        store.set({ epoch: panels[0].snaps[view.index].epoch }, element);
      });
      wrap.append(label, slider, output);
      bar.append(wrap);
      Object.assign(controls, { slider, output });
    } else { // one snapshot (e.g. published by a Python cell): say which epoch it is
      const output = html('output', { class: 'gradients-snapshot' });
      bar.append(output);
      delete controls.slider;
      controls.output = output;
    }
    return bar;
  }

  function mount(data) {
    panels = data.panels.map(panelOf);
    const layers = Math.min(...panels.map((p) => p.snaps[0].layers.length));
    view.layer = Math.min(view.layer, layers - 1);
    view.index = Math.min(view.index, panels[0].snaps.length - 1);
    const fromUrl = panels[0].snaps.findIndex((s) => s.epoch === store.get('epoch'));
    if (fromUrl >= 0) view.index = fromUrl;
    const step = store.get('step');
    view.selected = Number.isInteger(step) && step >= 0 ? step : null;

    const heading = html('p', { class: 'gradients-title' }, 'Itemized gradients');
    const info = infoButton('gradients', 'itemized gradients');
    if (info) heading.append(info);
    const hint = html('p', { class: 'gradients-hint' },
      'Bar s is the gradient that reaches the copy of the weights used at step s, split by the later '
      + 'loss step t that sent it.');
    const horizonInfo = infoButton('gradients.horizon', 'gradient horizon');
    if (horizonInfo) hint.append(horizonInfo);
    const grid = html('div', { class: 'gradients-panels', 'data-count': String(panels.length) });
    panels.forEach((panel, k) => {
      panel.k = k;
      const box = html('div', { class: 'gradients-panel', 'data-run': panel.run });
      const title = html('p', { class: 'gradients-panel-title' }, `${panel.run} `);
      title.append(html('small', {}, panel.cell.toUpperCase()));
      const chart = html('div', { class: 'gradients-chart-box' });
      const steps = stepButtons(panel, k);
      const strip = html('div', { class: 'gradients-strip-box' });
      const readout = html('p', { class: 'gradients-horizon', 'aria-live': 'polite' });
      box.append(title, legend(panel.T), chart, steps, strip, readout);
      panel.nodes = {
        box, chart, steps, strip, readout,
      };
      grid.append(box);
    });
    frame.replaceChildren(heading, buildControls(), hint, grid);
    drawAll();
    resizer?.disconnect();
    let pending = false;
    resizer = new ResizeObserver(() => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        if (panels.some((p) => Math.max(MIN_WIDTH, Math.floor(p.nodes.chart.clientWidth) || 640) !== p.width)) drawAll();
      });
    });
    panels.forEach((p) => resizer.observe(p.nodes.chart));
  }

  mount(state.data);
  store.subscribe('epoch', (epoch) => {
    const index = panels[0].snaps.findIndex((s) => s.epoch === epoch);
    if (index >= 0) showSnapshot(index);
  }, element);
  store.subscribe('step', (step) => {
    const t = Number.isInteger(step) && step >= 0 ? step : null;
    if (t === view.selected) return;
    view.selected = t;
    panels.forEach(highlight);
  }, element);

  return {
    /** Replace the data (e.g. streamed from an in-browser run) and show its last snapshot. */
    update(next) {
      view.index = next.data.panels[0].snapshots.length - 1;
      mount(next.data);
      view.index = panels[0].snaps.length - 1;
      drawAll();
    },
  };
}
