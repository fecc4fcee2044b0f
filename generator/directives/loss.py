"""```{loss}```: training and validation loss per epoch of one run, or several overlaid, with the epoch marked.

Options: `run` or `runs` (comma list, overlaid), `snapshot` (the epoch marked first; default the last),
`scale` (log | linear), `caption`. The chart is linked to the page store key `epoch`
(site/js/widgets/loss.js). Explanation key: `loss`.

The geometry below (LossScale, ticks, label formatting) is mirrored by site/js/widgets/loss.js; both
record their domain in data-x0/x1/y0/y1 (+ data-scale) so a test can invert either rendering.
"""
from __future__ import annotations

import math
from html import escape

from . import Directive, Opt, figure, register, run_or_runs, widget_id

WIDTH, HEIGHT = 640, 240
MARGIN = {"left": 54, "right": 14, "top": 12, "bottom": 34}
FLOOR = 1e-12  # losses are positive; a log scale needs a floor for an exact zero
LOSS_NAMES = {"mse": "mean squared error", "ce": "cross-entropy"}
FORMAT = "{:.4g}"


class LossScale:
    """x: epochs, linear; y: loss, log10 or linear (same rule as loss.js)."""

    def __init__(self, epochs: int, values, scale: str):
        self.scale = scale
        self.x0, self.x1 = 0, max(1, epochs)
        values = [max(float(v), FLOOR) for v in values]
        lo, hi = min(values), max(values)
        if scale == "log":
            a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
            if b <= a:
                b = a + 1
            self.y0, self.y1 = 10.0 ** a, 10.0 ** b
        else:
            self.y0, self.y1 = 0.0, nice_ceil(hi * 1.05)

    def _t(self, v: float) -> float:
        return math.log10(max(v, FLOOR)) if self.scale == "log" else v

    def x(self, epoch: float) -> float:
        span = WIDTH - MARGIN["left"] - MARGIN["right"]
        return MARGIN["left"] + (epoch - self.x0) / (self.x1 - self.x0) * span

    def y(self, value: float) -> float:
        span = HEIGHT - MARGIN["top"] - MARGIN["bottom"]
        t0, t1 = self._t(self.y0), self._t(self.y1)
        return MARGIN["top"] + (t1 - self._t(value)) / (t1 - t0) * span

    def points(self, xs, ys) -> str:
        return " ".join(f"{self.x(a):.2f},{self.y(float(b)):.2f}" for a, b in zip(xs, ys))

    def y_ticks(self) -> list[float]:
        if self.scale == "log":
            a, b = round(math.log10(self.y0)), round(math.log10(self.y1))
            ticks = [10.0 ** k for k in range(a, b + 1)]
            if b - a == 1:
                ticks = sorted(ticks + [m * 10.0 ** a for m in (2, 5)])
            return ticks
        step = nice_step(self.y1 / 4)
        return [k * step for k in range(int(round(self.y1 / step)) + 1)]

    def x_ticks(self) -> list[int]:
        step = max(1, int(nice_step(self.x1 / 6)))
        return list(range(0, self.x1 + 1, step))


def nice_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    exponent = math.floor(math.log10(raw))
    base = 10.0 ** exponent
    for m in (1, 2, 5, 10):
        if raw <= m * base * (1 + 1e-9):
            return m * base
    return 10 * base


def nice_ceil(value: float) -> float:
    if value <= 0:
        return 1.0
    step = nice_step(value / 4)
    return math.ceil(value / step - 1e-9) * step


def tick_label(value: float) -> str:
    """Short axis label, identical to loss.js `tickLabel`."""
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)) + 1e-9)
    if exponent <= -4 or exponent >= 5:
        mantissa = value / 10.0 ** exponent
        lead = "" if abs(mantissa - 1) < 1e-9 else f"{mantissa:.3g}×"
        return f"{lead}10{superscript(exponent)}"
    if exponent >= 0:
        return f"{value:.6g}"
    text = f"{value:.{2 - exponent}f}"
    return text.rstrip("0").rstrip(".")


def superscript(n: int) -> str:
    return str(n).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


# -- the figure ----------------------------------------------------------------------------------
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


def payload(docs: list[dict]) -> dict:
    runs = []
    for d in docs:
        task = {k: d["task"][k] for k in ("kind", "dataset", "cell", "layers", "hidden", "loss")}
        runs.append({"run": d["run"], "task": task, "snapshots": list(d["snapshots"]),
                     "loss": {k: [float(v) for v in d["loss"][k]] for k in ("train", "validation")}
                     | {"epoch": [int(e) for e in d["loss"]["epoch"]]}})
    return {"runs": runs}


def values_at(run: dict, epoch: int):
    if epoch >= len(run["loss"]["epoch"]):
        return None
    return run["loss"]["train"][epoch], run["loss"]["validation"][epoch]


def describe(data: dict, epoch: int, scale: str) -> tuple[str, str]:
    names = [r["run"] for r in data["runs"]]
    loss = LOSS_NAMES[data["runs"][0]["task"]["loss"]]
    title = (f"Loss per epoch of run {names[0]}" if len(names) == 1 else f"Loss per epoch of runs {', '.join(names)}")
    parts = []
    for r in data["runs"]:
        at = values_at(r, epoch)
        if at:
            parts.append(f"{r['run']}: train {FORMAT.format(at[0])}, validation {FORMAT.format(at[1])}")
    last = max(r["loss"]["epoch"][-1] for r in data["runs"])
    desc = (f"Training and validation loss ({loss}, {scale} scale) over epochs 0 to {last}; "
            f"marked epoch {epoch}: " + "; ".join(parts))
    return title, desc


def static_svg(data: dict, epoch: int, scale_kind: str, element_id: str) -> str:
    runs = data["runs"]
    last = max(r["loss"]["epoch"][-1] for r in runs)
    scale = LossScale(last, [v for r in runs for k in ("train", "validation") for v in r["loss"][k]], scale_kind)
    left, right = MARGIN["left"], WIDTH - MARGIN["right"]
    top, bottom = MARGIN["top"], HEIGHT - MARGIN["bottom"]
    axis = ['<g class="axis" aria-hidden="true">']
    for t in scale.y_ticks():
        y = f"{scale.y(t):.2f}"
        axis.append(f'<line class="grid" x1="{left}" x2="{right}" y1="{y}" y2="{y}"/>'
                    f'<text x="{left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">{tick_label(t)}</text>')
    for e in scale.x_ticks():
        x = f"{scale.x(e):.2f}"
        axis.append(f'<line class="tick" x1="{x}" x2="{x}" y1="{bottom}" y2="{bottom + 4}"/>'
                    f'<text x="{x}" y="{bottom + 15}" text-anchor="middle">{e}</text>')
    axis.append(f'<line class="baseline" x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}"/>'
                f'<text class="axis-label" x="{(left + right) / 2:.1f}" y="{HEIGHT - 2}" text-anchor="middle">epoch</text></g>')
    snaps = sorted({e for r in runs for e in r["snapshots"]})
    ticks = "".join(f'<circle cx="{scale.x(e):.2f}" cy="{bottom}" r="2.5"/>' for e in snaps)
    body = ["".join(axis), f'<g class="snapshot-ticks" aria-hidden="true">{ticks}</g>']
    for i, r in enumerate(runs):
        for series in ("train", "validation"):
            body.append(f'<polyline class="series series-{series} run-{i % 6}" data-series="{series}" '
                        f'data-run="{escape(r["run"])}" fill="none" '
                        f'points="{scale.points(r["loss"]["epoch"], r["loss"][series])}"/>')
    x = f"{scale.x(epoch):.2f}"
    dots = "".join(f'<circle class="dot dot-{s} run-{i % 6}" cx="{x}" cy="{scale.y(r["loss"][s][epoch]):.2f}" r="3.5"/>'
                   for i, r in enumerate(runs) for s in ("train", "validation") if values_at(r, epoch))
    body.append(f'<g class="marker" data-epoch="{epoch}" aria-hidden="true"><line x1="{x}" x2="{x}" y1="{top}" '
                f'y2="{bottom}"/>{dots}</g>')
    title, desc = describe(data, epoch, scale_kind)
    return (f'<svg class="plot loss-plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-labelledby="{element_id}-title {element_id}-desc" data-x0="{scale.x0!r}" data-x1="{scale.x1!r}" '
            f'data-y0="{scale.y0!r}" data-y1="{scale.y1!r}" data-scale="{scale_kind}">'
            f'<title id="{element_id}-title">{escape(title)}</title><desc id="{element_id}-desc">{escape(desc)}</desc>'
            f'{"".join(body)}</svg>')


def legend(data: dict) -> str:
    items = []
    for i, r in enumerate(data["runs"]):
        items.append(f'<li class="run-{i % 6}"><span class="swatch swatch-train" aria-hidden="true"></span>'
                     f'<span class="swatch swatch-validation" aria-hidden="true"></span>{escape(r["run"])}</li>')
    key = ('<li class="legend-key"><span class="swatch swatch-train" aria-hidden="true"></span>train '
           '<span class="swatch swatch-validation" aria-hidden="true"></span>validation</li>')
    return f'<ul class="loss-legend">{key}{"".join(items) if len(data["runs"]) > 1 else ""}</ul>'


def data_table(data: dict) -> str:
    runs = data["runs"]
    head = "".join(f'<th scope="col">{escape(r["run"])} train</th><th scope="col">{escape(r["run"])} validation</th>'
                   if len(runs) > 1 else '<th scope="col">train</th><th scope="col">validation</th>' for r in runs)
    last = max(r["loss"]["epoch"][-1] for r in runs)
    rows = []
    for e in range(last + 1):
        cells = "".join(f"<td>{FORMAT.format(at[0])}</td><td>{FORMAT.format(at[1])}</td>" if (at := values_at(r, e))
                        else "<td></td><td></td>" for r in runs)
        rows.append(f'<tr><th scope="row">{e}</th>{cells}</tr>')
    return (f'<table class="data-table"><thead><tr><th scope="col">epoch</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def render(block, ctx) -> str:
    names, _ = run_or_runs(block, "to overlay several runs")
    docs = check_runs(block, ctx, names)
    data = payload(docs)
    last = max(r["loss"]["epoch"][-1] for r in data["runs"])
    epoch = block.options["snapshot"]
    if epoch is None:
        epoch = last
    elif not 0 <= epoch <= last:
        raise block.error(f"epoch {epoch} is outside the loss curves (epochs 0 to {last})", rule="ref-snapshot",
                          option="snapshot", hint=f"use an epoch between 0 and {last}")
    scale = block.options["scale"]
    element_id = widget_id(block)
    caption = escape(block.options["caption"]) or escape(
        "Training and validation loss per epoch" + (f" of run {names[0]}" if len(names) == 1
                                                   else f" of runs {', '.join(names)}")
        + f"; epoch {epoch} is marked.")
    heading = (f'<div class="loss-heading"><span class="loss-title">Loss '
               f'({LOSS_NAMES[data["runs"][0]["task"]["loss"]]})</span></div>')
    frame = heading + static_svg(data, epoch, scale, element_id) + legend(data)
    table = f'<details class="widget-data"><summary>Data</summary>{data_table(data)}</details>'
    return figure(block, ctx, frame=frame, caption=caption, data=data, snapshot=epoch,
                  options={"scale": scale, "epoch": epoch}, extra=table)


register(Directive(
    name="loss",
    doc="Training and validation loss per epoch (one run or several overlaid), linked to the page's epoch.",
    options={"run": Opt(str, "", doc="name of a run in the page's spec files"),
             "runs": Opt(list, None, doc="several runs to overlay, comma-separated"),
             "snapshot": Opt(int, None, doc="epoch marked first (default: the last epoch)"),
             "scale": Opt(str, "log", ("log", "linear"), doc="y axis: log or linear"),
             "caption": Opt(str, "", doc="caption text (Markdown inline not interpreted)")},
    needs=("run",),
    render=render,
))
