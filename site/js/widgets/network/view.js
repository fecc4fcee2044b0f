// {network} as markup (unrolled/lib/html.js), pure: the generator renders the first frame with `figure`
// at build time, and the live view starts from the same markup and redraws its parts with the functions
// below (each part's markup is what the controller puts back in place).
// Layout: a header, the columns input | layers | prediction, then training phases | controls | sliders.
import { fixed } from 'unrolled/lib/format.js';
import { h, join } from 'unrolled/lib/html.js';
import * as model from 'unrolled/widgets/network/model.js';
import { formatSetting, slider } from 'unrolled/widgets/network/controls.js';
import {
  functionPlot, snapshotTable, sparkline, textPlot,
} from 'unrolled/widgets/network/plot.js';
import { stack } from 'unrolled/widgets/network/stack.js';
import { thumbnail } from 'unrolled/widgets/network/thumbs.js';

export const PHASES = [
  { key: 'forward', name: 'Forward', text: 'the window flows through the layers, one step at a time' },
  { key: 'validation', name: 'Validation', text: 'the prediction is compared with the target' },
  { key: 'backward', name: 'Backward', text: 'the error flows back through layers and time; weights change' },
];

const icon = (d) => h('svg', { viewBox: '0 0 16 16', width: 14, height: 14 }, h('path', { fill: 'currentColor', d }));
export const ICONS = {
  play: icon('M4 2.5v11l9.5-5.5z'),
  pause: icon('M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z'),
  step: icon('M2.5 2.5v11l8-5.5zM11 2.5h2.5v11H11z'),
  reset: icon('M2.5 2.5H5v11H2.5zM13.5 2.5v11l-8-5.5z'),
};
const KEYS = ['input', 'target', 'prediction', 'error', 'rollout'];

const heading = (text, id) => h('div', { class: 'net-heading' }, h('span', { class: 'net-heading-text', id }, text));

/** The header's line: the shown run and its settings, or the settings no run has. */
export function summary(m) {
  if (m.missing) return join(['No precomputed run: ', model.describeSettings(m.settings), '.']);
  return join(['Run ', h('strong', {}, m.current.run), `: ${model.describeSettings(m.current.settings)}.`]);
}

/** The thumbnail of one input (inside its label's .net-thumb-box). */
export const inputThumb = (input) => thumbnail(input.name, input.noise, input.values);

function inputColumn(m, id) {
  return h('fieldset', { class: 'net-col net-input' },
    h('legend', { class: 'net-heading' }, h('span', { class: 'net-heading-text' }, 'Input')),
    h('div', { class: 'net-datasets' }, model.inputs(m).map((d) => h('label', {
      class: `net-dataset${d.absent ? ' is-missing' : ''}${d.selected ? ' is-selected' : ''}`,
    },
    h('input', {
      type: 'radio', name: `${id}-dataset`, value: d.name, checked: d.selected, disabled: d.disabled,
    }),
    h('span', { class: 'net-thumb-box' }, inputThumb(d)),
    h('span', { class: 'net-dataset-name' }, d.label),
    d.absent ? h('span', { class: 'net-sr' }, ' (no precomputed run)') : null))));
}

/** The <option>s of the cell or units select. */
export const selectOptions = (state) => join(state.options.map((o) => h('option', {
  value: o.value, disabled: Boolean(o.title), title: o.title, selected: o.value === state.value,
}, o.text)));

function networkColumn(m, id, openable) {
  const select = (dim, text) => {
    const state = model.select(m, dim);
    return h('div', { class: 'net-select', hidden: state.hidden },
      h('label', { for: `${id}-${dim}` }, text), h('select', { id: `${id}-${dim}` }, selectOptions(state)));
  };
  return h('section', { class: 'net-col net-network', 'aria-labelledby': `${id}-layers` },
    heading('Layers', `${id}-layers`),
    h('div', { class: 'net-stack-box' }, stack(model.layers(m, openable))),
    h('div', { class: 'net-selects' }, select('cell', 'Cell'), select('hidden', 'Units per layer')));
}

/** The text and the action of the "not precomputed" box (its button's `nearest` run). */
export function missing(m) {
  const near = model.nearest(m);
  return join([
    h('p', { class: 'net-missing-text' }, h('strong', {}, 'Not precomputed. '),
      `No run in this grid has these settings (${model.describeSettings(m.settings)}).`,
      m.live ? ' Press Play or Step to train it here, in the page\'s Python.' : null),
    h('button', { class: 'net-nearest', type: 'button', title: model.describeSettings(near.settings) },
      `Show the nearest run: ${near.run}`)]);
}

/** The plot (or character strip) of the shown snapshot. */
export const plot = (m, id) => (m.current.kind === 'function' ? functionPlot(m.current, m.snapIndex, `${id}-plot`)
  : textPlot(m.current, m.snapIndex, `${id}-plot`));

function predictionColumn(m, id) {
  return h('section', { class: 'net-col net-prediction', 'aria-labelledby': `${id}-prediction` },
    heading('Prediction', `${id}-prediction`),
    h('div', { class: 'net-missing', hidden: !m.missing }, m.missing ? missing(m) : null),
    h('div', { class: 'net-plot-box' }, m.missing ? null : plot(m, id)),
    h('ul', { class: 'net-key', 'aria-hidden': 'true', hidden: m.current.kind !== 'function' },
      KEYS.map((k) => h('li', { class: `key-${k}` }, h('span', { class: 'key-swatch' }), k === 'rollout' ? 'roll-out' : k))));
}

/** The validation loss and window error in words, and the sparkline. */
export function lossLine(m) {
  const s = model.snap(m);
  return join([h('span', { class: 'net-loss-text' }, model.lossText(m.current, s).map((line) => h('span', {}, line))),
    sparkline(m.current.loss, s.epoch)]);
}

/** Play, Step and Reset: whether each is offered (`aria-disabled`, so a focused button keeps focus). */
export function buttons(m, { playing, busy }) {
  return {
    playing,
    play: m.missing && !m.live,
    step: m.live ? busy : m.missing || busy || m.snapIndex >= model.lastIndex(m),
    reset: m.missing && !m.live,
  };
}

function button(cls, iconName, text, disabled, title = null) {
  return h('button', { class: `net-button ${cls}`, type: 'button', title, 'aria-disabled': String(disabled) },
    h('span', { class: 'net-icon', 'aria-hidden': 'true' }, ICONS[iconName]),
    h('span', { class: 'net-button-text' }, text));
}

function bottom(m, id, state) {
  const b = buttons(m, state);
  const sliders = model.sliders(m);
  return h('div', { class: 'net-bottom' },
    h('section', { class: 'net-phases', 'aria-labelledby': `${id}-phases` }, heading('Training', `${id}-phases`),
      h('ol', { class: 'net-phase-list' }, PHASES.map((p) => h('li', {
        class: `net-phase net-phase-${p.key}`, 'data-phase': p.key,
      },
        h('span', { class: 'net-phase-name' }, p.name), h('span', { class: 'net-phase-text' }, p.text))))),
    h('section', { class: 'net-controls', 'aria-label': 'Training controls' },
      h('div', { class: 'net-buttons' },
        button('net-reset', 'reset', 'Reset', b.reset, 'Back to the first snapshot'),
        button('net-play', b.playing ? 'pause' : 'play', b.playing ? 'Pause' : 'Play', b.play),
        button('net-step', 'step', 'Step', b.step, 'Train to the next snapshot')),
      h('div', { class: 'net-epoch' },
        h('span', { class: 'net-epoch-label', id: `${id}-epoch-label` }, 'Epoch'),
        h('output', { class: 'net-epoch-value', 'aria-labelledby': `${id}-epoch-label` }, model.snap(m).epoch),
        h('span', { class: 'net-epoch-of' }, `of ${m.current.snaps[model.lastIndex(m)].epoch}`)),
      h('p', { class: 'net-loss' }, lossLine(m))),
    h('section', { class: 'net-sliders', 'aria-label': 'Training settings' },
      ['lr', 'batch', 'noise'].map((dim) => slider(id, dim, sliders[dim]))));
}

/**
 * The whole widget. `openable`: a {cell} view of the shown run is on the page; `state` = {playing, busy}
 * (Play is running; a play or step is under way).
 */
export function figure(m, id, { openable = false, playing = false, busy = false } = {}) {
  return h('div', { class: m.missing ? 'net is-missing' : 'net' },
    h('div', { class: 'net-head' }, heading('Network', `${id}-title`),
      h('p', { class: 'net-summary', id: `${id}-summary` }, summary(m))),
    h('div', { class: 'net-columns' }, inputColumn(m, id), networkColumn(m, id, openable), predictionColumn(m, id)),
    bottom(m, id, { playing, busy }),
    h('p', { class: 'net-sr', 'aria-live': 'polite', id: `${id}-live` }));
}

/** The shown snapshot in words and as a table (the data table's first part; the live view redraws it). */
export function snapshotPart(m) {
  const s = model.snap(m);
  return h('div', { class: 'net-snapshot-table' },
    h('p', {}, `Run ${m.current.run}, epoch ${s.epoch}: ${model.describeSettings(m.current.settings)}.`),
    snapshotTable(m.current, s));
}

/** Every run of the grid: its settings, epochs and final validation loss. */
export function gridTable(m) {
  const dims = ['dataset', 'cell', 'layers', 'hidden', 'lr', 'batch', 'noise', 'epochs'];
  return h('table', { class: 'data-table net-grid-table' }, h('caption', {}, 'Precomputed runs'),
    h('thead', {}, h('tr', {}, ['run', ...dims, 'final validation loss'].map((k) => h('th', { scope: 'col' }, k)))),
    h('tbody', {}, m.runs.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.run),
      dims.map((k) => h('td', {}, formatSetting(r.settings[k]))), h('td', {}, fixed(r.loss.validation.at(-1), 4))))));
}
