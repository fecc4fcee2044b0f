"""```{predictions}```: the model's next-value predictions on a validation window (exploRNN's plot)."""
from __future__ import annotations

from html import escape

import numpy as np

from .. import plot
from . import REQUIRED, Directive, Opt, figure, register, widget_id

FORMAT = "{:.4f}"


def select_snapshot(block, doc, requested):
    epochs = [s["epoch"] for s in doc["snapshots"]]
    if requested is None:
        return len(epochs) - 1
    if requested not in epochs:
        raise block.error(f"run {doc['run']!r} has no snapshot at epoch {requested}", rule="ref-snapshot",
                          option="snapshot", hint=f"use one of the exported epochs {epochs}, or add it to the "
                          "run's `snapshots` list")
    return epochs.index(requested)


def geometry(doc, snap):
    """x positions of inputs/targets/roll-out and the plot scale (mirrors widgets/predictions.js)."""
    start, step = doc["x"]["start"], doc["x"]["step"]
    window = len(snap["input"])
    rollout = snap.get("rollout")
    steps = len(rollout["prediction"]) if rollout else 0
    x_in = start + step * np.arange(window)
    x_out = x_in + step
    x_roll = start + step * (window + 1 + np.arange(steps))
    series = [s["input"] for s in doc["snapshots"]] + [s["prediction"] for s in doc["snapshots"]]
    series += [snap["target"]] + [s["rollout"][k] for s in doc["snapshots"] if s.get("rollout")
                                  for k in ("prediction", "target")]
    scale = plot.Scale((start, start + step * (window + steps)), plot.value_domain(*series))
    return x_in, x_out, x_roll, scale


def static_svg(doc, index: int, element_id: str) -> str:
    snap = doc["snapshots"][index]
    x_in, x_out, x_roll, scale = geometry(doc, snap)
    window_rect = (f'<rect class="window" x="{scale.x(x_in[0]):.2f}" y="{plot.MARGIN["top"]}" '
                   f'width="{scale.x(x_in[-1]) - scale.x(x_in[0]):.2f}" '
                   f'height="{plot.HEIGHT - plot.MARGIN["top"] - plot.MARGIN["bottom"]}"/>')
    errors = "".join(f'<line x1="{scale.x(x):.2f}" x2="{scale.x(x):.2f}" y1="{scale.y(t):.2f}" y2="{scale.y(p):.2f}"/>'
                     for x, t, p in zip(x_out, snap["target"], snap["prediction"]))
    body = [plot.y_axis(scale), window_rect, f'<g class="errors">{errors}</g>',
            plot.polyline(scale, "input", x_in, snap["input"]),
            plot.polyline(scale, "target", x_out, snap["target"]),
            plot.polyline(scale, "prediction", x_out, snap["prediction"])]
    if snap.get("rollout"):
        body.append(plot.polyline(scale, "rollout-target", x_roll, snap["rollout"]["target"]))
        body.append(plot.polyline(scale, "rollout", x_roll, snap["rollout"]["prediction"]))
    mse = float(np.mean(np.square(snap["error"])))
    title = f"Predictions of run {doc['run']} after epoch {snap['epoch']}"
    desc = (f"{len(snap['input'])} input values, the next value predicted at each step "
            f"(mean squared error on this window {mse:.4f})" + (", then an autoregressive roll-out" if snap.get("rollout") else ""))
    return plot.svg("".join(body), scale, title=title, desc=desc, element_id=element_id)


def data_table(doc, index: int) -> str:
    snap = doc["snapshots"][index]
    rows = "".join(f"<tr><th scope=\"row\">{i}</th><td>{FORMAT.format(a)}</td><td>{FORMAT.format(t)}</td>"
                   f"<td>{FORMAT.format(p)}</td></tr>"
                   for i, (a, t, p) in enumerate(zip(snap["input"], snap["target"], snap["prediction"])))
    return ('<table class="data-table"><thead><tr><th scope="col">step</th><th scope="col">input</th>'
            f'<th scope="col">target</th><th scope="col">prediction</th></tr></thead><tbody>{rows}</tbody></table>')


def payload(doc: dict) -> dict:
    """What the widget reads: the run name, the x axis and every snapshot (not the provenance)."""
    return {key: doc[key] for key in ("schema", "run", "kind", "x", "snapshots", "vocab") if key in doc}


def char_strip(doc, index: int) -> str:
    """Text runs: input, target and predicted characters per step; the table is its own text alternative."""
    snap, vocab = doc["snapshots"][index], doc["vocab"]
    row = lambda ids: "".join(f"<td>{escape(plot.char_label(vocab[int(i)]))}</td>" for i in ids)  # noqa: E731
    hits = "".join(f'<td class="{"hit" if p == t else "miss"}">{escape(plot.char_label(vocab[int(p)]))}</td>'
                   for p, t in zip(snap["prediction"], snap["target"]))
    correct = int(np.sum(snap["prediction"] == snap["target"]))
    return (f'<table class="char-strip"><caption>Epoch {snap["epoch"]}: {correct} of {len(snap["target"])} '
            f'next characters predicted correctly</caption><tbody>'
            f'<tr><th scope="row">input</th>{row(snap["input"])}</tr>'
            f'<tr><th scope="row">target</th>{row(snap["target"])}</tr>'
            f'<tr><th scope="row">prediction</th>{hits}</tr></tbody></table>')


def render(block, ctx) -> str:
    run = block.options["run"]
    doc = ctx.document(block, run, "predictions")
    index = select_snapshot(block, doc, block.options["snapshot"])
    element_id = widget_id(block)
    caption = escape(block.options["caption"]) or escape(
        f"Predictions of run {run} after epoch {doc['snapshots'][index]['epoch']}.")
    data = payload(ctx.raw_document(run, "predictions"))
    if doc["kind"] == "text":
        return figure(block, ctx, frame=char_strip(doc, index), caption=caption, data=data, snapshot=index)
    table = f'<details class="widget-data"><summary>Data</summary>{data_table(doc, index)}</details>'
    return figure(block, ctx, frame=static_svg(doc, index, element_id), caption=caption,
                  data=data, snapshot=index, extra=table)


register(Directive(
    name="predictions",
    doc="Input, target and predicted values on a validation window, with the autoregressive roll-out.",
    options={"run": Opt(str, REQUIRED, doc="name of a run in the page's spec files"),
             "snapshot": Opt(int, None, doc="epoch to show first (default: the last snapshot)"),
             "caption": Opt(str, "", doc="caption text (Markdown inline not interpreted)")},
    needs=("predictions",),
    render=render,
))
