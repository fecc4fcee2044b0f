"""```{network}```: exploRNN's network overview, driven by a grid of precomputed runs.

The author lists the runs that form the grid (`runs: lr-low, lr-good, lr-high, layers-1, layers-5`); the
widget reads each run's settings (dataset, cell, layers, hidden, lr, batch, noise) from the run document's
`provenance.spec`, and its controls snap to the values present in the grid; the selected combination
picks the matching run. Options: `runs` (required), `run` (initial run, default the first), `snapshot`
(initial epoch, default the run's first snapshot), `caption`.

Payload: `{"runs": [{run, settings, kind, loss, x, vocab?, snapshots: [{epoch, input, target, prediction,
error, rollout?}]}], "datasets": [...]}` with the predictions as float32 (int32 ids for text).

The static first frame is a simple HTML picture of the network, the prediction plot of the initial run and
snapshot (the same geometry as {predictions}) and the settings in words; the data table is in <details>.
Explanation keys: see site/js/widgets/network.js.
"""
from __future__ import annotations

import math
from html import escape

import numpy as np

from unrolled.precompute.spec import FUNCTION_DATASETS, SERIES_DATASETS

from ..plot import char_label
from . import REQUIRED, Directive, Opt, figure, listed_runs, register, widget_id
from .predictions import FORMAT, data_table as predictions_table, static_svg as predictions_svg

#: Settings the widget's controls choose between (the grid's dimensions), in display order.
SETTINGS = ("dataset", "cell", "layers", "hidden", "lr", "batch", "noise")
#: Other spec keys shown in the text summary; runs may not differ only in these (the grid would be ambiguous).
EXTRA = ("optimizer", "window", "sequences", "epochs", "seed")
DATASET_LABELS = {"sine": "sine", "sawtooth": "sawtooth", "square": "square", "composite": "composite",
                  "abab": "abab", "lorem": "lorem ipsum", "c-code": "C code", "csv": "own series",
                  "text": "own text"}
BASE_DATASETS = ("sine", "sawtooth", "square", "composite", "abab", "lorem")
# Thumbnails: the functions over x in [0, THUMB_SPAN], drawn in a THUMB_W x THUMB_H box (as network/thumbs.js).
THUMB_W, THUMB_H, THUMB_SPAN, THUMB_SAMPLES, THUMB_Y = 64, 28, 4 * math.pi, 97, 1.6


def fmt_number(value) -> str:
    """A setting as the widget shows it: 0.01, 25, 0.2 (same as network.js `formatSetting`)."""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def summary(settings: dict) -> str:
    layers = settings["layers"]
    text = (f"{DATASET_LABELS.get(settings['dataset'], settings['dataset'])}, {settings['cell'].upper()}, "
            f"{layers} layer{'s' if layers != 1 else ''} of {settings['hidden']} units, "
            f"learning rate {fmt_number(settings['lr'])}, batch size {settings['batch']}")
    if settings["dataset"] in FUNCTION_DATASETS + SERIES_DATASETS:
        text += f", noise {fmt_number(settings['noise'])}"
    return text


def thumbnail(name: str) -> str:
    """A small picture of the dataset: the real function formula, or the text set's name."""
    if name in FUNCTION_DATASETS:
        from unrolled_lite.datasets import function_values

        xs = np.linspace(0.0, THUMB_SPAN, THUMB_SAMPLES)
        ys = function_values(name, xs)
        points = " ".join(f"{x / THUMB_SPAN * THUMB_W:.2f},{(THUMB_Y - y) / (2 * THUMB_Y) * THUMB_H:.2f}"
                          for x, y in zip(xs, ys))
        body = (f'<line class="thumb-axis" x1="0" x2="{THUMB_W}" y1="{THUMB_H / 2}" y2="{THUMB_H / 2}"/>'
                f'<polyline class="thumb-line" data-dataset="{name}" fill="none" points="{points}"/>')
    else:
        sample = {"abab": "abab…", "lorem": "lorem…", "c-code": "{ };"}.get(name, name)
        body = (f'<text class="thumb-text" x="{THUMB_W / 2}" y="{THUMB_H / 2}" text-anchor="middle" '
                f'dominant-baseline="central">{escape(sample)}</text>')
    return (f'<svg class="net-thumb" viewBox="0 0 {THUMB_W} {THUMB_H}" aria-hidden="true" '
            f'data-span="{THUMB_SPAN!r}" data-ymax="{THUMB_Y!r}">{body}</svg>')


LOOP = ('<svg class="net-loop" viewBox="0 0 40 32" aria-hidden="true"><path d="M8 24 C-4 24 -4 4 20 4 '
        'C44 4 44 24 32 24"/><path class="net-loop-head" d="M28 20 L33 24 L28 28"/></svg>')


# -- validation -----------------------------------------------------------------------------------
def check(block, ctx):
    names = listed_runs(block, block.options["runs"])
    for name in names:
        ctx.spec(block, name, "runs")
    initial = block.options["run"] or names[0]
    if initial not in names:
        raise block.error(f"initial run {initial!r} is not one of the grid's runs", rule="ref-run", option="run",
                          hint=f"use one of {', '.join(names)}, or add it to `runs`")
    runs = [ctx.document(block, name, "run") for name in names]
    preds = [ctx.document(block, name, "predictions") for name in names]
    specs = [doc["provenance"]["spec"] for doc in runs]
    by_settings: dict[tuple, str] = {}
    for name, spec in zip(names, specs):
        if isinstance(spec["hidden"], list) or spec["cell"] == "custom":
            what = "its own cell (`model`)" if spec["cell"] == "custom" else "layers of different sizes"
            raise block.error(f"run {name!r} has {what}, which the {{network}} grid has no control for",
                              rule="ref-grid", option="runs",
                              hint="list runs of built-in cells with one `hidden` size for all layers; show this "
                                   "run with {loss}, {predictions}, {cell} or {gradients}")
        key = tuple(spec[k] for k in SETTINGS)
        if key in by_settings:
            other = by_settings[key]
            differ = [k for k in EXTRA if spec.get(k) != ctx.document(block, other, "run")["provenance"]["spec"].get(k)]
            raise block.error(f"runs {other!r} and {name!r} have the same settings ({summary(spec)})",
                              rule="ref-grid", option="runs",
                              hint="each run of a {network} grid must differ in dataset, cell, layers, hidden, lr, "
                                   "batch or noise" + (f"; they differ only in {', '.join(differ)}, which the "
                                                       "widget has no control for" if differ else ""))
        by_settings[key] = name
    index = names.index(initial)
    epochs = [int(s["epoch"]) for s in preds[index]["snapshots"]]
    epoch = block.options["snapshot"]
    if epoch is None:
        epoch = epochs[0]
    elif epoch not in epochs:
        raise block.error(f"run {initial!r} has no snapshot at epoch {epoch}", rule="ref-snapshot",
                          option="snapshot", hint=f"use one of the exported epochs {epochs}, or add it to the "
                          "run's `snapshots` list")
    return names, initial, runs, preds, specs, epoch


# -- payload --------------------------------------------------------------------------------------
def payload(ctx, names, specs) -> dict:
    entries = []
    for name, spec in zip(names, specs):
        run = ctx.raw_document(name, "run")
        pred = ctx.raw_document(name, "predictions")
        entry = {"run": name, "settings": {k: spec[k] for k in SETTINGS + EXTRA}, "kind": pred["kind"],
                 "loss": run["loss"], "x": pred["x"], "snapshots": pred["snapshots"]}
        if pred.get("vocab"):
            entry["vocab"] = pred["vocab"]
        if pred.get("y"):  # an author's series: plotted in its real units
            entry["y"] = pred["y"]
        entries.append(entry)
    return {"runs": entries, "datasets": datasets_for(specs)}


def datasets_for(specs) -> list[str]:
    """The input selector's choices: exploRNN's six, plus any other dataset the grid uses (c-code)."""
    used = {s["dataset"] for s in specs}
    return list(BASE_DATASETS) + sorted(used - set(BASE_DATASETS))


# -- static first frame ---------------------------------------------------------------------------
def text_plot(doc, index: int) -> str:
    """Text runs: per step the input character, the next one and the predicted one (as network/plot.js)."""
    snap = doc["snapshots"][index]
    vocab = doc["vocab"]
    show = lambda i: char_label(vocab[int(i)])  # noqa: E731
    steps = []
    for c, t, p in zip(snap["input"], snap["target"], snap["prediction"]):
        wrong = " is-wrong" if p != t else ""
        steps.append(f'<span class="net-text-step"><span class="char char-input">{escape(show(c))}</span>'
                     f'<span class="char char-target">{escape(show(t))}</span>'
                     f'<span class="char char-prediction{wrong}">{escape(show(p))}</span></span>')
    right = int(np.sum(snap["prediction"] == snap["target"]))
    label = (f"Next-character predictions of run {doc['run']} after epoch {snap['epoch']}: "
             f"{right} of {len(snap['prediction'])} correct")
    return (f'<div class="net-text" role="img" aria-label="{escape(label)}" data-epoch="{snap["epoch"]}">'
            '<div class="net-text-labels" aria-hidden="true"><span>input</span><span>target</span>'
            f'<span>prediction</span></div><div class="net-text-steps">{"".join(steps)}</div></div>')


def static_frame(element_id: str, names, initial, specs, preds, epoch, datasets) -> str:
    index = names.index(initial)
    spec, pred = specs[index], preds[index]
    snap_index = [int(s["epoch"]) for s in pred["snapshots"]].index(epoch)
    present = {s["dataset"] for s in specs}
    inputs = "".join(
        f'<li class="net-dataset{" is-selected" if d == spec["dataset"] else ""}'
        f'{"" if d in present else " is-missing"}">{thumbnail(d)}<span>{escape(DATASET_LABELS.get(d, d))}'
        f'</span></li>' for d in datasets)
    layers = "".join(f'<li class="net-layer-static"><span class="net-layer-name">Layer {k + 1}</span>'
                     f'<span class="net-layer-kind">{spec["cell"].upper()} · {spec["hidden"]} units</span>{LOOP}</li>'
                     for k in range(spec["layers"]))
    if pred["kind"] == "function":
        plot = predictions_svg(pred, snap_index, f"{element_id}-plot")
    else:
        plot = text_plot(pred, snap_index)
    last = int(pred["snapshots"][-1]["epoch"])
    return (f'<div class="net-static">'
            f'<p class="net-settings"><strong>Run {escape(initial)}</strong>: {escape(summary(spec))}. '
            f'Epoch {epoch} of {last}.</p>'
            f'<div class="net-columns">'
            f'<div class="net-col net-input"><p class="net-heading">Input</p><ul class="net-datasets">{inputs}</ul></div>'
            f'<div class="net-col net-network"><p class="net-heading">Network</p>'
            f'<ol class="net-stack-static">{layers}</ol></div>'
            f'<div class="net-col net-prediction"><p class="net-heading">Prediction</p>{plot}</div>'
            f'</div></div>')


def grid_table(names, specs, runs) -> str:
    head = "".join(f'<th scope="col">{k}</th>' for k in SETTINGS + ("epochs", "final validation loss"))
    rows = []
    for name, spec, run in zip(names, specs, runs):
        cells = "".join(f"<td>{escape(fmt_number(spec[k]))}</td>" for k in SETTINGS + ("epochs",))
        rows.append(f'<tr><th scope="row">{escape(name)}</th>{cells}'
                    f'<td>{FORMAT.format(run["loss"]["validation"][-1])}</td></tr>')
    return (f'<table class="data-table net-grid-table"><caption>Precomputed runs</caption><thead><tr>'
            f'<th scope="col">run</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def render(block, ctx) -> str:
    names, initial, runs, preds, specs, epoch = check(block, ctx)
    element_id = widget_id(block)
    data = payload(ctx, names, specs)
    index = names.index(initial)
    pred = preds[index]
    snap_index = [int(s["epoch"]) for s in pred["snapshots"]].index(epoch)
    frame = static_frame(element_id, names, initial, specs, preds, epoch, data["datasets"])
    caption = escape(block.options["caption"]) or escape(
        f"A recurrent network learning: choose the input, the layers and the training settings; "
        f"{len(names)} precomputed run{'s' if len(names) != 1 else ''}.")
    pred_table = predictions_table(pred, snap_index) if pred["kind"] == "function" else ""
    table = (f'<details class="widget-data"><summary>Data</summary>{grid_table(names, specs, runs)}'
             f'<div class="net-snapshot-table"><p>Run {escape(initial)}, epoch {epoch}</p>{pred_table}</div></details>')
    return figure(block, ctx, frame=frame, caption=caption, data=data, snapshot=snap_index,
                  options={"run": initial, "epoch": epoch}, extra=table)


register(Directive(
    name="network",
    doc="exploRNN's network overview: input, stacked layers, prediction, phases and controls over a grid of runs.",
    options={"runs": Opt(list, REQUIRED, doc="the grid: runs whose settings the controls choose between"),
             "run": Opt(str, "", doc="run shown first (default: the first of `runs`)"),
             "snapshot": Opt(int, None, doc="epoch shown first (default: the run's first snapshot)"),
             "caption": Opt(str, "", doc="caption text (Markdown inline not interpreted)")},
    needs=("run", "predictions"),
    render=render,
))
