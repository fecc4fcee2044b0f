"""```{gradients}```: RNNbow's view of itemized BPTT gradients (Cashman et al. 2018).

For every position s of one traced sequence, a stacked bar of G[t][s] = ‖∂L_t/∂θ^(s)‖ for t ≥ s: how
much the loss at each later step t sends to the copy of the weights used at step s, coloured by the
source step t with viridis, so the band of one loss has the same colour in every bar and its row, the
*gradient horizon*, reads as a staircase. Under the bars: the per-step loss strip.

`run:` shows one run; `runs: a, b, c` shows small multiples that share one set of controls. The page
payload carries the chosen sequence at every snapshot for every layer and group (float32), so the
reader can scrub and switch without another request. The figure and its data table are drawn by
site/js/widgets/gradients.js (`frame`, `dataTable`), at build time and again live, from that payload.

Linked-view keys: `epoch` (snapshot) and `step` (selected t).
Explanation keys: `gradients` (widget heading), `gradients.horizon` (the horizon readout) and
`gradients.scale` (the scale control).
"""
from __future__ import annotations

from html import escape

from unrolled.precompute import arrays

from . import Directive, Opt, figure, register, run_or_runs, snapshot_index

GROUPS = ("ih", "hh", "all")
SCALES = ("absolute", "relative")
KIND = "itemized-gradients"


# --- options and references ------------------------------------------------------------------------

def load_runs(block, ctx, names: list[str], option: str) -> list[dict]:
    return [ctx.document(block, name, KIND, option) for name in names]


def check_references(block, docs: list[dict], option: str) -> tuple[int, int, int]:
    """Validate sequence, layer and snapshot against every run; returns (sequence, layer, snapshot index)."""
    sequence, layer = block.options["sequence"], block.options["layer"]
    if sequence < 0:
        raise block.error(f"option 'sequence' must be 0 or more, got {sequence}", rule="option-value",
                          option="sequence", hint="sequences are numbered from 0")
    if layer < 0:
        raise block.error(f"option 'layer' must be 0 or more, got {layer}", rule="option-value", option="layer",
                          hint="layers are numbered from 0 (the layer next to the input)")
    first = docs[0]
    epochs = [s["epoch"] for s in first["snapshots"]]
    for doc in docs:
        run = doc["run"]
        traced = len(doc["snapshots"][0]["sequences"]) if doc["snapshots"] else 0
        if sequence >= traced:
            hint = ("the run traces no sequence: set `trace = 1` (or more) in its spec" if traced == 0 else
                    f"use a sequence from 0 to {traced - 1}, or raise `trace` in the run's spec")
            raise block.error(f"run {run!r} has no traced sequence {sequence} (it traces {traced})",
                              rule="ref-sequence", option="sequence", hint=hint)
        layers = len(doc["snapshots"][0]["sequences"][sequence]["layers"])
        if layer >= layers:
            raise block.error(f"run {run!r} has no layer {layer} (it has {layers}, numbered from 0)",
                              rule="ref-layer", option="layer", hint=f"use a layer from 0 to {layers - 1}")
        theirs = [s["epoch"] for s in doc["snapshots"]]
        if theirs != epochs:
            raise block.error(f"runs {first['run']!r} and {run!r} export different snapshots ({epochs} and "
                              f"{theirs}); side-by-side runs share one snapshot scrubber", rule="runs-mismatch",
                              option=option, hint="give the compared runs the same `snapshots` list")
    return sequence, layer, snapshot_index(block, first["run"], epochs)


# --- payload -----------------------------------------------------------------------------------------

def panel_payload(doc: dict, sequence: int, title: str | None = None) -> dict:
    """`title`: the run's display name (spec key `title`), shown instead of its id."""
    first = doc["snapshots"][0]["sequences"][sequence]
    text = doc["kind"] == "text"
    panel = {"run": doc["run"], "cell": doc["cell"], "kind": doc["kind"],
             "input": arrays.encode(first["input"], "int32" if text else "float32"),
             "target": arrays.encode(first["target"], "int32" if text else "float32"),
             "snapshots": [{"epoch": s["epoch"],
                            "loss": arrays.encode(s["sequences"][sequence]["loss"], "float32"),
                            "layers": [{g: arrays.encode(layer[g], "float32") for g in GROUPS}
                                       for layer in s["sequences"][sequence]["layers"]]}
                           for s in doc["snapshots"]]}
    if text:
        panel["vocab"] = list(doc["vocab"])
    if title:
        panel["title"] = title
    return panel


def render(block, ctx) -> str:
    names, option = run_or_runs(block, "to compare runs side by side")
    docs = load_runs(block, ctx, names, option)
    sequence, layer, index = check_references(block, docs, option)
    options = {"layer": layer, "group": block.options["group"], "scale": block.options["scale"]}
    data = {"sequence": sequence,
            "panels": [panel_payload(doc, sequence, ctx.spec(block, doc["run"]).title) for doc in docs]}
    frame, table = ctx.first_frame(block, data, options | {"snapshot": index})
    caption = escape(block.options["caption"]) or escape(
        f"Itemized BPTT gradients of {'run' if len(names) == 1 else 'runs'} {', '.join(names)} on traced "
        f"sequence {sequence}: bar s stacks ‖∂L_t/∂θ(s)‖ for every later loss step t, coloured by t.")
    return figure(block, ctx, frame=frame, caption=caption, data=data, snapshot=index, options=options,
                  extra=f'<details class="widget-data"><summary>Data</summary>{table}</details>')


register(Directive(
    name="gradients",
    doc="RNNbow: stacked bars of itemized BPTT gradients per step, coloured by the loss step that sent them.",
    options={"run": Opt(str, None, doc="a run of the page's spec files; give `run` or `runs`"),
             "runs": Opt(list, None, doc="several runs side by side; they must export the same snapshots"),
             "layer": Opt(int, 0, doc="recurrent layer, from 0 (the layer next to the input)"),
             "group": Opt(str, "hh", GROUPS, doc="the weights: `hh` recurrent, `ih` input, `all` weights and "
                                                 "biases"),
             "scale": Opt(str, "absolute", SCALES, doc="bar heights: `absolute` norms (one y axis for the "
                                                       "compared runs, fitted to the shown snapshot), or `relative` "
                                                       "shares of each bar"),
             "sequence": Opt(int, 0, doc="traced validation sequence, from 0 (the spec's `trace` count)"),
             "snapshot": Opt(int, None, doc="epoch shown first; the runs must export it",
                             default_doc="the last exported"),
             "caption": Opt(str, "", doc="caption, plain text (not Markdown); inline values are filled in",
                            default_doc="generated from the data")},
    needs=(KIND,),
    render=render,
))
