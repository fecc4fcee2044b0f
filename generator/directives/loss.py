"""```{loss}```: training and validation loss per epoch of one run, or several overlaid, with the epoch marked.

The chart is linked to the page store key `epoch` (site/js/widgets/loss.js). Explanation key: `loss`.

The figure and its data table are drawn by site/js/widgets/loss.js (`frame`, `dataTable`), at build
time and again live, from the payload below.
"""
from __future__ import annotations

from html import escape

from . import Directive, Opt, figure, register, run_or_runs

LOSS_NAMES = {"mse": "mean squared error", "ce": "cross-entropy"}


def check_runs(block, ctx, names: list[str]) -> list[dict]:
    option = "run" if block.options["run"] else "runs"
    docs = [ctx.document(block, name, "run", option) for name in names]
    kinds = {d["task"]["loss"] for d in docs}
    if len(kinds) > 1:
        first = {d["task"]["loss"]: d["run"] for d in docs}
        raise block.error("the runs measure different losses: " + " and ".join(
            f"{first[k]!r} ({LOSS_NAMES[k]})" for k in sorted(kinds)), rule="ref-kind", option=option,
            hint="overlay runs of the same kind: function data (squared error) or text data (cross-entropy)")
    return docs


def payload(docs: list[dict], titles: dict[str, str] | None = None) -> dict:
    """`titles`: the runs' display names (spec key `title`), shown in the legend instead of their ids."""
    runs = []
    for d in docs:
        task = {k: d["task"][k] for k in ("kind", "dataset", "cell", "layers", "hidden", "loss")}
        runs.append({"run": d["run"], "task": task, "snapshots": list(d["snapshots"]),
                     "loss": {k: [float(v) for v in d["loss"][k]] for k in ("train", "validation")}
                     | {"epoch": [int(e) for e in d["loss"]["epoch"]]}}
                    | ({"title": titles[d["run"]]} if (titles or {}).get(d["run"]) else {}))
    return {"runs": runs}


def render(block, ctx) -> str:
    names, _ = run_or_runs(block, "to overlay several runs")
    docs = check_runs(block, ctx, names)
    data = payload(docs, {name: ctx.spec(block, name).title for name in names})
    last = max(r["loss"]["epoch"][-1] for r in data["runs"])
    epoch = block.options["snapshot"]
    if epoch is None:
        epoch = last
    elif not 0 <= epoch <= last:
        raise block.error(f"epoch {epoch} is outside the loss curves (epochs 0 to {last})", rule="ref-snapshot",
                          option="snapshot", hint=f"use an epoch between 0 and {last}")
    scale = block.options["scale"]
    caption = escape(block.options["caption"]) or escape(
        "Training and validation loss per epoch" + (f" of run {names[0]}" if len(names) == 1
                                                   else f" of runs {', '.join(names)}")
        + f"; epoch {epoch} is marked.")
    options = {"scale": scale, "epoch": epoch}
    frame, table = ctx.first_frame(block, data, options)
    return figure(block, ctx, frame=frame, caption=caption, data=data, snapshot=epoch, options=options,
                  extra=f'<details class="widget-data"><summary>Data</summary>{table}</details>')


register(Directive(
    name="loss",
    doc="Training and validation loss per epoch (one run or several overlaid), linked to the page's epoch.",
    options={"run": Opt(str, "", doc="a run of the page's spec files; give `run` or `runs`"),
             "runs": Opt(list, None, doc="several runs to overlay, measuring the same loss"),
             "snapshot": Opt(int, None, doc="epoch marked first, from 0 to the last epoch",
                             default_doc="the last epoch"),
             "scale": Opt(str, "log", ("log", "linear"), doc="the loss axis"),
             "caption": Opt(str, "", doc="caption, plain text (not Markdown); inline values are filled in",
                            default_doc="generated from the data")},
    needs=("run",),
    render=render,
))
