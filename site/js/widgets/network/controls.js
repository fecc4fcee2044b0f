// Sliders of {network} that snap to the values present in the grid of runs. Native <input type=range>
// with a label, an <output>, tick marks (a <datalist>) at the precomputed values and aria-valuetext.
// Pointer input snaps to the closest precomputed value; arrow keys, Page Up/Down, Home and End move
// between precomputed values (a keydown handler on the slider itself, never on the document).
import { closestIndex } from 'unrolled/widgets/network/grid.js';

let counter = 0;

/** Number as the widget shows a setting: 0.01, 25, 0.2 (network.py `fmt_number`). */
export function formatSetting(v) {
  return typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v);
}

/**
 * A snapping slider. spec: {id, label, name (for aria-valuetext), info (button or null), toSlider(v),
 * fromSlider(x), min, max, step, onChange(value)}. Returns {element, set(value, values), disable(reason)}.
 */
export function snapSlider(spec) {
  counter += 1;
  const wrap = document.createElement('div');
  wrap.className = 'net-slider';
  const top = document.createElement('div');
  top.className = 'net-slider-top';
  const label = document.createElement('label');
  label.htmlFor = spec.id;
  label.textContent = spec.label;
  const output = document.createElement('output');
  output.htmlFor = spec.id;
  top.append(label);
  if (spec.info) top.append(spec.info);
  top.append(output);
  const input = document.createElement('input');
  Object.assign(input, { type: 'range', id: spec.id, min: spec.min, max: spec.max, step: spec.step });
  const list = document.createElement('datalist');
  list.id = `${spec.id}-ticks-${counter}`;
  input.setAttribute('list', list.id);
  const note = document.createElement('p');
  note.className = 'net-slider-note';
  note.id = `${spec.id}-note`;
  wrap.append(top, input, list, note);

  let values = [];
  let value = null;
  const show = (v) => {
    value = v;
    input.value = String(spec.toSlider(v));
    const text = formatSetting(v);
    output.textContent = text;
    input.setAttribute('aria-valuetext', `${spec.name} ${text}`);
  };
  const choose = (index) => {
    const i = Math.max(0, Math.min(values.length - 1, index));
    const v = values[i];
    show(v);
    spec.onChange(v);
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
    element: wrap,
    input,
    /**
     * Show `v`; `all` = the values offered (tick marks); `reason` disables the slider with a note; `extra`
     * adds to the note (e.g. why other values are not offered) without disabling.
     */
    set(v, all, reason = '', extra = '') {
      values = all;
      list.replaceChildren(...all.map((a) => Object.assign(document.createElement('option'), { value: spec.toSlider(a) })));
      show(v);
      const why = reason || (all.length < 2 ? `only ${formatSetting(all[0] ?? v)} was precomputed` : '');
      const text = [why, extra].filter(Boolean).join('; ');
      input.disabled = Boolean(why);
      note.textContent = text;
      note.hidden = !text;
      if (text) input.setAttribute('aria-describedby', note.id); else input.removeAttribute('aria-describedby');
      wrap.classList.toggle('is-disabled', Boolean(why));
    },
  };
}
