// Sliders of {network} that snap to the values present in the grid of runs. Native <input type=range>
// with a label, an <output>, tick marks (a <datalist>) at the precomputed values and aria-valuetext.
// Pointer input snaps to the closest precomputed value; arrow keys, Page Up/Down, Home and End move
// between precomputed values (a keydown handler on the slider itself, never on the document).
// `slider` is the markup (first frame and live view); `bindSlider` makes one work and updates it in
// place, so a slider keeps keyboard focus while the reader moves it.
import { rounded } from 'unrolled/lib/format.js';
import { h, join } from 'unrolled/lib/html.js';
import { closestIndex } from 'unrolled/widgets/network/grid.js';

/** Number as the widget shows a setting: 0.01, 25, 0.2. */
export function formatSetting(v) {
  return typeof v === 'number' ? rounded(v) : String(v);
}

/** The three sliders: label, the name in aria-valuetext, explanation key, and the slider's own scale. */
export const SLIDERS = {
  lr: {
    label: 'Learning rate', name: 'learning rate', step: 0.01, toSlider: (v) => Math.log10(v), fromSlider: (x) => 10 ** x,
  },
  batch: {
    label: 'Batch size', name: 'batch size', step: 1, toSlider: (v) => v, fromSlider: (x) => x,
  },
  noise: {
    label: 'Noise', name: 'noise', step: 0.01, toSlider: (v) => v, fromSlider: (x) => x,
  },
};

const ticks = (spec, values) => join(values.map((v) => h('option', { value: spec.toSlider(v) })));

/**
 * One slider as markup. state = {value, values (offered: the tick marks), min, max, disabled, note}
 * (unrolled/widgets/network/model.js `slider`).
 */
export function slider(id, dim, state) {
  const spec = SLIDERS[dim];
  const sid = `${id}-${dim}`;
  const text = formatSetting(state.value);
  return h('div', { class: state.disabled ? 'net-slider is-disabled' : 'net-slider' },
    h('div', { class: 'net-slider-top' }, h('label', { for: sid }, spec.label), h('output', { for: sid }, text)),
    h('input', {
      type: 'range', id: sid, min: state.min, max: state.max, step: spec.step, list: `${sid}-ticks`,
      value: spec.toSlider(state.value), 'aria-valuetext': `${spec.name} ${text}`, disabled: state.disabled,
      'aria-describedby': state.note ? `${sid}-note` : null,
    }),
    h('datalist', { id: `${sid}-ticks` }, ticks(spec, state.values)),
    h('p', { class: 'net-slider-note', id: `${sid}-note`, hidden: !state.note }, state.note));
}

/** Make the slider `wrap` (drawn by `slider`) snap and report; returns {input, set(state)}. */
export function bindSlider(wrap, dim, onChange) {
  const spec = SLIDERS[dim];
  const input = wrap.querySelector('input');
  const output = wrap.querySelector('output');
  const list = wrap.querySelector('datalist');
  const note = wrap.querySelector('.net-slider-note');
  let values = Array.from(list.options, (o) => spec.fromSlider(Number(o.value)));
  let value = spec.fromSlider(Number(input.value));
  const show = (v) => {
    value = v;
    input.value = String(spec.toSlider(v));
    const text = formatSetting(v);
    output.textContent = text;
    input.setAttribute('aria-valuetext', `${spec.name} ${text}`);
  };
  const choose = (index) => {
    const v = values[Math.max(0, Math.min(values.length - 1, index))];
    show(v);
    onChange(v);
  };
  input.addEventListener('input', () => {
    if (!values.length) return;
    choose(closestIndex(values, spec.fromSlider(Number(input.value)), (x) => spec.toSlider(x)));
  });
  input.addEventListener('keydown', (event) => {
    if (!values.length) return;
    const i = closestIndex(values, value, (x) => spec.toSlider(x));
    const moves = {
      ArrowRight: i + 1, ArrowUp: i + 1, PageUp: i + 1, ArrowLeft: i - 1, ArrowDown: i - 1, PageDown: i - 1,
      Home: 0, End: values.length - 1,
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = Math.max(0, Math.min(values.length - 1, moves[event.key]));
    if (next !== i) choose(next);
  });

  return {
    input,
    /** Show `state` (as `slider` draws it) on the same elements. */
    set(state) {
      values = state.values;
      // ranges first: a range input clamps its value to the bounds it has when the value is set
      input.min = String(state.min);
      input.max = String(state.max);
      list.innerHTML = String(ticks(spec, values));
      show(state.value);
      input.disabled = state.disabled;
      note.textContent = state.note;
      note.hidden = !state.note;
      if (state.note) input.setAttribute('aria-describedby', note.id); else input.removeAttribute('aria-describedby');
      wrap.classList.toggle('is-disabled', state.disabled);
    },
  };
}
