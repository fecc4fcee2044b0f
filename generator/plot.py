"""The {network} widget's static prediction plot, a Python copy of site/js/widgets/predictions.js `plot`.

{predictions} itself renders its first frame with that module at build time (generator/js.py); this
copy stays only until {network} does the same, and records the same scale (data-x0/x1/y0/y1, data-py0/py1).
"""
from __future__ import annotations

from html import escape

import numpy as np

from .inline_values import MINUS

WIDTH, HEIGHT = 640, 240
FORMAT = "{:.4f}"
MARGIN = {"left": 36, "right": 8, "top": 10, "bottom": 22}


def value_domain(*series) -> tuple[float, float]:
    """Cover every value and at least [-1, 1], with a 10% pad (same rule as plot.js)."""
    values = np.concatenate([np.ravel(s) for s in series if s is not None and np.size(s)])
    lo, hi = min(float(values.min()), -1.0), max(float(values.max()), 1.0)
    pad = 0.1 * (hi - lo)
    return lo - pad, hi + pad


class Scale:
    """Linear map from data (x, y) to SVG pixels inside the margins."""

    def __init__(self, x_domain, y_domain):
        self.x0, self.x1 = x_domain
        self.y0, self.y1 = y_domain

    def x(self, value: float) -> float:
        span = WIDTH - MARGIN["left"] - MARGIN["right"]
        return MARGIN["left"] + (value - self.x0) / (self.x1 - self.x0) * span

    def y(self, value: float) -> float:
        span = HEIGHT - MARGIN["top"] - MARGIN["bottom"]
        return MARGIN["top"] + (self.y1 - value) / (self.y1 - self.y0) * span

    def points(self, xs, ys) -> str:
        return " ".join(f"{self.x(float(a)):.2f},{self.y(float(b)):.2f}" for a, b in zip(xs, ys))

    def data_attrs(self) -> str:
        return (f'data-x0="{self.x0!r}" data-x1="{self.x1!r}" data-y0="{self.y0!r}" data-y1="{self.y1!r}"')


def polyline(scale: Scale, series: str, xs, ys) -> str:
    return (f'<polyline class="series series-{series}" data-series="{series}" fill="none" '
            f'points="{scale.points(xs, ys)}"/>')


def y_axis(scale: Scale, ticks=(-1.0, 0.0, 1.0)) -> str:
    parts = ['<g class="axis" aria-hidden="true">']
    for tick in ticks:
        y = f"{scale.y(tick):.2f}"
        parts.append(f'<line class="grid" x1="{MARGIN["left"]}" x2="{WIDTH - MARGIN["right"]}" y1="{y}" y2="{y}"/>')
        parts.append(f'<text x="{MARGIN["left"] - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
                     f'{tick:g}</text>'.replace("-", MINUS))
    parts.append("</g>")
    return "".join(parts)


def svg(body: str, scale: Scale, *, title: str, desc: str, element_id: str) -> str:
    return (f'<svg class="plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-labelledby="{element_id}-title {element_id}-desc" {scale.data_attrs()} '
            f'data-py0="{HEIGHT - MARGIN["bottom"]}" data-py1="{MARGIN["top"]}">'
            f'<title id="{element_id}-title">{escape(title)}</title>'
            f'<desc id="{element_id}-desc">{escape(desc)}</desc>{body}</svg>')


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
    scale = Scale((start, start + step * (window + steps)), value_domain(*series))
    return x_in, x_out, x_roll, scale


def predictions_svg(doc, index: int, element_id: str) -> str:
    snap = doc["snapshots"][index]
    x_in, x_out, x_roll, scale = geometry(doc, snap)
    window_rect = (f'<rect class="window" x="{scale.x(x_in[0]):.2f}" y="{MARGIN["top"]}" '
                   f'width="{scale.x(x_in[-1]) - scale.x(x_in[0]):.2f}" '
                   f'height="{HEIGHT - MARGIN["top"] - MARGIN["bottom"]}"/>')
    errors = "".join(f'<line x1="{scale.x(x):.2f}" x2="{scale.x(x):.2f}" y1="{scale.y(t):.2f}" y2="{scale.y(p):.2f}"/>'
                     for x, t, p in zip(x_out, snap["target"], snap["prediction"]))
    body = [y_axis(scale), window_rect, f'<g class="errors">{errors}</g>',
            polyline(scale, "input", x_in, snap["input"]),
            polyline(scale, "target", x_out, snap["target"]),
            polyline(scale, "prediction", x_out, snap["prediction"])]
    if snap.get("rollout"):
        body.append(polyline(scale, "rollout-target", x_roll, snap["rollout"]["target"]))
        body.append(polyline(scale, "rollout", x_roll, snap["rollout"]["prediction"]))
    mse = float(np.mean(np.square(snap["error"])))
    title = f"Predictions of run {doc['run']} after epoch {snap['epoch']}"
    desc = (f"{len(snap['input'])} input values, the next value predicted at each step "
            f"(mean squared error on this window {mse:.4f})" + (", then an autoregressive roll-out" if snap.get("rollout") else ""))
    return svg("".join(body), scale, title=title, desc=desc, element_id=element_id)


def num(value) -> str:
    """A table value: four decimals and a real minus sign, as the widgets write it (lib/format.js)."""
    return FORMAT.format(value).replace("-", MINUS)


def predictions_table(doc, index: int) -> str:
    snap = doc["snapshots"][index]
    rows = "".join(f"<tr><th scope=\"row\">{i}</th><td>{num(a)}</td><td>{num(t)}</td>"
                   f"<td>{num(p)}</td></tr>"
                   for i, (a, t, p) in enumerate(zip(snap["input"], snap["target"], snap["prediction"])))
    return ('<table class="data-table"><thead><tr><th scope="col">step</th><th scope="col">input</th>'
            f'<th scope="col">target</th><th scope="col">prediction</th></tr></thead><tbody>{rows}</tbody></table>')


VISIBLE_CHARS = {" ": "␣", "\n": "⏎", "\t": "⇥"}


def char_label(ch: str) -> str:
    """A character as a reader can see it: space, newline and tab get visible symbols."""
    return VISIBLE_CHARS.get(ch, ch)
