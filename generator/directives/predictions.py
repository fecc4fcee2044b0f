"""```{predictions}```: the model's next-value predictions on a validation window (exploRNN's plot).

The figure and its data table are drawn by site/js/widgets/predictions.js (`frame`, `dataTable`), at
build time and again live, from the payload below.
"""
from __future__ import annotations

from html import escape

from . import REQUIRED, Directive, Opt, figure, register, snapshot_index


def payload(doc: dict, title: str | None = None) -> dict:
    """What the widget reads: the run name (and `title`, its display name), the x axis and every snapshot
    (not the provenance)."""
    data = {key: doc[key] for key in ("schema", "run", "kind", "x", "y", "snapshots", "vocab") if key in doc}
    return data | ({"title": title} if title else {})


def render(block, ctx) -> str:
    run = block.options["run"]
    doc = ctx.document(block, run, "predictions")
    index = snapshot_index(block, run, [s["epoch"] for s in doc["snapshots"]])
    caption = escape(block.options["caption"]) or escape(
        f"Predictions of run {run} after epoch {doc['snapshots'][index]['epoch']}.")
    data = payload(ctx.raw_document(run, "predictions"), ctx.spec(block, run).title)
    frame, table = ctx.first_frame(block, data, {"snapshot": index})
    extra = f'<details class="widget-data"><summary>Data</summary>{table}</details>' if table else ""
    return figure(block, ctx, frame=frame, caption=caption, data=data, snapshot=index, extra=extra)


register(Directive(
    name="predictions",
    doc="Input, target and predicted values on a validation window, with the autoregressive roll-out.",
    options={"run": Opt(str, REQUIRED, doc="a run of the page's spec files"),
             "snapshot": Opt(int, None, doc="epoch shown first; the run must export it",
                             default_doc="the last exported"),
             "caption": Opt(str, "", doc="caption, plain text (not Markdown); inline values are filled in",
                            default_doc="generated from the data")},
    needs=("predictions",),
    render=render,
))
