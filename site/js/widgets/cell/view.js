// {cell}: the view as markup (unrolled/lib/html.js), pure. `view` draws the whole figure at a position
// (the first frame, and the live view when it hydrates); the parts that change with the position
// (diagram, legend, stages, plot, tables) are drawn by the same functions when the reader moves.
import { h, join, raw } from 'unrolled/lib/html.js';
import { gradient, legendTicks } from 'unrolled/widgets/cell/format.js';
import { short } from 'unrolled/lib/format.js';
import { diagram } from 'unrolled/widgets/cell/diagram.js';
import { domainOf, drawFunction, drawText } from 'unrolled/widgets/cell/seqplot.js';
import {
  PHASES, gradDomain, headingOf, indexOf, ioText, layersOf, sequenceRows, stepsOf, tableRows, total, whereText,
} from 'unrolled/widgets/cell/model.js';

export const SPEEDS = [0.5, 1, 2, 4];
export const BASE_INTERVAL = 1000; // ms per compute step at 1×
export const READOUT = 'Hover over or focus a unit, or step with ‹ ›, to read its exact value.';

const passName = (phase) => (phase === 'forward' ? 'Forward' : 'Backward');

/** The colour legend: values (linear, ±1) forward, gradients (signed log over three decades) backward. */
export function legend(phase, domain) {
  const [ticks, marks] = legendTicks(phase, domain);
  return h(
    'div',
    { class: 'cell-legend', 'data-phase': phase },
    h('span', { class: 'cell-legend-title' }, phase === 'forward' ? 'value' : 'gradient ∂L/∂·, log scale (marks: ×10)'),
    h(
      'span',
      { class: 'cell-legend-scale' },
      h('span', { class: 'cell-legend-bar', style: `background: ${gradient()}` },
        marks.map((m) => h('span', { class: 'cell-legend-mark', style: `left: ${m.toFixed(2)}%` }))),
      h('span', { class: 'cell-legend-ticks' }, ticks.map(([p, t]) => h('span', { style: `left: ${p.toFixed(2)}%` }, t))),
    ),
  );
}

export function diagramOf(m, view, id, focus = { node: 0, unit: 0 }) {
  return diagram(m.dia, m.dia.layers[view.layer], {
    phase: view.phase, stage: view.stage, t: view.t, values: m.snaps[view.snap].layers[view.layer],
    domain: gradDomain(m, view.snap, view.layer), heading: headingOf(m, view), focus,
  }, id);
}

export const legendOf = (m, view) => legend(view.phase, gradDomain(m, view.snap, view.layer));

export function plotOf(m, view, id) {
  const snap = m.snaps[view.snap];
  return m.data.kind === 'text' ? drawText(snap, view.t, view.phase, m.data.vocab, id)
    : drawFunction(snap, view.t, view.phase, domainOf(m.snaps), id);
}

/** Width (px) below which the diagram scrolls sideways (css/cell.css's container query). */
const NARROW = 460;

/**
 * The units one at a time: Previous / Next unit step the diagram's roving tab stop through every unit
 * (units.js), and the readout between them tells the value. The squares are too small to tap on a phone;
 * these 24 px buttons are their equivalent control.
 */
function unitNav(id) {
  return h(
    'div',
    { class: 'cell-unit-nav', id: `${id}-unit-nav`, role: 'group', 'aria-label': 'Read the units one by one' },
    h('button', { type: 'button', class: 'cell-unit-prev', 'aria-label': 'Previous unit' }, '‹'),
    h('p', { class: 'cell-readout', 'aria-hidden': 'true' }, READOUT),
    h('button', { type: 'button', class: 'cell-unit-next', 'aria-label': 'Next unit' }, '›'),
  );
}

export const stageClass = (k, stage) => (k === stage ? 'is-active' : k < stage ? 'is-done' : null);

/** The compute steps of the phase, the current one marked. */
export function stages(m, view) {
  return m.dia.stages[view.phase].map((s, k) => h(
    'li',
    { class: stageClass(k, view.stage) },
    h('button', { type: 'button', class: 'cell-stage', 'aria-current': k === view.stage ? 'step' : null },
      h('span', { class: 'stage-num' }, String(k + 1)), ' ', h('span', { class: 'stage-name' }, s.name)),
    ' ',
    h('span', { class: 'stage-text' }, raw(s.html)),
  ));
}

/**
 * The phase's equations (KaTeX from the payload), those of the current compute step marked. A long one
 * scrolls sideways inside its line, at widths only the browser knows, so every line is a tab stop.
 */
export function equations(m, view) {
  const side = view.phase === 'forward' ? 'f' : 'b';
  return m.dia.equations.map((e, k) => [e, k]).filter(([e]) => e[side] >= 0).map(([e, k]) => h('li', {
    class: e[side] === view.stage ? 'is-active' : null, 'data-stage': e[side], 'data-equation': k, tabindex: 0,
  }, raw(e.html)));
}

export const phaseText = (m, view) => `${passName(view.phase)} pass, step t = ${view.t} of ${stepsOf(m) - 1}`;
export const sliderText = (m, view) => `${view.t} of ${stepsOf(m) - 1}`;

function controls(m, view, id) {
  const steps = stepsOf(m);
  const index = indexOf(m, view);
  const field = (forId, label, control) => h('span', { class: 'cell-field' }, h('label', { for: forId }, label), control);
  const select = (name, items, value, attrs = {}) => h('select', { id: `${id}-${name}`, ...attrs },
    items.map(([v, text]) => h('option', { value: String(v), selected: v === value }, text)));
  return h(
    'div',
    { class: 'cell-controls' },
    h('div', { class: 'cell-group', role: 'group', 'aria-label': 'Jump to a pass' }, PHASES.map((phase) => h('button', {
      type: 'button', class: `cell-phase cell-phase-${phase}`, 'aria-pressed': String(phase === view.phase),
    }, `${passName(phase)} pass`))),
    h(
      'div',
      { class: 'cell-group', role: 'group', 'aria-label': 'Step through the computation' },
      h('button', {
        type: 'button', class: 'cell-prev', 'aria-label': 'Previous compute step', disabled: index === 0,
      }, '◀ Previous'),
      h('button', { type: 'button', class: 'cell-play' }, 'Play'),
      h('button', {
        type: 'button', class: 'cell-next', 'aria-label': 'Next compute step', disabled: index === total(m) - 1,
      }, 'Next ▶'),
      field(`${id}-speed`, 'Speed', select('speed', SPEEDS.map((s) => [s, `${s}×`]), 1, { class: 'cell-speed' })),
    ),
    h(
      'div',
      { class: 'cell-slider' },
      h('label', { for: `${id}-step` }, 'Time step t'),
      h('input', {
        type: 'range', id: `${id}-step`, min: 0, max: steps - 1, step: 1, value: view.t, class: 'cell-step',
        'aria-valuetext': `t = ${view.t} of ${steps - 1}`,
      }),
      h('output', { for: `${id}-step` }, sliderText(m, view)),
    ),
    h(
      'div',
      { class: 'cell-group cell-pickers' },
      field(`${id}-layer`, 'Layer', select('layer', m.snaps[0].layers.map((_, k) => [k, k === 0
        ? `1 (reads the ${m.data.kind === 'text' ? 'text' : 'data'})` : String(k + 1)]), view.layer,
      { disabled: layersOf(m) < 2 })),
      field(`${id}-epoch`, 'Epoch', select('epoch', m.snaps.map((s, k) => [k, String(s.epoch)]), view.snap,
        { disabled: m.snaps.length < 2 })),
    ),
  );
}

/** The data attributes of the position, on the view and on its figure. */
export function positionAttrs(m, view) {
  return {
    phase: view.phase, stage: String(view.stage), step: String(view.t), layer: String(view.layer),
    epoch: String(m.snaps[view.snap].epoch),
  };
}

/** The whole view at a position. */
export function view(m, position, id) {
  const { dia, data } = m;
  const attrs = Object.fromEntries(Object.entries(positionAttrs(m, position)).map(([k, v]) => [`data-${k}`, v]));
  return h(
    'div',
    {
      class: `cell-view cell-${dia.cell}`, ...attrs, 'data-interval': BASE_INTERVAL, 'data-playing': 'false',
    },
    h(
      'div',
      { class: 'cell-head' },
      h('p', { class: 'cell-title', id: `${id}-title` }, h('strong', {}, dia.title), ' ',
        h('span', { class: 'cell-where' }, whereText(m, position))),
      h('button', {
        type: 'button', class: 'cell-expand', 'aria-expanded': 'false', 'aria-label': 'Expand the cell view',
      }, 'Expand'),
    ),
    h(
      'div',
      { class: 'cell-body' },
      h('div', { class: 'cell-main' }, h('div', { class: 'cell-diagram-wrap' }, diagramOf(m, position, id)),
        dia.width > NARROW ? h('p', { class: 'cell-scroll-hint', 'aria-hidden': 'true' },
          'Swipe the diagram sideways to see all of it.') : null,
        unitNav(id), legendOf(m, position)),
      h('div', { class: 'cell-steps' }, h('p', { class: 'cell-phase-name' }, phaseText(m, position)),
        h('ol', { class: 'cell-stages' }, stages(m, position)),
        h('ul', { class: 'cell-equations' }, equations(m, position)),
        h('p', { class: 'cell-note' }, raw(dia.notes[position.phase]))),
      h(
        'div',
        { class: 'cell-data' },
        h('div', { class: 'cell-plot-wrap' }, plotOf(m, position, id)),
        data.kind === 'text' ? null : h(
          'p',
          { class: 'cell-plot-key', 'aria-hidden': 'true' },
          h('span', { class: 'key key-input' }, 'input x'),
          h('span', { class: 'key key-target' }, 'target y'),
          h('span', { class: 'key key-output' }, 'output ŷ'),
        ),
        h('p', { class: 'cell-io' }, ioText(m, position)),
      ),
    ),
    controls(m, position, id),
    h('p', { class: 'cell-status', role: 'status', 'aria-live': 'polite' }),
  );
}

/** The text alternative: every traced vector of the step, then the traced sequence. */
export function tables(m, position) {
  const rows = tableRows(m, position);
  const width = Math.max(...rows.map(([, , vals]) => vals.length));
  const caption = `Traced values at step t = ${position.t} (${whereText(m, position)})`;
  const cells = (tag, texts, attrs = {}) => texts.map((text) => h(tag, attrs, text));
  return join([
    h('div', {
      class: 'cell-table-scroll', role: 'region', tabindex: 0, 'aria-label': caption,
    }, h(
      'table',
      { class: 'data-table cell-table' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'vector \\ unit'),
        cells('th', Array.from({ length: width }, (_, k) => String(k + 1)), { scope: 'col' }))),
      h('tbody', {}, rows.map(([label, key, vals]) => h('tr', { 'data-key': key }, h('th', { scope: 'row' }, label),
        cells('td', vals.map(short))))),
    )),
    h(
      'table',
      { class: 'data-table cell-seq-table' },
      h('caption', {}, 'The traced sequence'),
      h('thead', {}, h('tr', {}, cells('th', ['t', 'input', 'target', 'output'], { scope: 'col' }),
        h('th', { scope: 'col' }, 'loss L', h('sub', {}, 't')))),
      h('tbody', {}, sequenceRows(m, position).map(([t, ...rest]) => h('tr', {}, h('th', { scope: 'row' }, t),
        cells('td', rest)))),
    ),
  ]);
}
