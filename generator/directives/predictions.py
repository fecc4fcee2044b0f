"""```{predictions}```: the model's next-value predictions on a validation window (exploRNN's plot).

The figure and its data table are drawn by site/js/widgets/predictions.js (`frame`, `dataTable`), at
build time and again live, from the payload below.
"""
from __future__ import annotations

from html import escape

from . import REQUIRED, Directive, Opt, figure, register
# {network} still draws its static prediction plot in Python; it imports that copy from here until it
# renders with site/js/widgets/predictions.js too.
from ..plot import FORMAT, predictions_svg as static_svg, predictions_table as data_table  # noqa: F401


def select_snapshot(block, doc, requested):
    epochs = [s["epoch"] for s in doc["snapshots"]]
    if requested is None:
        return len(epochs) - 1
    if requested not in epochs:
        raise block.error(f"run {doc['run']!r} has no snapshot at epoch {requested}", rule="ref-snapshot",
                          option="snapshot", hint=f"use one of the exported epochs {epochs}, or add it to the "
                          "run's `snapshots` list")
    return epochs.index(requested)


def payload(doc: dict, title: str | None = None) -> dict:
    """What the widget reads: the run name (and `title`, its display name), the x axis and every snapshot
    (not the provenance)."""
    data = {key: doc[key] for key in ("schema", "run", "kind", "x", "y", "snapshots", "vocab") if key in doc}
    return data | ({"title": title} if title else {})


def render(block, ctx) -> str:
    run = block.options["run"]
    doc = ctx.document(block, run, "predictions")
    index = select_snapshot(block, doc, block.options["snapshot"])
    caption = escape(block.options["caption"]) or escape(
        f"Predictions of run {run} after epoch {doc['snapshots'][index]['epoch']}.")
    data = payload(ctx.raw_document(run, "predictions"), ctx.spec(block, run).title)
    frame, table = ctx.first_frame(block, data, {"snapshot": index})
    extra = f'<details class="widget-data"><summary>Data</summary>{table}</details>' if table else ""
    return figure(block, ctx, frame=frame, caption=caption, data=data, snapshot=index, extra=extra)


register(Directive(
    name="predictions",
    doc="Input, target and predicted values on a validation window, with the autoregressive roll-out.",
    options={"run": Opt(str, REQUIRED, doc="name of a run in the page's spec files"),
             "snapshot": Opt(int, None, doc="epoch to show first (default: the last snapshot)"),
             "caption": Opt(str, "", doc="caption text (Markdown inline not interpreted)")},
    needs=("predictions",),
    render=render,
))
