"""Static SVG first frames: simple, exact geometry that the browser module later replaces.

The browser's `site/js/lib/plot.js` implements the same scale rule (documented in docs/architecture.md);
a browser test checks both renderings encode the same numbers.
"""
from __future__ import annotations

from html import escape

import numpy as np

WIDTH, HEIGHT = 640, 240
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
                     f'{tick:g}</text>')
    parts.append("</g>")
    return "".join(parts)


def svg(body: str, scale: Scale, *, title: str, desc: str, element_id: str) -> str:
    return (f'<svg class="plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-labelledby="{element_id}-title {element_id}-desc" {scale.data_attrs()}>'
            f'<title id="{element_id}-title">{escape(title)}</title>'
            f'<desc id="{element_id}-desc">{escape(desc)}</desc>{body}</svg>')


VISIBLE_CHARS = {" ": "␣", "\n": "⏎", "\t": "⇥"}


def char_label(ch: str) -> str:
    """A character as a reader can see it: space, newline and tab get visible symbols."""
    return VISIBLE_CHARS.get(ch, ch)
