"""```{horizon}```: how far back each loss reaches, as distributions over many held-out sequences.

Per distance d, the mean and the 10th–90th percentile band of one ratio of the run's `horizon` document
(log y), one band and mean line per run, the threshold and where each mean first falls below it; a
snapshot slider linked to the page store key `epoch`. Explanation key: `horizon`.

The figure and its data table are drawn by site/js/widgets/horizon.js (`frame`, `dataTable`), at build
time and again live, from the payload below.
"""
from __future__ import annotations

from html import escape

from . import Directive, Opt, figure, register, run_or_runs, snapshot_index

KIND = "horizon"
MEASURES = ("hh", "ih", "H", "connectivity")
NAMES = {"hh": "recurrent weights", "ih": "input weights", "H": "hidden state", "connectivity": "input"}


def load_runs(block, ctx, names: list[str], option: str) -> list[dict]:
    """Each run's horizon document (encoded, as the page receives it); a run that exports none is an error."""
    docs = []
    for name in names:
        spec = ctx.spec(block, name, option)
        if not spec.values.get("horizon"):
            raise block.error(f"run {name!r} exports no horizon document", rule="ref-horizon", option=option,
                              hint=f"set `horizon = 32` (held-out sequences to trace) in the [run.{name}] table")
        docs.append(ctx.raw_document(name, KIND))
    return docs


def check_references(block, docs: list[dict], option: str) -> tuple[str, int, int]:
    """Validate layer, snapshots and thresholds against every run; returns (measure, layer, snapshot index)."""
    measure, layer = block.options["measure"], block.options["layer"]
    if measure == "connectivity" and layer is not None:
        raise block.error("the connectivity measures the whole model, not one layer", rule="option-conflict",
                          option="layer", hint="leave out `layer`, or choose a layer's measure: hh, ih or H")
    layer = layer or 0
    if layer < 0:
        raise block.error(f"option 'layer' must be 0 or more, got {layer}", rule="option-value", option="layer",
                          hint="layers are numbered from 0 (the layer next to the input)")
    first = docs[0]
    epochs = [s["epoch"] for s in first["snapshots"]]
    for doc in docs:
        run = doc["run"]
        layers = len(doc["snapshots"][0]["layers"])
        if layer >= layers:
            raise block.error(f"run {run!r} has no layer {layer} (it has {layers}, numbered from 0)",
                              rule="ref-layer", option="layer", hint=f"use a layer from 0 to {layers - 1}")
        theirs = [s["epoch"] for s in doc["snapshots"]]
        if theirs != epochs:
            raise block.error(f"runs {first['run']!r} and {run!r} export different snapshots ({epochs} and "
                              f"{theirs}); the plotted runs share one snapshot slider", rule="runs-mismatch",
                              option=option, hint="give the compared runs the same `snapshots` list")
        if doc["threshold"] != first["threshold"]:
            raise block.error(f"runs {first['run']!r} and {run!r} measure horizons at different thresholds "
                              f"({first['threshold']} and {doc['threshold']})", rule="runs-mismatch",
                              option=option, hint="give the compared runs the same `horizon_threshold`")
    return measure, layer, snapshot_index(block, first["run"], epochs)


def reach_of(snapshot: dict, measure: str, layer: int) -> dict:
    return snapshot["connectivity"] if measure == "connectivity" else snapshot["layers"][layer][measure]


def payload(docs: list[dict], measure: str, layer: int, titles: dict[str, str] | None = None) -> dict:
    """The one measure the figure plots: per run and snapshot, its ratio statistics and horizon (float64).
    `titles`: the runs' display names (spec key `title`), shown instead of their ids."""
    runs = [{"run": d["run"], "cell": d["cell"], "distance": d["distance"],
             "snapshots": [{"epoch": s["epoch"], "horizon": reach_of(s, measure, layer)["horizon"],
                            "ratio": reach_of(s, measure, layer)["ratio"]} for s in d["snapshots"]]}
            | ({"title": titles[d["run"]]} if (titles or {}).get(d["run"]) else {})
            for d in docs]
    return {"measure": measure, "layer": layer, "threshold": docs[0]["threshold"], "runs": runs}


def render(block, ctx) -> str:
    names, option = run_or_runs(block, "to compare several runs")
    docs = load_runs(block, ctx, names, option)
    measure, layer, index = check_references(block, docs, option)
    data = payload(docs, measure, layer, {name: ctx.spec(block, name).title for name in names})
    epoch = data["runs"][0]["snapshots"][index]["epoch"]
    caption = escape(block.options["caption"]) or escape(
        f"How far back the gradient reaches ({NAMES[measure]}): mean ratio and 10th–90th percentile band per "
        f"distance over held-out sequences, for run{'s' if len(names) > 1 else ''} {', '.join(names)}, "
        f"at epoch {epoch}.")
    frame, table = ctx.first_frame(block, data, {"snapshot": index})
    return figure(block, ctx, frame=frame, caption=caption, data=data, snapshot=index,
                  extra=f'<details class="widget-data"><summary>Data</summary>{table}</details>')


register(Directive(
    name="horizon",
    doc="How far back each loss reaches: ratio per distance over held-out sequences (mean, 10th–90th "
        "percentile), one band per run, with the threshold and the horizons; linked to the page's epoch.",
    options={"run": Opt(str, "", doc="a run whose spec sets `horizon`; give `run` or `runs`"),
             "runs": Opt(list, None, doc="several runs in one plot; together they must export the same "
                                         "snapshots and `horizon_threshold`"),
             "measure": Opt(str, "hh", MEASURES, doc="the document's quantity: `hh` recurrent weights, `ih` "
                                                     "input weights, `H` the hidden state, `connectivity` "
                                                     "‖∂ŷ_t/∂x_(t−d)‖ (the output's dependence on the input)"),
             "layer": Opt(int, None, doc="recurrent layer, from 0 (next to the input); not with "
                                         "`connectivity`", default_doc="`0`"),
             "snapshot": Opt(int, None, doc="epoch shown first; the runs must export it",
                             default_doc="the last exported"),
             "caption": Opt(str, "", doc="caption, plain text (not Markdown); inline values are filled in",
                            default_doc="generated from the data")},
    needs=(KIND,),
    render=render,
))
