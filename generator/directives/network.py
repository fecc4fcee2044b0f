"""```{network}```: exploRNN's network overview, driven by a grid of precomputed runs.

The author lists the runs that form the grid (`runs: lr-low, lr-good, lr-high, layers-1, layers-5`); the
widget reads each run's settings (dataset, cell, layers, hidden, lr, batch, noise) from the run document's
`provenance.spec`, and its controls snap to the values present in the grid; the selected combination
picks the matching run. Options: `runs` (required), `run` (initial run, default the first), `snapshot`
(initial epoch, default the run's first snapshot), `caption`.

Payload: `{"runs": [{run, settings, kind, loss, x, vocab?, snapshots: [{epoch, input, target, prediction,
error, rollout?}]}], "datasets": [...]}` with the predictions as float32 (int32 ids for text).

The figure and its data table are drawn by site/js/widgets/network.js (`frame`, `dataTable`), at build
time and again live. Its layers open the page's {cell} view of the same run, so the first frame is drawn
once the whole page is rendered and the {cell} figures on it are known.
Explanation keys: see site/js/widgets/network.js.
"""
from __future__ import annotations

import json
import re
from html import escape, unescape

from unrolled.precompute.spec import FUNCTION_DATASETS, SERIES_DATASETS

from . import REQUIRED, Directive, Opt, figure, listed_runs, register, snapshot_index, widget_id

#: Settings the widget's controls choose between (the grid's dimensions), in display order.
SETTINGS = ("dataset", "cell", "layers", "hidden", "lr", "batch", "noise")
#: Other spec keys the widget reads; runs may not differ only in these (the grid would be ambiguous).
EXTRA = ("optimizer", "window", "sequences", "epochs", "seed")
DATASET_LABELS = {"lorem": "lorem ipsum", "c-code": "C code", "csv": "own series", "text": "own text"}
BASE_DATASETS = ("sine", "sawtooth", "square", "composite", "abab", "lorem")


def summary(settings: dict) -> str:
    """A run's settings in words, for error messages (the widget writes the same words)."""
    layers = settings["layers"]
    text = (f"{DATASET_LABELS.get(settings['dataset'], settings['dataset'])}, {settings['cell'].upper()}, "
            f"{layers} layer{'s' if layers != 1 else ''} of {settings['hidden']} units, "
            f"learning rate {settings['lr']:.6g}, batch size {settings['batch']}")
    if settings["dataset"] in FUNCTION_DATASETS + SERIES_DATASETS:
        text += f", noise {settings['noise']:.6g}"
    return text


# -- validation -----------------------------------------------------------------------------------
def check(block, ctx):
    names = listed_runs(block, block.options["runs"])
    for name in names:
        ctx.spec(block, name, "runs")
    initial = block.options["run"] or names[0]
    if initial not in names:
        raise block.error(f"initial run {initial!r} is not one of the grid's runs", rule="ref-run", option="run",
                          hint=f"use one of {', '.join(names)}, or add it to `runs`")
    preds = [ctx.document(block, name, "predictions") for name in names]
    specs = [ctx.document(block, name, "run")["provenance"]["spec"] for name in names]
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
    epochs = [int(s["epoch"]) for s in preds[names.index(initial)]["snapshots"]]
    index = snapshot_index(block, initial, epochs, default=0)
    return names, initial, specs, epochs[index], index


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


# -- figure -----------------------------------------------------------------------------------------
CELL_FIGURE = re.compile(r'<figure [^>]*data-widget="cell"[^>]*>')
ATTR = re.compile(r'\bdata-(run|options)="([^"]*)"')


def cell_runs(html: str) -> list[str]:
    """The runs that have a {cell} view on the page: its data-run, or data-options `run` / `runs`."""
    runs: set[str] = set()
    for tag in CELL_FIGURE.findall(html):
        attrs = {k: unescape(v) for k, v in ATTR.findall(tag)}
        options = json.loads(attrs.get("options") or "{}")
        runs.update(r for r in [attrs.get("run"), options.get("run"), *(options.get("runs") or [])] if r)
    return sorted(runs)


def render(block, ctx) -> str:
    names, initial, specs, epoch, index = check(block, ctx)
    if ctx.thumbnail_pass:  # the front page shows a plot, not this figure's controls: look further on
        return ""
    data = payload(ctx, names, specs)
    options = {"run": initial, "epoch": epoch}
    caption = escape(block.options["caption"]) or escape(
        f"A recurrent network learning: choose the input, the layers and the training settings; "
        f"{len(names)} precomputed run{'s' if len(names) != 1 else ''}.")
    frame_at, table_at = (f"<!--network-{part}:{widget_id(block)}-->" for part in ("frame", "table"))

    def draw(html: str) -> str:
        frame, table = ctx.first_frame(block, data, {**options, "cells": cell_runs(html)})
        return html.replace(frame_at, frame, 1).replace(table_at, table, 1)

    ctx.rewrites.append(draw)
    html = figure(block, ctx, frame=frame_at, caption=caption, data=data, snapshot=index, options=options,
                  extra=f'<details class="widget-data"><summary>Data</summary>{table_at}</details>')
    return html.replace("<figure ", f'<figure data-run="{escape(initial)}" ', 1)


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
