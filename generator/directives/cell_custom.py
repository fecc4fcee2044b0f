"""{cell} for an author's own cell (`model = "cells.py:Class"`): the payload of the generic view.

No built-in diagram fits a cell we do not know, so the view lists the cell's named intermediates as
heat strips in the order its step computes them (site/js/widgets/cell/generic.js). Its first frame and
data table are rendered by that module through Node (`ctx.first_frame`), the one renderer of the view.
"""
from __future__ import annotations

from html import escape

from unrolled.precompute import arrays

from . import figure


def payload(doc, sequence: int, model: str | None) -> dict:
    """One traced sequence, every snapshot and layer, float32; intermediates by name, their order kept."""
    snaps = []
    for snap in doc["snapshots"]:
        seq = snap["sequences"][sequence]
        text = doc["kind"] == "text"
        layers = [{**{key: arrays.encode(layer[key], "float32") for key in ("x", "h_prev", "h", "dh")},
                   **{side: {name: arrays.encode(value, "float32") for name, value in layer["custom"][side].items()}
                      for side in ("forward", "backward")}} for layer in seq["layers"]]
        snaps.append({"epoch": snap["epoch"], "input": arrays.encode(seq["input"], "int32" if text else "float32"),
                      "target": arrays.encode(seq["target"], "int32" if text else "float32"),
                      "output": arrays.encode(seq["output"], "float32"),
                      "loss": arrays.encode(seq["loss"], "float32"), "layers": layers})
    first = doc["snapshots"][0]["sequences"][sequence]["layers"]
    body = {"run": doc["run"], "kind": doc["kind"], "cell": "custom", "model": model, "sequence": sequence,
            "names": [list(layer["custom"]["order"]) for layer in first], "snapshots": snaps}
    if doc["kind"] == "text":
        body["vocab"] = doc["vocab"]
    return body


def render(block, ctx, doc, *, index: int, layer: int, step: int, phase: str, sequence: int) -> str:
    run = block.options["run"]
    model = ctx.document(block, run, "run")["task"].get("model")
    data = payload(doc, sequence, model)
    options = {"layer": layer, "step": step, "phase": phase, "sequence": sequence, "run": run, "snapshot": index}
    frame, table = ctx.first_frame(block, data, options)
    epoch = doc["snapshots"][index]["epoch"]
    caption = escape(block.options["caption"]) or escape(
        f"Inside {model or 'the custom cell'} of run {run} (layer {layer + 1}, epoch {epoch}): the named values "
        "its step computes, for one traced sequence.")
    html = figure(block, ctx, frame=frame, caption=caption, data=data, snapshot=index, options=options,
                  extra=f'<details class="widget-data"><summary>Data</summary>{table}</details>')
    return html.replace("<figure ", f'<figure data-run="{escape(run)}" ', 1)
