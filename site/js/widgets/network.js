// {network}: exploRNN's network overview (blue theme) over a grid of precomputed runs.
//
// `frame(data, options, id)` is the first frame (markup; the generator puts it in the page) and
// `dataTable(data, options)` the data table (the shown snapshot, then every run of the grid);
// options = {run, epoch, cells (the runs that have a {cell} view on the page: their layers are buttons)}.
// The default export takes (state, element), starts from the same markup (network/view.js) and makes it
// work (network/controller.js); the numbers are in network/model.js.
//
// state.data = {runs: [{run, settings: {dataset, cell, layers, hidden, lr, batch,
// noise, …}, kind, loss, x, vocab?, snapshots: [{epoch, input, target, prediction, error, rollout?}]}],
// datasets: [...]}, state.options = {run, epoch}. Layout: input | layers | prediction, then
// training phases | controls | sliders; the columns stack below ~40rem (container query).
//
// The reader's controls choose settings: the input (six datasets with thumbnails drawn from the real
// formulas), the number of layers (add between/around, remove; 1–7), the cell type and units per layer
// (only when the grid has several), and sliders for learning rate (log scale), batch size and noise that
// snap to the values present in the grid. The combination picks the run with exactly those settings, and
// the controls never offer a combination that was not precomputed: a slider, select or layer button offers
// only the values that exist with the other settings as they are, and says why the others are missing
// (the slider's note, a disabled option's title, a disabled button's label and title); choosing an input
// whose run differs in other settings too moves those settings to the closest run with that input and
// announces it. Inputs without any run are disabled. While a live trainer is in charge (below), every
// value is offered, and a combination without a run says so and offers the nearest run.
// Play walks through the selected run's exported snapshots, each step showing the three phases of an
// epoch in order (forward, validation, backward; `data-phase` on the figure, announced politely);
// Step goes to the next snapshot, Reset to the first.
//
// Page store keys (unrolled/lib/state.js, kept in the URL): `epoch` (the snapshot shown; a value
// set elsewhere moves to the closest exported snapshot) and `run` (the selected run).
//
// Events (CustomEvent, bubbling):
//  - `network-control` on this figure whenever the reader uses a control:
//    detail {action: 'play' | 'pause' | 'step' | 'reset' | 'settings', settings: {dataset, cell, layers,
//    hidden, lr, batch, noise}, run: name or null (no precomputed run), epoch}. A live trainer listens to
//    it (e.g. to start an in-browser run for settings without a precomputed run) and pushes data back
//    through the controller's `update`. The event is cancelable: a listener that calls preventDefault()
//    on play, step or reset (a Python cell's on_control handler does) takes that action over, and the
//    widget does not move through its precomputed snapshots; a play taken over shows Pause until the
//    trainer publishes `playing: false` (or the reader pauses, which emits 'pause').
//  While the figure carries `data-live="python"` (set by the page's Python runtime when a cell handles
//    its controls), Play, Step and Reset stay usable for settings without a precomputed run: the
//    trainer receives them with `run: null` and can train that combination live; the sliders and selects
//    then also offer values no run has (LIVE_CHOICES in network/model.js), so any combination can be asked for.
//  - `cell-open` on the page's {cell} figure for the same run (a [data-widget="cell"] figure whose
//    data-run, or data-options `run`/`runs`, names it) when the reader clicks a layer:
//    detail {layer: 0-based layer index, step: the page store's `step` or 0, run, epoch, source: the
//    layer button}. Layers are buttons only when such a figure exists. If that figure has not hydrated
//    yet, the request goes through `open(figure, detail)` of unrolled/widgets/cell.js instead, which
//    applies it once the cell view is ready.
//
// Controller (returned): `update(next)` with next.data = {runs?: [entry, …], select?: name | null,
// playing?: boolean} (a Python cell's publish() sends exactly that data): entries of the payload's
// shape, merged by run name (e.g. snapshots streamed from an in-browser run; the newest run with given
// settings is the one those settings pick); the run `select` (default: the first entry; null: keep the
// current view) is selected and its last snapshot shown; `playing` says whether a trainer that took
// Play over is still training. `settings()` returns the current settings.
//
// Explanation keys ({explain} blocks, shown as (i) buttons): network (heading), network.input,
// network.layers, network.prediction, network.forward, network.validation, network.backward,
// network.epoch, network.lr, network.batch, network.noise.
import { join } from 'unrolled/lib/html.js';
import * as model from 'unrolled/widgets/network/model.js';
import * as view from 'unrolled/widgets/network/view.js';

export { default } from 'unrolled/widgets/network/controller.js';

/** The first frame: the whole figure at run `options.run`, epoch `options.epoch`. */
export function frame(data, options, id) {
  const m = model.create(data, options);
  return view.figure(m, id, { openable: (options.cells || []).includes(m.current.run) });
}

/** The shown snapshot as a table, then the grid of precomputed runs. */
export function dataTable(data, options) {
  const m = model.create(data, options);
  return join([view.snapshotPart(m), view.gridTable(m)]);
}
