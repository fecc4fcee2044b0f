// {cell} for an author's own cell (`model = "cells.py:Class"`): no built-in diagram exists, so the view
// is generic: the cell's input, previous output, its named intermediates in the order its step computes
// them, and its output, each a heat strip of the traced values at step t (forward), or the gradients
// ∂L/∂value of the same quantities in reverse order (backward). `frame` renders the first frame (the
// generator calls it through Node, so the page's static figure is this module's own markup) and
// `generic` makes it live: step, phase, epoch and layer controls, linked to `epoch`, `step`, `layer`.
//
// Payload (generator/directives/cell_custom.py, `payload`): {run, kind, cell: "custom", model, sequence,
// names: [per layer, intermediate names in order], snapshots: [{epoch, input, target, output, loss,
// layers: [{x, h_prev, h, dh, forward: {name}, backward: {name}}]}], vocab?}; arrays (T, n) float32.
import { decode } from 'unrolled/lib/arrays.js';
import { escape } from 'unrolled/lib/html.js';
import * as store from 'unrolled/lib/state.js';
import { colour, exact } from 'unrolled/widgets/cell/format.js';
import { short } from 'unrolled/lib/format.js';
import { legend } from 'unrolled/widgets/cell/view.js';

const COLS = 32; // units per strip row
const SIZE = 12; // px per unit square
const PHASES = ['forward', 'backward'];


/** The (T, n) array at `key` as rows: shape from the encoding, or from a nested list. */
function matrix(value) {
  if (Array.isArray(value)) return value.map((row) => Float64Array.from(row));
  const flat = decode(value);
  const [t, n] = value.shape;
  return Array.from({ length: t }, (_, i) => flat.subarray(i * n, (i + 1) * n));
}

/** The strips of one layer in one phase: [{key, label, values (T rows)}], in drawing order. */
export function rows(data, snapshot, layer, phase) {
  const lay = data.snapshots[snapshot].layers[layer];
  const names = data.names[layer];
  if (phase === 'forward') {
    return [
      { key: 'x', label: layer === 0 ? 'x_t (input)' : `x_t (h of layer ${layer})`, values: matrix(lay.x) },
      { key: 'h_prev', label: 'h_t−1 (previous)', values: matrix(lay.h_prev) },
      ...names.map((n) => ({ key: n, label: n, values: matrix(lay.forward[n]) })),
      { key: 'h', label: 'h_t (output)', values: matrix(lay.h) },
    ];
  }
  return [
    { key: 'dh', label: '∂L/∂h_t', values: matrix(lay.dh) },
    ...names.slice().reverse().map((n) => ({ key: n, label: `∂L/∂${n}`, values: matrix(lay.backward[n]) })),
  ];
}

/** Half-width of the backward colour scale: the largest |gradient| of the layer over all steps. */
export function gradDomain(strips) {
  let peak = 0;
  for (const s of strips) for (const row of s.values) for (const v of row) peak = Math.max(peak, Math.abs(v));
  return peak > 0 ? peak : 1;
}

function strip(s, step, domain, log) {
  const values = s.values[step];
  const cols = Math.min(values.length, COLS);
  const height = Math.ceil(values.length / cols) * SIZE;
  const units = Array.from(values, (v, j) => `<rect class="unit" x="${(j % cols) * SIZE}" y="${Math.floor(j / cols) * SIZE}" `
    + `width="${SIZE}" height="${SIZE}" fill="${colour(v, domain, log)}" data-value="${exact(v)}">`
    + `<title>${escape(s.label)}[${j}]: ${short(v)}</title></rect>`).join('');
  return `<li class="generic-strip" data-key="${escape(s.key)}"><span class="generic-name">${escape(s.label)}</span>`
    + `<svg class="generic-units" width="${cols * SIZE}" height="${height}" viewBox="0 0 ${cols * SIZE} ${height}" `
    + `role="img" aria-label="${escape(s.label)}: ${values.length} values at step t = ${step}">${units}</svg>`
    + `<span class="generic-count">${values.length}</span></li>`;
}

function control(name, label, value, max, text) {
  return `<label class="generic-control">${label} <input type="range" name="${name}" min="0" max="${max}" `
    + `value="${value}" aria-valuetext="${escape(text)}"><output>${escape(text)}</output></label>`;
}

/** The whole view at one position; options {snapshot (index), layer, step, phase}. */
export function frame(data, options) {
  const snapshot = options.snapshot ?? data.snapshots.length - 1;
  const { layer = 0, step = 0, phase = 'forward' } = options;
  const epoch = data.snapshots[snapshot].epoch;
  const layers = data.snapshots[snapshot].layers.length;
  const strips = rows(data, snapshot, layer, phase);
  const log = phase === 'backward';
  const domain = log ? gradDomain(strips) : 1;
  const steps = strips[0].values.length;
  const where = `layer ${layer + 1} of ${layers}, epoch ${epoch}`;
  const phases = PHASES.map((p) => `<button type="button" class="generic-phase" data-phase="${p}" `
    + `aria-pressed="${p === phase}">${p === 'forward' ? 'Forward' : 'Backward'}</button>`).join('');
  const layerButtons = layers > 1 ? `<span class="generic-layers">${Array.from({ length: layers }, (_, k) => (
    `<button type="button" class="generic-layer" data-layer="${k}" aria-pressed="${k === layer}">Layer ${k + 1}</button>`)).join('')}</span>` : '';
  return `<div class="cell-view cell-custom" data-phase="${phase}" data-step="${step}" data-layer="${layer}" `
    + `data-epoch="${epoch}" data-snapshot="${snapshot}">`
    + `<div class="cell-head"><p class="cell-title"><strong>${escape(data.model || 'Custom cell')}</strong> `
    + `<span class="cell-where">${escape(where)}</span></p></div>`
    + `<div class="generic-controls"><span class="generic-phases">${phases}</span>${layerButtons}`
    + control('step', 'Step', step, steps - 1, `t = ${step} of ${steps - 1}`)
    + control('snapshot', 'Epoch', snapshot, data.snapshots.length - 1, `epoch ${epoch}`)
    + '</div>'
    + `<p class="cell-phase-name">${phase === 'forward' ? 'Forward pass: values in the order the step computes them'
      : 'Backward pass: ∂L/∂value of L = Σ L_t, from the output back'}, step t = ${step}</p>`
    + `<ol class="generic-strips">${strips.map((s) => strip(s, step, domain, log)).join('')}</ol>`
    + `${legend(phase, domain)}</div>`;
}

/** The text alternative: every strip's exact values at the first frame's position. */
export function dataTable(data, options) {
  const snapshot = options.snapshot ?? data.snapshots.length - 1;
  const { layer = 0, step = 0, phase = 'forward' } = options;
  const body = rows(data, snapshot, layer, phase).map((s) => `<tr><th scope="row">${escape(s.label)}</th>`
    + `<td>${Array.from(s.values[step], (v) => short(v)).join(' ')}</td></tr>`).join('');
  return `<table><caption>${phase} values at step t = ${step}, layer ${layer + 1}, epoch `
    + `${data.snapshots[snapshot].epoch}</caption><tbody>${body}</tbody></table>`;
}

/** The live view: the same markup redrawn on every change, controls wired, linked state kept. */
export function generic(state, element) {
  const { data } = state;
  const box = element.querySelector('.widget-frame');
  const details = element.querySelector('.widget-data');
  const opts = { ...(state.options || {}), snapshot: state.snapshot ?? data.snapshots.length - 1 };
  const steps = () => matrix(data.snapshots[0].layers[0].h).length;
  const draw = () => {
    box.innerHTML = frame(data, opts);
    const table = details?.querySelector('table');
    if (table) table.outerHTML = dataTable(data, opts);
    box.querySelectorAll('.generic-phase').forEach((b) => b.addEventListener('click', () => {
      opts.phase = b.dataset.phase;
      draw();
    }));
    box.querySelectorAll('.generic-layer').forEach((b) => b.addEventListener('click', () => {
      opts.layer = Number(b.dataset.layer);
      draw();
      store.set({ layer: opts.layer }, element);
    }));
    box.querySelector('input[name=step]').addEventListener('input', (e) => {
      opts.step = Number(e.target.value);
      draw();
      box.querySelector('input[name=step]').focus();
      store.set({ step: opts.step }, element);
    });
    box.querySelector('input[name=snapshot]').addEventListener('input', (e) => {
      opts.snapshot = Number(e.target.value);
      draw();
      box.querySelector('input[name=snapshot]').focus();
      store.set({ epoch: data.snapshots[opts.snapshot].epoch }, element);
    });
  };
  const fromStore = () => {
    const epoch = store.get('epoch');
    const index = data.snapshots.findIndex((s) => s.epoch === epoch);
    if (index >= 0) opts.snapshot = index;
    const step = store.get('step');
    if (step !== undefined && step < steps()) opts.step = step;
    const layer = store.get('layer');
    if (layer !== undefined && layer < data.names.length) opts.layer = layer;
  };
  fromStore();
  draw();
  for (const key of ['epoch', 'step', 'layer']) {
    store.subscribe(key, () => {
      fromStore();
      draw();
    }, element);
  }
  return {};
}
