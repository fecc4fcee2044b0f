// {cell}: the inside of one recurrent cell (LSTM, GRU or vanilla RNN) with the model's real traced
// numbers. The reader steps through the compute steps of each time step t, forward (receive input →
// gate activations → cell update → output) and backward (∂L/∂h_t arrives → … → gate pre-activations),
// across time steps, layers and exported epochs, with the traced sequence plotted beside the diagram.
//
// `frame(data, options, id)` is the first frame (markup; the generator puts it in the page) and
// `dataTable(data, options)` its text alternative; options = {snapshot (index), layer, step, phase}.
// data = the directive's payload (generator/directives/cell.py): one traced sequence, every snapshot
// and layer as float32, plus the diagram geometry and texts. The default export takes (state, element),
// draws the same markup (cell/view.js, numbers from cell/model.js) and attaches the behaviour
// (cell/controller.js). An author's own cell (`cell: "custom"`) gets the generic view (cell/generic.js).
// Linked views (unrolled/lib/state.js, kept in the URL): `epoch`, `step`, `layer`.
//
// Opening the cell view from elsewhere (e.g. a layer button of {network}):
//
//   import { open } from 'unrolled/widgets/cell.js';
//   const figure = document.querySelector('[data-widget="cell"][data-run="sine-lstm"]');
//   open(figure, { layer: 1, step: 3, phase: 'forward', source: layerButton });
//
// or, once the figure is hydrated (data-state="ready"), without importing anything:
//
//   figure.dispatchEvent(new CustomEvent('cell-open', { detail: { layer: 1, step: 3, source: layerButton } }));
//
// Both show that layer / time step (/ phase, / epoch) and open the expanded view in a modal dialog,
// zooming out of `source` (its bounding box; default: the figure). Escape or a click outside closes it
// and focus returns to `source` (default: whatever had focus). `open` called before the figure has
// hydrated (page.js hydrates widgets as they near the viewport) hydrates it and applies the request
// once it is ready. The figure fires `cell-toggle` ({detail: {open}})
// when the expanded view opens or closes. Note: the cell view's styles (css/cell.css) are linked only
// on pages that contain a {cell} block.
import { modelOf, positionOf } from 'unrolled/widgets/cell/model.js';
import { tables, view } from 'unrolled/widgets/cell/view.js';
import { hydrate } from 'unrolled/widgets/cell/controller.js';
import { dataTable as genericTable, frame as genericFrame, generic } from 'unrolled/widgets/cell/generic.js';

export { open } from 'unrolled/widgets/cell/controller.js';

/** The first frame of the figure. */
export function frame(data, options, id) {
  if (data.cell === 'custom') return genericFrame(data, options, id);
  const m = modelOf(data);
  return String(view(m, positionOf(m, options), id));
}

/** The text alternative of the first frame. */
export function dataTable(data, options) {
  if (data.cell === 'custom') return genericTable(data, options);
  const m = modelOf(data);
  return String(tables(m, positionOf(m, options)));
}

export default function cell(state, element) {
  return state.data.cell === 'custom' ? generic(state, element) : hydrate(state, element);
}
