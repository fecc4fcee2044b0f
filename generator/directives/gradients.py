"""```{gradients}```: RNNbow's view of itemized BPTT gradients (Cashman et al. 2018).

For every position s of one traced sequence, a stacked bar of G[t][s] = ‖∂L_t/∂θ^(s)‖ for t ≥ s: how
much the loss at each later step t sends to the copy of the weights used at step s. Bands are coloured
by the source step t with viridis (perceptually ordered, monotonic lightness, readable with every
common colour-vision deficiency and in greyscale), so the band of one loss has the same colour in
every bar and its row, the *gradient horizon*, reads as a staircase. Under the bars: the per-step
loss strip (RNNbow's prediction strip).

`run:` shows one run; `runs: a, b, c` shows small multiples that share one set of controls. The page
payload carries the chosen sequence at every snapshot for every layer and group (float32), so the
reader can scrub and switch without another request. `widgets/gradients.js` mirrors this module's
geometry rules; both record their scales on `<g class="bars">` / `<g class="loss-strip">` as
`data-y0/y1` (value domain) and `data-py0/py1` (the pixel rows of y0 and y1).

Options: `run` or `runs` (exactly one), `layer` (0 = next to the input), `group` (ih | hh | all),
`scale` (absolute | relative: each bar's shares), `sequence` (traced sequence, from 0), `snapshot`
(epoch; default the last), `caption`. Linked-view keys: `epoch` (snapshot) and `step` (selected t).
Explanation keys: `gradients` (widget heading), `gradients.horizon` (the horizon readout) and
`gradients.scale` (the scale control).
"""
from __future__ import annotations

import math
from html import escape

import numpy as np

from unrolled.precompute import arrays

from ..plot import char_label
from . import Directive, Opt, figure, register, run_or_runs, widget_id

GROUPS = ("ih", "hh", "all")
GROUP_NAMES = {"ih": "input weights W_ih", "hh": "recurrent weights W_hh",
               "all": "all parameters (weights and biases)"}
GROUP_SHORT = {"ih": "W_ih", "hh": "W_hh", "all": "θ"}
SCALES = ("absolute", "relative")
KIND = "itemized-gradients"
HORIZON_SHARE = 0.9  # the horizon readout: how far back this share of a loss's gradient lands

# Viridis (van der Walt & Smith, matplotlib's default map) sampled at 10 evenly spaced points;
# colours between samples are linear in sRGB. Same table and rule in widgets/gradients.js.
VIRIDIS = ((0x44, 0x01, 0x54), (0x48, 0x28, 0x78), (0x3e, 0x49, 0x89), (0x31, 0x68, 0x8e), (0x26, 0x82, 0x8e),
           (0x1f, 0x9e, 0x89), (0x35, 0xb7, 0x79), (0x6e, 0xce, 0x58), (0xb5, 0xde, 0x2b), (0xfd, 0xe7, 0x25))

# Static frame geometry (the live module measures its container instead, same rules).
WIDTH, SMALL_WIDTH = 640, 360
LEFT, RIGHT, TOP = 46, 8, 10
BARS_HEIGHT, AXIS_HEIGHT, STRIP_HEIGHT, BOTTOM = 150, 24, 34, 14
HEIGHT = TOP + BARS_HEIGHT + AXIS_HEIGHT + STRIP_HEIGHT + BOTTOM


def colour(t: int, count: int) -> str:
    """Viridis colour of source step t among `count` steps (t = 0 dark purple, last = yellow)."""
    x = t / (count - 1) if count > 1 else 0.0
    pos = x * (len(VIRIDIS) - 1)
    i = min(int(pos), len(VIRIDIS) - 2)
    f = pos - i
    rgb = (a + (b - a) * f for a, b in zip(VIRIDIS[i], VIRIDIS[i + 1]))
    return "#" + "".join(f"{int(math.floor(c + 0.5)):02x}" for c in rgb)


def fmt(value: float) -> str:
    """Four significant digits; exponent form outside [0.001, 10000) (same as gradients.js)."""
    value = float(value)
    if value == 0:
        return "0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e4:
        return f"{value:.{max(0, 3 - math.floor(math.log10(magnitude)))}f}"
    mantissa, exponent = f"{value:.3e}".split("e")
    return f"{mantissa}e{int(exponent):+d}"


def nice_top(top: float) -> tuple[float, list[float]]:
    """Upper end of an axis from 0 that covers `top`, rounded to a 1-2-5 step, and its ticks."""
    if not top > 0:
        return 1.0, [0.0, 0.5, 1.0]
    raw = top / 4
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    count = math.ceil(top / step - 1e-9)
    return count * step, [k * step for k in range(count + 1)]


# --- options and references ------------------------------------------------------------------------

def load_runs(block, ctx, names: list[str], option: str) -> list[dict]:
    return [ctx.document(block, name, KIND, option) for name in names]


def check_references(block, docs: list[dict], option: str) -> tuple[int, int, int]:
    """Validate sequence, layer and snapshot against every run; returns (sequence, layer, snapshot index)."""
    sequence, layer, epoch = block.options["sequence"], block.options["layer"], block.options["snapshot"]
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
    if epoch is None:
        return sequence, layer, len(epochs) - 1
    if epoch not in epochs:
        raise block.error(f"run {first['run']!r} has no snapshot at epoch {epoch}", rule="ref-snapshot",
                          option="snapshot", hint=f"use one of the exported epochs {epochs}, or add it to the "
                          "run's `snapshots` list")
    return sequence, layer, epochs.index(epoch)


# --- view numbers (the same rules as gradients.js) --------------------------------------------------

def panel_view(doc: dict, sequence: int, layer: int, group: str, index: int) -> dict:
    seq = doc["snapshots"][index]["sequences"][sequence]
    matrix = np.tril(np.asarray(seq["layers"][layer][group], dtype=np.float64))
    return {"matrix": matrix, "totals": matrix.sum(axis=0), "loss": np.asarray(seq["loss"], dtype=np.float64),
            "input": seq["input"], "target": seq["target"]}


def absolute_top(docs: list[dict], sequence: int, layer: int, group: str) -> float:
    """Largest bar over every snapshot and compared run: one y axis, so growth over training shows."""
    return max(float(np.tril(s["sequences"][sequence]["layers"][layer][group]).sum(axis=0).max(initial=0.0))
               for doc in docs for s in doc["snapshots"])


def loss_top(doc: dict, sequence: int) -> float:
    return max(float(np.max(s["sequences"][sequence]["loss"], initial=0.0)) for s in doc["snapshots"])


def step_labels(doc: dict, values) -> list[str]:
    if doc["kind"] == "text":
        return [char_label(doc["vocab"][int(v)]) for v in values]
    return [fmt(v) for v in values]


# --- static first frame -----------------------------------------------------------------------------

def static_svg(doc, view, *, top: float, ticks, loss_max: float, width: int, scale: str, title: str,
               desc: str, element_id: str) -> str:
    matrix, totals = view["matrix"], view["totals"]
    count = len(totals)
    slot = (width - LEFT - RIGHT) / count
    bar = slot * 0.8
    base = TOP + BARS_HEIGHT
    y1 = 1.0 if scale == "relative" else top
    per_unit = BARS_HEIGHT / y1
    parts = ['<g class="axis" aria-hidden="true">']
    for tick in ([0.0, 0.5, 1.0] if scale == "relative" else ticks):
        y = f"{base - tick * per_unit:.2f}"
        label = f"{tick * 100:g}%" if scale == "relative" else f"{tick:.6g}"
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{width - RIGHT}" y1="{y}" y2="{y}"/>'
                     f'<text x="{LEFT - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">{label}</text>')
    every = max(1, math.ceil(count / ((width - LEFT - RIGHT) / 22)))
    labels = (step_labels(doc, view["input"]) if doc["kind"] == "text" else [str(s) for s in range(count)])
    for s in range(0, count, every if doc["kind"] != "text" else 1):
        x = LEFT + (s + 0.5) * slot
        parts.append(f'<text class="step-label" x="{x:.2f}" y="{base + 15}" text-anchor="middle">'
                     f'{escape(labels[s])}</text>')
    parts.append(f'<text class="axis-title" x="{LEFT - 6}" y="{base + 15}" text-anchor="end">'
                 f'{"input" if doc["kind"] == "text" else "step"}</text></g>')
    parts.append(f'<g class="bars" data-y0="0" data-y1="{y1!r}" data-py0="{base}" data-py1="{TOP}">')
    for s in range(count):
        x = LEFT + s * slot + (slot - bar) / 2
        y = float(base)
        column = []
        for t in range(s, count):
            value = matrix[t, s]
            if scale == "relative":
                value = value / totals[s] if totals[s] > 0 else 0.0
            height = value * per_unit
            y -= height
            column.append(f'<rect data-t="{t}" data-s="{s}" x="{x:.2f}" y="{y:.2f}" width="{bar:.2f}" '
                          f'height="{height:.2f}" fill="{colour(t, count)}"/>')
        column.append(f'<rect class="bar-outline" x="{x:.2f}" y="{y:.2f}" width="{bar:.2f}" height="{base - y:.2f}"/>')
        parts.append(f'<g class="bar" data-s="{s}">{"".join(column)}</g>')
    parts.append("</g>")
    strip_top = base + AXIS_HEIGHT
    loss_y1 = loss_max if loss_max > 0 else 1.0
    parts.append(f'<g class="loss-strip" data-y0="0" data-y1="{loss_y1!r}" data-py0="{strip_top + STRIP_HEIGHT}" '
                 f'data-py1="{strip_top}"><text class="axis-title" x="{LEFT - 6}" '
                 f'y="{strip_top + STRIP_HEIGHT / 2:.2f}" text-anchor="end" dominant-baseline="middle">loss</text>')
    for t, value in enumerate(view["loss"]):
        height = value / loss_y1 * STRIP_HEIGHT
        parts.append(f'<rect data-t="{t}" x="{LEFT + t * slot + (slot - bar) / 2:.2f}" '
                     f'y="{strip_top + STRIP_HEIGHT - height:.2f}" width="{bar:.2f}" height="{height:.2f}"/>')
    parts.append("</g>")
    if doc["kind"] == "text":
        targets = step_labels(doc, view["target"])
        parts.append('<g class="axis" aria-hidden="true">'
                     f'<text class="axis-title" x="{LEFT - 6}" y="{HEIGHT - 2}" text-anchor="end">next</text>')
        parts.extend(f'<text class="step-label" x="{LEFT + (t + 0.5) * slot:.2f}" y="{HEIGHT - 2}" '
                     f'text-anchor="middle">{escape(ch)}</text>' for t, ch in enumerate(targets))
        parts.append("</g>")
    return (f'<svg class="plot gradients-chart" viewBox="0 0 {width} {HEIGHT}" role="img" '
            f'aria-labelledby="{element_id}-title {element_id}-desc">'
            f'<title id="{element_id}-title">{escape(title)}</title>'
            f'<desc id="{element_id}-desc">{escape(desc)}</desc>{"".join(parts)}</svg>')


def legend(count: int) -> str:
    swatches = "".join(f'<span style="background:{colour(t, count)}"></span>' for t in range(count))
    return (f'<div class="gradients-legend"><span class="gradients-legend-label">colour = loss step t</span>'
            f'<span class="gradients-legend-end">0</span><span class="gradients-ramp" aria-hidden="true">'
            f'{swatches}</span><span class="gradients-legend-end">{count - 1}</span></div>')


def describe(doc, view, layer: int, group: str, epoch: int) -> tuple[str, str]:
    totals = view["totals"]
    count = len(totals)
    peak = int(np.argmax(totals)) if count else 0
    title = f"Itemized gradients of run {doc['run']} ({doc['cell'].upper()}), layer {layer}, after epoch {epoch}"
    desc = (f"{count} stacked bars, one per step s: the gradient of the {GROUP_NAMES[group]} used at step s, "
            f"split by the later step t whose loss sent it and coloured by t. The largest bar is at step {peak} "
            f"({fmt(totals[peak])}). Below, the loss at each step.")
    return title, desc


def data_table(doc, view, group: str) -> str:
    matrix, count = view["matrix"], len(view["totals"])
    head = "".join(f'<th scope="col">s={s}</th>' for s in range(count))
    inputs = step_labels(doc, view["input"])
    rows = []
    for t in range(count):
        cells = "".join(f"<td>{fmt(matrix[t, s])}</td>" if s <= t else "<td></td>" for s in range(count))
        rows.append(f'<tr><th scope="row">t={t} ({escape(inputs[t])})</th><td>{fmt(view["loss"][t])}</td>{cells}</tr>')
    totals = "".join(f"<td>{fmt(v)}</td>" for v in view["totals"])
    return (f'<div class="gradients-table-wrap"><table class="data-table gradients-table" data-run="{escape(doc["run"])}">'
            f'<caption>Run {escape(doc["run"])}: ‖∂L<sub>t</sub>/∂{escape(GROUP_SHORT[group])}<sup>(s)</sup>‖, '
            f'row t = loss step (input in brackets), column s = weight step</caption>'
            f'<thead><tr><th scope="col">loss step</th><th scope="col">L<sub>t</sub></th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody><tfoot><tr><th scope="row">bar total</th><td></td>{totals}</tr>'
            f'</tfoot></table></div>')


# --- payload -----------------------------------------------------------------------------------------

def panel_payload(doc: dict, sequence: int) -> dict:
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
    return panel


def render(block, ctx) -> str:
    names, option = run_or_runs(block, "to compare runs side by side")
    docs = load_runs(block, ctx, names, option)
    sequence, layer, index = check_references(block, docs, option)
    group, scale = block.options["group"], block.options["scale"]
    element_id = widget_id(block)
    epoch = docs[0]["snapshots"][index]["epoch"]
    top, ticks = nice_top(absolute_top(docs, sequence, layer, group))
    width = WIDTH if len(docs) == 1 else SMALL_WIDTH
    panels, tables = [], []
    for k, doc in enumerate(docs):
        view = panel_view(doc, sequence, layer, group, index)
        title, desc = describe(doc, view, layer, group, epoch)
        chart = static_svg(doc, view, top=top, ticks=ticks, loss_max=loss_top(doc, sequence), width=width,
                           scale=scale, title=title, desc=desc, element_id=f"{element_id}-p{k}")
        heading = f'<p class="gradients-panel-title">{escape(doc["run"])} <small>{doc["cell"].upper()}</small></p>'
        panels.append(f'<div class="gradients-panel" data-run="{escape(doc["run"])}">{heading}'
                      f'{legend(len(view["totals"]))}{chart}</div>')
        tables.append(data_table(doc, view, group))
    frame = (f'<p class="gradients-title">Itemized gradients</p><p class="gradients-summary">Layer {layer}, '
             f'{escape(GROUP_NAMES[group])}, {scale} scale, after epoch {epoch}.</p>'
             f'<div class="gradients-panels" data-count="{len(docs)}">{"".join(panels)}</div>')
    runs_text = ", ".join(names)
    caption = escape(block.options["caption"]) or escape(
        f"Itemized BPTT gradients of {'run' if len(names) == 1 else 'runs'} {runs_text} on traced sequence "
        f"{sequence}: bar s stacks ‖∂L_t/∂θ(s)‖ for every later loss step t, coloured by t.")
    table = f'<details class="widget-data"><summary>Data</summary>{"".join(tables)}</details>'
    data = {"sequence": sequence, "panels": [panel_payload(doc, sequence) for doc in docs]}
    return figure(block, ctx, frame=frame, caption=caption, data=data, snapshot=index,
                  options={"layer": layer, "group": group, "scale": scale}, extra=table)


register(Directive(
    name="gradients",
    doc="RNNbow: stacked bars of itemized BPTT gradients per step, coloured by the loss step that sent them.",
    options={"run": Opt(str, None, doc="name of a run in the page's spec files"),
             "runs": Opt(list, None, doc="several runs, compared side by side (instead of `run`)"),
             "layer": Opt(int, 0, doc="recurrent layer, from 0 (next to the input)"),
             "group": Opt(str, "hh", GROUPS, doc="parameters: ih (W_ih), hh (W_hh) or all"),
             "scale": Opt(str, "absolute", SCALES, doc="bar heights: absolute norms or each bar's shares"),
             "sequence": Opt(int, 0, doc="traced validation sequence, from 0"),
             "snapshot": Opt(int, None, doc="epoch to show first (default: the last snapshot)"),
             "caption": Opt(str, "", doc="caption text (Markdown inline not interpreted)")},
    needs=(KIND,),
    render=render,
))
