"""```{cell}```: the recurrent cell view, the real traced numbers inside one LSTM, GRU or RNN cell.

exploRNN's cell view animated a schematic LSTM; this one shows what the trained model computed. For one
traced validation sequence of a run (its `cell-trace` document) the reader steps through the compute
steps of a time step t (receive input → gate activations → cell update → output), then through the
backward pass (∂L/∂h_t arrives → … → gate pre-activations), for every t, layer and exported epoch.
Every vector is a heat strip (diverging colour scale with a legend; hover or focus a unit for its
value); the traced sequence's input, target and output are plotted beside the diagram with t marked.

Options

| option     | type                  | default        | meaning                                            |
|------------|-----------------------|----------------|----------------------------------------------------|
| `run`      | text (required)       |                | a run of the page's spec files                     |
| `layer`    | integer               | 0              | recurrent layer (0 reads the data)                 |
| `sequence` | integer               | 0              | which traced sequence (the spec's `trace` count)   |
| `snapshot` | integer (epoch)       | last exported  | epoch shown first                                  |
| `step`     | integer               | 0              | time step t shown first                            |
| `phase`    | forward \\| backward   | forward        | pass shown first                                   |
| `caption`  | text                  | generated      | caption (plain text)                               |

Errors (rule ids): `ref-run`, `ref-trace` (the run traces no sequence), `ref-sequence`, `ref-layer`,
`ref-snapshot`, `ref-step`; plus the registry's `option-type`, `option-choice`, `option-unknown`.

Explanation keys (write ```{explain}``` blocks with `for:` one of these; each becomes an (i) button):
`cell` (the widget heading), `cell.input` (receiving the input), `cell.forget`, `cell.input-gate`,
`cell.candidate`, `cell.output-gate`, `cell.state`, `cell.output` (LSTM), `cell.reset`, `cell.update`
(GRU; GRU also uses `cell.candidate` and `cell.output`, the RNN `cell.output`), `cell.backward` (the
backward pass).

Linked views (unrolled/lib/state.js, mirrored in the URL): `epoch`, `step`, `layer`.

Opening from another widget (e.g. a layer of {network}): see the header of site/js/widgets/cell.js:
`open(figure, {layer, step, phase, source})` or a `cell-open` CustomEvent on the figure. Figures carry
`data-run="NAME"`, so `[data-widget="cell"][data-run="NAME"]` finds the cell view of a run.

The payload holds the chosen sequence only, every snapshot and layer, as float32, plus the diagram
geometry computed here (`diagram(...)`), so the static first frame and the live module draw the same
picture from the same numbers. Numbers in `data-value` attributes are float32 values written with 9
significant digits (exact for float32), identically in Python and JavaScript.
"""
from __future__ import annotations

import math
from html import escape

import numpy as np

from unrolled.precompute import arrays

from ..plot import char_label
from . import REQUIRED, Directive, Opt, figure, register, widget_id

CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "Vanilla RNN"}

# -- numbers, colours (mirrored exactly in site/js/widgets/cell/format.js) --------------------------------

# Diverging scale (ColorBrewer PuOr, 5 classes): purple below zero, orange above.
STOPS = ((-1.0, (0x54, 0x27, 0x88)), (-0.5, (0x99, 0x8E, 0xC3)), (0.0, (0xF7, 0xF7, 0xF7)),
         (0.5, (0xF1, 0xA3, 0x40)), (1.0, (0xB3, 0x58, 0x06)))


def _js_exponent(text: str) -> str:
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent):+d}"


def exact(v: float) -> str:
    """9 significant digits: exact for a float32 value (JS: v.toExponential(8))."""
    return "0" if v == 0 else _js_exponent(f"{v:.8e}")


def short(v: float) -> str:
    """Human-readable value (JS: fmt.short)."""
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e4:
        return f"{v:.4f}"
    return _js_exponent(f"{v:.2e}")


DECADES = 3  # gradients: a signed log scale over three decades below the largest one


def scale_position(v: float, domain: float, log: bool = False) -> float:
    """Where v sits on the colour scale, in [-1, 1]: linear (values) or signed log10 (gradients)."""
    if not log:
        return max(-1.0, min(1.0, v / domain))
    a = abs(v) / domain
    t = 0.0 if a == 0 else min(1.0, max(0.0, 1 + math.log10(a) / DECADES))
    return t if v > 0 else -t


def colour(v: float, domain: float, log: bool = False) -> str:
    """Hex colour of v on the diverging scale covering [-domain, domain] (values beyond are clamped)."""
    t = scale_position(v, domain, log)
    for (a, ca), (b, cb) in zip(STOPS, STOPS[1:]):
        if t <= b:
            frac = (t - a) / (b - a)
            return "#" + "".join(f"{math.floor(x + (y - x) * frac + 0.5):02x}" for x, y in zip(ca, cb))
    return "#%02x%02x%02x" % STOPS[-1][1]


def legend_ticks(phase: str, domain: float) -> tuple[list[tuple[float, str]], list[float]]:
    """Labelled ticks (percent along the bar, label) and, for the log scale, the unlabelled decade marks
    (JS: legendTicks)."""
    if phase == "forward":
        return [(0, "≤ −1"), (50, "0"), (100, "≥ +1")], []
    step = 50 / DECADES
    marks = [50 - k * step for k in range(DECADES - 1, 0, -1)] + [50 + k * step for k in range(1, DECADES)]
    return [(0, f"−{short(domain)}"), (50, "0"), (100, f"+{short(domain)}")], marks


def f32(a) -> np.ndarray:
    """What the browser sees: the payload's float32 values, as float64 for exact formatting."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


# -- the diagrams -----------------------------------------------------------------------------------------

NODE_W, GAP, MARGIN_L, MARGIN_R, TOP = 92, 26, 22, 10, 24
LABEL_H, PAD_B, STRIP_W = 30, 7, 80
CHANNEL_A, CHANNEL_B = 64, 32

# id: (sym, sub, name, forward key, pre-activation key, backward key, backward sym, backward name, fn, explain)
NODE_TEXT = {
    "lstm": {
        "c_prev": ("c", "t−1", "previous state", "c_prev", None, None, "c", "t−1", "", "cell.state"),
        "c": ("c", "t", "cell state", "c", None, "dc", "δc", "t", "", "cell.state"),
        "h": ("h", "t", "output", "h", None, "dh", "δh", "t", "", "cell.output"),
        "f": ("f", "t", "forget gate", "f", "pre_f", "d_pre_f", "δf", "t", "σ", "cell.forget"),
        "i": ("i", "t", "input gate", "i", "pre_i", "d_pre_i", "δi", "t", "σ", "cell.input-gate"),
        "g": ("g", "t", "candidate", "g", "pre_g", "d_pre_g", "δg", "t", "tanh", "cell.candidate"),
        "o": ("o", "t", "output gate", "o", "pre_o", "d_pre_o", "δo", "t", "σ", "cell.output-gate"),
        "h_prev": ("h", "t−1", "previous", "h_prev", None, None, "h", "t−1", "", "cell.input"),
        "x": ("x", "t", "input", "x", None, None, "x", "t", "", "cell.input"),
    },
    "gru": {
        "h": ("h", "t", "output", "h", None, "dh", "δh", "t", "", "cell.output"),
        "z": ("z", "t", "update gate", "z", "pre_z", "d_pre_z", "δz", "t", "σ", "cell.update"),
        "r": ("r", "t", "reset gate", "r", "pre_r", "d_pre_r", "δr", "t", "σ", "cell.reset"),
        "m": ("m", "t", "W\u2095\u2099h + b", "gh_n", None, "d_gh_n", "δm", "t", "", "cell.reset"),
        "n": ("n", "t", "candidate", "n", "pre_n", "d_pre_n", "δn", "t", "tanh", "cell.candidate"),
        "h_prev": ("h", "t−1", "previous", "h_prev", None, None, "h", "t−1", "", "cell.input"),
        "x": ("x", "t", "input", "x", None, None, "x", "t", "", "cell.input"),
    },
    "rnn": {
        "h": ("h", "t", "output", "h", None, "dh", "δh", "t", "", "cell.output"),
        "a": ("a", "t", "weighted sum", "pre", None, "d_pre", "δa", "t", "", "cell.output"),
        "h_prev": ("h", "t−1", "previous", "h_prev", None, None, "h", "t−1", "", "cell.input"),
        "x": ("x", "t", "input", "x", None, None, "x", "t", "", "cell.input"),
    },
}

# Compute steps: (name, Markdown text) per phase. Forward and backward stage of every node and wire below.
STAGES = {
    "lstm": {
        "forward": [
            ("Receive input", "The cell reads the input $x_t$, its previous output $h_{t-1}$ and its cell state "
                              "$c_{t-1}$."),
            ("Gate activations", "Four weighted sums of $x_t$ and $h_{t-1}$: the input, forget and output gates "
                                 "squash theirs with σ into (0, 1), the candidate with tanh into (−1, 1)."),
            ("Cell update", "The forget gate scales the old cell state, the input gate admits the candidate: "
                            "$c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$."),
            ("Output", "The output gate filters $\\tanh(c_t)$ into the new output $h_t$, which goes up a layer "
                       "(or to the prediction) and on to step $t+1$."),
        ],
        "backward": [
            ("Gradient arrives", "$\\delta h_t = \\partial L/\\partial h_t$: what the loss at step $t$ sends "
                                 "back (through the layer above or the output head) plus what step $t+1$ sends."),
            ("Output gate and cell state", "The gradient splits: into the output gate's pre-activation and, "
                                           "through $\\tanh$, into the cell state, where step $t+1$'s share "
                                           "joins it."),
            ("Into the gates", "$\\delta c_t$ reaches the forget gate, input gate and candidate; what remains "
                               "flows on to $c_{t-1}$, $h_{t-1}$ and the layer below (step $t-1$ shows it)."),
        ],
    },
    "gru": {
        "forward": [
            ("Receive input", "The cell reads the input $x_t$ and its previous output $h_{t-1}$."),
            ("Gate activations", "Two weighted sums of $x_t$ and $h_{t-1}$, squashed by σ into (0, 1): the reset "
                                 "gate $r_t$ and the update gate $z_t$."),
            ("Candidate", "The reset gate scales the hidden part $m_t = W_{hn} h_{t-1} + b_{hn}$ before it joins "
                          "the input part; tanh gives the candidate $n_t$."),
            ("Output", "The update gate blends old and new: $h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}$, "
                       "which goes up a layer (or to the prediction) and on to step $t+1$."),
        ],
        "backward": [
            ("Gradient arrives", "$\\delta h_t = \\partial L/\\partial h_t$: what the loss at step $t$ sends "
                                 "back (through the layer above or the output head) plus what step $t+1$ sends."),
            ("Update gate and candidate", "The blend splits the gradient between the update gate, the candidate "
                                          "and (scaled by $z_t$) the previous output."),
            ("Reset gate", "Through the candidate's sum the gradient reaches the reset gate and the hidden part "
                           "$m_t$; what remains flows on to $h_{t-1}$ and the layer below."),
        ],
    },
    "rnn": {
        "forward": [
            ("Receive input", "The cell reads the input $x_t$ and its previous output $h_{t-1}$."),
            ("Weighted sum", "$a_t = W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}$: one weighted sum per unit."),
            ("Output", "tanh squashes the sum into $h_t \\in (-1, 1)$, which goes up a layer (or to the "
                       "prediction) and on to step $t+1$."),
        ],
        "backward": [
            ("Gradient arrives", "$\\delta h_t = \\partial L/\\partial h_t$: what the loss at step $t$ sends "
                                 "back (through the layer above or the output head) plus what step $t+1$ sends."),
            ("Through tanh", "$\\delta a_t = \\delta h_t \\odot (1 - h_t^2)$ flows on to $h_{t-1}$, the "
                             "weights and the layer below."),
        ],
    },
}

# (TeX, forward stage, backward stage, explanation key); stage -1: not part of that phase.
EQUATIONS = {
    "lstm": [
        (r"i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi})", 1, -1, "cell.input-gate"),
        (r"f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf})", 1, -1, "cell.forget"),
        (r"g_t = \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg})", 1, -1, "cell.candidate"),
        (r"o_t = \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho})", 1, -1, "cell.output-gate"),
        (r"c_t = f_t \odot c_{t-1} + i_t \odot g_t", 2, -1, "cell.state"),
        (r"h_t = o_t \odot \tanh(c_t)", 3, -1, "cell.output"),
        (r"\delta h_t = \partial L / \partial h_t", -1, 0, "cell.backward"),
        (r"\delta o_t = \delta h_t \odot \tanh(c_t) \odot o_t (1 - o_t)", -1, 1, "cell.output-gate"),
        (r"\delta c_t = \delta h_t \odot o_t \odot (1 - \tanh^2 c_t) + \delta c_{t+1} \odot f_{t+1}", -1, 1,
         "cell.state"),
        (r"\delta f_t = \delta c_t \odot c_{t-1} \odot f_t (1 - f_t)", -1, 2, "cell.forget"),
        (r"\delta i_t = \delta c_t \odot g_t \odot i_t (1 - i_t)", -1, 2, "cell.input-gate"),
        (r"\delta g_t = \delta c_t \odot i_t \odot (1 - g_t^2)", -1, 2, "cell.candidate"),
    ],
    "gru": [
        (r"r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr})", 1, -1, "cell.reset"),
        (r"z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz})", 1, -1, "cell.update"),
        (r"n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))", 2, -1, "cell.candidate"),
        (r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}", 3, -1, "cell.output"),
        (r"\delta h_t = \partial L / \partial h_t", -1, 0, "cell.backward"),
        (r"\delta z_t = \delta h_t \odot (h_{t-1} - n_t) \odot z_t (1 - z_t)", -1, 1, "cell.update"),
        (r"\delta n_t = \delta h_t \odot (1 - z_t) \odot (1 - n_t^2)", -1, 1, "cell.candidate"),
        (r"\delta m_t = r_t \odot \delta n_t", -1, 2, "cell.reset"),
        (r"\delta r_t = \delta n_t \odot m_t \odot r_t (1 - r_t)", -1, 2, "cell.reset"),
    ],
    "rnn": [
        (r"a_t = W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}", 1, -1, None),
        (r"h_t = \tanh(a_t)", 2, -1, "cell.output"),
        (r"\delta h_t = \partial L / \partial h_t", -1, 0, "cell.backward"),
        (r"\delta a_t = \delta h_t \odot (1 - h_t^2)", -1, 1, "cell.output"),
    ],
}
LOSS = "the sequence loss $L = \\sum_t L_t$"
NOTES = {
    "forward": "σ is the logistic sigmoid, ⊙ the element-wise product; the weights and the gate order "
               "({order}) are torch's `nn.{module}`.",
    "lstm": f"A gate's δ is the gradient of {LOSS} with respect to its pre-activation (the argument of σ or "
            "tanh); $\\delta h_t$ and $\\delta c_t$ are total gradients, over every later step and the layer "
            "above.",
    "gru": f"A gate's δ (and $\\delta n_t$) is the gradient of {LOSS} with respect to its pre-activation (the "
           "argument of σ or tanh); $\\delta m_t = \\partial L/\\partial m_t$; $\\delta h_t$ is the total "
           "gradient, over every later step and the layer above.",
    "rnn": f"$\\delta a_t$ is the gradient of {LOSS} with respect to the pre-activation $a_t$; $\\delta h_t$ is "
           "the total gradient, over every later step and the layer above.",
}
GATE_ORDER = {"lstm": ("i, f, g, o", "LSTM"), "gru": ("r, z, n", "GRU"), "rnn": ("no gates", "RNN")}


def strip_shape(n: int) -> tuple[int, float]:
    """(columns, cell size) of a heat strip of n units: at most 4 rows, at most STRIP_W wide."""
    cols, cell = min(n, 8), 10.0
    while math.ceil(n / cols) > 4:
        cols, cell = cols * 2, cell / 2
    return cols, cell


class Grid:
    """Column and row geometry shared by the three diagrams."""

    def __init__(self, node_h: float, channel_a: float = CHANNEL_A):
        self.nh = node_h
        self.y0 = TOP
        self.y1 = TOP + node_h + channel_a
        self.y2 = self.y1 + node_h + CHANNEL_B
        self.height = self.y2 + node_h + 8
        self.ya = TOP + node_h + 14
        self.yb = TOP + node_h + 32
        self.yc = TOP + node_h + 50
        self.lane = TOP + node_h / 2
        self.bus = self.y1 + node_h + CHANNEL_B / 2

    @staticmethod
    def left(col: float) -> float:
        return MARGIN_L + col * (NODE_W + GAP)

    def cx(self, col: float) -> float:
        return self.left(col) + NODE_W / 2

    def row(self, r: int) -> float:
        return (self.y0, self.y1, self.y2)[r]

    def mid(self, r: int) -> float:
        return self.row(r) + self.nh / 2


def _wire(points, f, b, head=True, **extra):
    return {"points": [[round(x, 2), round(y, 2)] for x, y in points], "f": f, "b": b, "head": head, **extra}


def _layout(cell: str, g: Grid):
    """Node places (id -> (col, row, forward stage, backward stage)), wires, operators, width."""
    C, L, R = g.cx, g.left, NODE_W
    wires, ops = [], []
    if cell == "lstm":
        nodes = {"c_prev": (0, 0, 0, -1), "c": (2, 0, 2, 1), "h": (3, 0, 3, 0),
                 "f": (0, 1, 1, 2), "i": (1, 1, 1, 2), "g": (2, 1, 1, 2), "o": (3, 1, 1, 1),
                 "h_prev": (0.5, 2, 0, -1), "x": (1.5, 2, 0, -1)}
        xf, xp = L(1) + 18, L(2) - 36  # forget product and sum on the cell-state lane
        wires += [
            _wire([(L(0) + R, g.lane), (xf - 8, g.lane)], 2, 2), _wire([(xf + 8, g.lane), (xp - 8, g.lane)], 2, 2),
            _wire([(xp + 8, g.lane), (L(2), g.lane)], 2, 2),
            _wire([(C(0), g.y1), (C(0), g.yb), (xf, g.yb), (xf, g.lane + 8)], 2, 2),
            _wire([(C(1), g.y1), (C(1), g.yb), (xp - 8, g.yb)], 2, 2),
            _wire([(C(2), g.y1), (C(2), g.yb), (xp + 8, g.yb)], 2, 2),
            _wire([(xp, g.yb - 8), (xp, g.lane + 8)], 2, 2),
            _wire([(C(2) + 24, g.y0 + g.nh), (C(2) + 24, g.ya), (C(3) - 8, g.ya)], 3, 1),
            _wire([(C(3), g.y1), (C(3), g.ya + 8)], 3, 1),
            _wire([(C(3), g.ya - 8), (C(3), g.y0 + g.nh)], 3, 1),
        ]
        ops += [{"x": xf, "y": g.lane, "label": "×", "f": 2, "b": 2},
                {"x": xp, "y": g.lane, "label": "+", "f": 2, "b": 2},
                {"x": xp, "y": g.yb, "label": "×", "f": 2, "b": 2},
                {"x": (C(2) + 24 + C(3)) / 2, "y": g.ya, "label": "tanh", "f": 3, "b": 1},
                {"x": C(3), "y": g.ya, "label": "×", "f": 3, "b": 1}]
        bus = [(0, 1, 2), (1, 1, 2), (2, 1, 2), (3, 1, 2)]
        out, cols = 3, 4
    elif cell == "gru":
        nodes = {"h": (3, 0, 3, 0), "z": (0, 1, 1, 1), "r": (1, 1, 1, 2), "m": (2, 1, 2, 2), "n": (3, 1, 2, 1),
                 "h_prev": (0.5, 2, 0, -1), "x": (1.5, 2, 0, -1)}
        xr, xs = (C(1) + C(2)) / 2, L(3) - 40  # reset product; blend sum on the lane
        wires += [
            _wire([(L(0.5), g.mid(2)), (8, g.mid(2)), (8, g.lane), (C(0) - 8, g.lane)], 3, 1),
            _wire([(C(0) + 8, g.lane), (xs - 8, g.lane)], 3, 1),
            _wire([(xs + 8, g.lane), (L(3), g.lane)], 3, 1),
            _wire([(C(0), g.y1), (C(0), g.lane + 8)], 3, 1),
            _wire([(C(0), g.ya), (xs - 8, g.ya)], 3, 1, dot=True),
            _wire([(C(3) + 22, g.y1), (C(3) + 22, g.ya), (xs + 8, g.ya)], 3, 1),
            _wire([(xs, g.ya - 8), (xs, g.lane + 8)], 3, 1),
            _wire([(C(1), g.y1), (C(1), g.yc), (xr - 8, g.yc)], 2, 2),
            _wire([(C(2), g.y1), (C(2), g.yc), (xr + 8, g.yc)], 2, 2),
            _wire([(xr, g.yc - 8), (xr, g.yb), (C(3) - 22, g.yb), (C(3) - 22, g.y1)], 2, 2),
        ]
        ops += [{"x": C(0), "y": g.lane, "label": "×", "f": 3, "b": 1},
                {"x": xs, "y": g.lane, "label": "+", "f": 3, "b": 1},
                {"x": xs, "y": g.ya, "label": "×", "f": 3, "b": 1},
                {"x": (C(1) + C(2)) / 2 + 30, "y": g.ya, "label": "1−z", "f": 3, "b": 1},
                {"x": xr, "y": g.yc, "label": "×", "f": 2, "b": 2}]
        bus = [(0, 1, 2), (1, 1, 2), (2, 2, 2), (3, 2, 2)]
        out, cols = 3, 4
    else:
        nodes = {"h": (1, 0, 2, 0), "a": (1, 1, 1, 1), "h_prev": (0.5, 2, 0, -1), "x": (1.5, 2, 0, -1)}
        wires.append(_wire([(C(1), g.y1), (C(1), g.y0 + g.nh)], 2, 1))
        ops.append({"x": C(1), "y": (g.y0 + g.nh + g.y1) / 2, "label": "tanh", "f": 2, "b": 1})
        bus = [(1, 1, 1)]
        out, cols = 1, 3
    # the bus: [h_{t-1}, x_t] rises from the inputs and drops into every weighted sum; backward, what is left
    # of the gradient flows down it at the last compute step
    drops = [c for c, _, _ in bus]
    lo, hi = min(drops + [0.5]), max(drops + [1.5])
    bus_b = max(b for _, _, b in bus)
    wires += [_wire([(C(0.5), g.y2), (C(0.5), g.bus)], 1, bus_b, head=False),
              _wire([(C(1.5), g.y2), (C(1.5), g.bus)], 1, bus_b, head=False),
              _wire([(C(lo), g.bus), (C(hi), g.bus)], 1, bus_b, head=False)]
    wires += [_wire([(C(c), g.bus), (C(c), g.y1 + g.nh)], f, b) for c, f, b in bus]
    ops += [{"x": C(0.5), "y": g.bus, "label": "", "f": 1, "b": bus_b},
            {"x": C(1.5), "y": g.bus, "label": "", "f": 1, "b": bus_b}]
    # the output leaves upwards: to the layer above (or the head) and to step t+1
    wires.append(_wire([(C(out), g.y0), (C(out), 3)], nodes["h"][2], 0))
    width = MARGIN_L + cols * NODE_W + (cols - 1) * GAP + MARGIN_R
    return nodes, wires, ops, width, C(out)


def diagram(ctx, block, cell: str, sizes: list[int], hidden: int, kind: str) -> dict:
    """The diagram of one cell type: geometry (per layer, as the input size differs), texts, equations."""
    strip_h = max(math.ceil(n / strip_shape(n)[0]) * strip_shape(n)[1] for n in sizes + [hidden])
    grid = Grid(LABEL_H + strip_h + PAD_B, CHANNEL_A if cell != "rnn" else 44)
    places, wires, ops, width, out_x = _layout(cell, grid)
    nodes = []
    for node_id, (col, row, fstage, bstage) in places.items():
        sym, sub, name, key, pre, bkey, bsym, bsub, fn, explain = NODE_TEXT[cell][node_id]
        nodes.append({"id": node_id, "x": grid.left(col), "y": grid.row(row), "w": NODE_W, "h": grid.nh,
                      "sym": sym, "sub": sub, "name": name, "key": key, "pre": pre, "bkey": bkey,
                      "bsym": bsym, "bsub": bsub, "fn": fn, "explain": explain, "f": fstage, "b": bstage})
    layers = []
    for k, n in enumerate(sizes):
        strips = {}
        for node in nodes:
            units = n if node["id"] == "x" else hidden
            cols, size = strip_shape(units)
            strips[node["id"]] = {"n": units, "cols": cols, "cell": size,
                                  "x": round(node["x"] + (NODE_W - cols * size) / 2, 3), "y": node["y"] + LABEL_H}
        source = "input" if k == 0 else f"h of layer {k}"
        if k == 0 and kind == "text":
            source = "one-hot input"
        above = f"layer {k + 2}" if k < len(sizes) - 1 else "the output head"
        layers.append({"strips": strips, "x_name": source, "out": f"to {above} and step t+1",
                       "outBack": f"from {above} and step t+1"})

    def md(text: str) -> str:
        html = ctx.markdown(text, block.line).strip()
        return html[3:-4] if html.startswith("<p>") and html.endswith("</p>") else html

    order, module = GATE_ORDER[cell]
    return {
        "cell": cell, "title": f"{CELL_NAMES[cell]} cell", "width": width, "height": grid.height,
        "nodes": nodes, "wires": wires, "ops": ops, "layers": layers, "outX": out_x,
        "stages": {phase: [{"name": name, "html": md(text)} for name, text in STAGES[cell][phase]]
                   for phase in ("forward", "backward")},
        "equations": [{"html": md(f"${tex}$"), "f": f, "b": b, "explain": key} for tex, f, b, key in EQUATIONS[cell]],
        "notes": {"forward": md(NOTES["forward"].format(order=order, module=module)),
                  "backward": md(NOTES[cell])},
    }


# -- the payload ------------------------------------------------------------------------------------------

def payload(doc, sequence: int, dia: dict) -> dict:
    """Only what the page uses: one sequence, every snapshot and layer, float32."""
    snaps = []
    for snap in doc["snapshots"]:
        seq = snap["sequences"][sequence]
        text = doc["kind"] == "text"
        entry = {"epoch": snap["epoch"],
                 "input": arrays.encode(seq["input"], "int32" if text else "float32"),
                 "target": arrays.encode(seq["target"], "int32" if text else "float32"),
                 "output": arrays.encode(seq["output"], "float32"),
                 "loss": arrays.encode(seq["loss"], "float32"),
                 "layers": [{key: arrays.encode(value, "float32") for key, value in sorted(layer.items())}
                            for layer in seq["layers"]]}
        snaps.append(entry)
    body = {"run": doc["run"], "kind": doc["kind"], "cell": doc["cell"], "sequence": sequence,
            "diagram": dia, "snapshots": snaps}
    if doc["kind"] == "text":
        body["vocab"] = doc["vocab"]
    return body


def grad_domain(layer: dict, cell: str) -> float:
    """Half-width of the backward colour scale: the largest |gradient| of this layer over all steps."""
    keys = [n[5] for n in NODE_TEXT[cell].values() if n[5]]
    peak = max(float(np.max(np.abs(f32(layer[k])))) for k in keys)
    return peak if peak > 0 else 1.0


# -- the static first frame -------------------------------------------------------------------------------

def _points(points) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in points)


def _head(a, b, size=5.0) -> str:
    """A small arrow head at b, pointing from a to b."""
    (x0, y0), (x1, y1) = a, b
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    bx, by = x1 - ux * size * 1.6, y1 - uy * size * 1.6
    return f"{x1:g},{y1:g} {bx - uy * size:.2f},{by + ux * size:.2f} {bx + uy * size:.2f},{by - ux * size:.2f}"


def _state(stage: int, current: int) -> str:
    if stage < 0:
        return "off"
    return "done" if stage < current else "active" if stage == current else "todo"


def unit_title(node: dict, phase: str, k: int, n: int, v: float, pre: float | None) -> str:
    sym, sub = (node["sym"], node["sub"]) if phase == "forward" else (node["bsym"], node["bsub"])
    text = f"{node['name']} {sym}{sub and '_' + sub}, unit {k + 1} of {n}: {short(v)}"
    if pre is not None:
        text += f" (pre-activation {short(pre)})"
    return text


def static_diagram(dia: dict, values: dict, layer: int, step: int, phase: str, stage: int, domain: float,
                   element_id: str, title: str) -> str:
    side = "f" if phase == "forward" else "b"
    geo = dia["layers"][layer]
    parts = [f'<svg class="cell-diagram phase-{phase}" viewBox="0 0 {dia["width"]:g} {dia["height"]:g}" '
             f'role="group" aria-labelledby="{element_id}-dtitle" data-phase="{phase}" data-stage="{stage}" '
             f'data-step="{step}" data-domain="{exact(domain)}">'
             f'<title id="{element_id}-dtitle">{escape(title)}</title><g class="wires">']
    for wire in dia["wires"]:
        pts = wire["points"]
        heads = ""
        if wire["head"]:
            heads = (f'<polygon class="head head-f" points="{_head(pts[-2], pts[-1])}"/>'
                     f'<polygon class="head head-b" points="{_head(pts[1], pts[0])}"/>')
        dot = f'<circle class="dot" cx="{pts[0][0]:g}" cy="{pts[0][1]:g}" r="2.5"/>' if wire.get("dot") else ""
        parts.append(f'<g class="wire is-{_state(wire[side], stage)}"><polyline points="{_points(pts)}"/>'
                     f'{heads}{dot}</g>')
    parts.append('</g><g class="ops" aria-hidden="true">')
    for op in dia["ops"]:
        cls = f"op is-{_state(op[side], stage)}"
        if not op["label"]:
            parts.append(f'<circle class="{cls} junction" cx="{op["x"]:g}" cy="{op["y"]:g}" r="2.5"/>')
        elif len(op["label"]) == 1:
            parts.append(f'<g class="{cls}"><circle cx="{op["x"]:g}" cy="{op["y"]:g}" r="8"/>'
                         f'<text x="{op["x"]:g}" y="{op["y"]:g}">{escape(op["label"])}</text></g>')
        else:
            w = 8 + 6.5 * len(op["label"])
            parts.append(f'<g class="{cls}"><rect x="{op["x"] - w / 2:g}" y="{op["y"] - 7:g}" width="{w:g}" '
                         f'height="14" rx="7"/><text x="{op["x"]:g}" y="{op["y"]:g}">{escape(op["label"])}</text></g>')
    parts.append('</g><g class="nodes">')
    for node in dia["nodes"]:
        key = node["key"] if phase == "forward" else node["bkey"]
        strip = geo["strips"][node["id"]]
        name = geo["x_name"] if node["id"] == "x" else node["name"]
        sym, sub = (node["sym"], node["sub"]) if phase == "forward" else (node["bsym"], node["bsub"])
        state = _state(node[side], stage)
        parts.append(f'<g class="node node-{node["id"]} is-{state}" data-node="{node["id"]}"'
                     + (f' data-key="{key}"' if key else "") + '>'
                     f'<rect class="node-box" x="{node["x"]:g}" y="{node["y"]:g}" width="{node["w"]:g}" '
                     f'height="{node["h"]:g}" rx="6"/>'
                     f'<text class="node-label" x="{node["x"] + 6:g}" y="{node["y"] + 14:g}">'
                     f'<tspan class="sym">{escape(sym)}</tspan><tspan class="sub" dy="3">{escape(sub)}</tspan></text>'
                     f'<text class="node-name" x="{node["x"] + 6:g}" y="{node["y"] + 26:g}">{escape(name)}</text>'
                     + (f'<text class="node-fn" x="{node["x"] + node["w"] - 6:g}" y="{node["y"] + 14:g}">'
                        f'{escape(node["fn"])}</text>' if node["fn"] and phase == "forward" else "")
                     + '<g class="strip">')
        vals = values[key][step] if key else None
        pre = values[node["pre"]][step] if key and phase == "forward" and node["pre"] else None
        n, cols, size = strip["n"], strip["cols"], strip["cell"]
        for k in range(n):
            x, y = strip["x"] + (k % cols) * size, strip["y"] + (k // cols) * size
            geom = f'x="{x:g}" y="{y:g}" width="{size:g}" height="{size:g}"'
            if vals is None:
                parts.append(f'<rect class="unit empty" {geom} data-unit="{k}"/>')
                continue
            v = float(vals[k])
            label = unit_title(node | {"name": name}, phase, k, n, v, None if pre is None else float(pre[k]))
            parts.append(f'<rect class="unit" {geom} data-unit="{k}" data-value="{exact(v)}" '
                         f'fill="{colour(v, domain, True) if phase == "backward" else colour(v, 1.0)}"><title>{escape(label)}</title>'
                         f'</rect>')
        parts.append("</g></g>")
    parts.append(f'</g><text class="out-label" x="{dia["outX"] - 6:g}" y="11">{escape(geo["out" if phase == "forward" else "outBack"])}</text></svg>')
    return "".join(parts)


# -- the data plot (mirrored in site/js/widgets/cell/seqplot.js) --------------------------------------------

PLOT_W, PLOT_H = 360, 150
PLOT_M = {"left": 30, "right": 10, "top": 10, "bottom": 20}


def value_domain(*series) -> tuple[float, float]:
    values = np.concatenate([np.ravel(s) for s in series])
    lo, hi = min(float(values.min()), -1.0), max(float(values.max()), 1.0)
    pad = 0.1 * (hi - lo)
    return lo - pad, hi + pad


def _px(v, lo, hi, a, b):
    return a + (v - lo) / (hi - lo) * (b - a)


def static_plot(data: dict, index: int, step: int, phase: str, element_id: str) -> str:
    """Input x_t at position t, target and output at t+1; the window consumed so far is shaded, the steps the
    pass has not reached yet are veiled, the error of every step is a bar (step t's stands out)."""
    snap = data["snapshots"][index]
    steps = len(snap["input"])
    if data["kind"] == "text":
        return static_text_plot(data, snap, step, phase, element_id)
    y0, y1 = value_domain(*[s[k] for s in data["snapshots"] for k in ("input", "target", "output")])
    left, right = PLOT_M["left"], PLOT_W - PLOT_M["right"]
    top, bottom = PLOT_M["top"], PLOT_H - PLOT_M["bottom"]
    X = lambda v: _px(v, 0, steps, left, right)  # noqa: E731
    Y = lambda v: _px(v, y1, y0, top, bottom)  # noqa: E731
    line = lambda name, xs, ys: (f'<polyline class="series series-{name}" data-series="{name}" fill="none" '  # noqa: E731
                                 f'points="{" ".join(f"{X(a):.2f},{Y(float(b)):.2f}" for a, b in zip(xs, ys))}"/>')
    out = snap["output"][:, 0]
    ticks = "".join(f'<line class="grid" x1="{left}" x2="{right}" y1="{Y(v):.2f}" y2="{Y(v):.2f}"/>'
                    f'<text x="{left - 5}" y="{Y(v):.2f}" text-anchor="end" dominant-baseline="middle">{v:g}</text>'
                    for v in (-1.0, 0.0, 1.0))
    xticks = "".join(f'<text x="{X(t):.2f}" y="{PLOT_H - 6}" text-anchor="middle">{t}</text>'
                     for t in range(0, steps + 1, max(1, math.ceil(steps / 6))))
    t = step
    errors = "".join(f'<line x1="{X(k + 1):.2f}" x2="{X(k + 1):.2f}" y1="{Y(float(a)):.2f}" y2="{Y(float(b)):.2f}"/>'
                     for k, (a, b) in enumerate(zip(snap["target"], out)))
    veil = (X(t + 1), right) if phase == "forward" else (left, X(t))
    return (f'<svg class="cell-plot" viewBox="0 0 {PLOT_W} {PLOT_H}" role="img" '
            f'aria-labelledby="{element_id}-ptitle {element_id}-pdesc" data-y0="{y0!r}" data-y1="{y1!r}" '
            f'data-steps="{steps}" data-step="{t}">'
            f'<title id="{element_id}-ptitle">The traced sequence, step t = {t} marked</title>'
            f'<desc id="{element_id}-pdesc">{steps} inputs; the target and the network\'s output at every step. '
            f'At t = {t}: input {short(float(snap["input"][t]))}, target {short(float(snap["target"][t]))}, '
            f'output {short(float(out[t]))}.</desc>'
            f'<g class="axis" aria-hidden="true">{ticks}{xticks}</g>'
            f'<rect class="consumed" x="{left}" y="{top}" width="{X(t) - left:.2f}" height="{bottom - top}"/>'
            f'<line class="now" x1="{X(t):.2f}" x2="{X(t):.2f}" y1="{top}" y2="{bottom}"/>'
            + line("input", range(steps), snap["input"]) + line("target", range(1, steps + 1), snap["target"])
            + line("output", range(1, steps + 1), out)
            + f'<g class="errors">{errors}</g>'
            + f'<rect class="veil" x="{veil[0]:.2f}" y="{top}" width="{veil[1] - veil[0]:.2f}" height="{bottom - top}"/>'
            + f'<line class="error" x1="{X(t + 1):.2f}" x2="{X(t + 1):.2f}" y1="{Y(float(snap["target"][t])):.2f}" '
              f'y2="{Y(float(out[t])):.2f}"/>'
            + f'<circle class="dot dot-input" cx="{X(t):.2f}" cy="{Y(float(snap["input"][t])):.2f}" r="3.5"/>'
            + f'<circle class="dot dot-target" cx="{X(t + 1):.2f}" cy="{Y(float(snap["target"][t])):.2f}" r="3.5"/>'
            + f'<circle class="dot dot-output" cx="{X(t + 1):.2f}" cy="{Y(float(out[t])):.2f}" r="3.5"/>'
            + "</svg>")


def char(vocab, i: int) -> str:
    return char_label(vocab[int(i)])


def static_text_plot(data: dict, snap: dict, step: int, phase: str, element_id: str) -> str:
    steps, vocab = len(snap["input"]), data["vocab"]
    pred = np.argmax(snap["output"], axis=-1)
    cw = min(16.0, (PLOT_W - 64) / steps)
    rows = [("input", snap["input"]), ("target", snap["target"]), ("output", pred)]
    parts = [f'<svg class="cell-plot cell-text-plot" viewBox="0 0 {PLOT_W} 78" role="img" '
             f'aria-labelledby="{element_id}-ptitle" data-steps="{steps}" data-step="{step}">'
             f'<title id="{element_id}-ptitle">The traced text: input, target and predicted characters; '
             f'step t = {step} marked</title>'
             f'<rect class="now-col" x="{60 + step * cw:.2f}" y="2" width="{cw:.2f}" height="72"/>']
    veil = (60 + (step + 1) * cw, 60 + steps * cw) if phase == "forward" else (60, 60 + step * cw)
    for r, (name, ids) in enumerate(rows):
        y = 18 + r * 24
        parts.append(f'<text class="row-label" x="56" y="{y}" text-anchor="end">{name}</text>')
        parts += [f'<text class="char char-{name}" x="{60 + (k + .5) * cw:.2f}" y="{y}" text-anchor="middle">'
                  f'{escape(char(vocab, i))}</text>' for k, i in enumerate(ids)]
    parts.append(f'<rect class="veil" x="{veil[0]:.2f}" y="2" width="{veil[1] - veil[0]:.2f}" height="72"/></svg>')
    return "".join(parts)


# -- the text alternative -----------------------------------------------------------------------------------

def data_table(dia: dict, values: dict, layer: int, step: int, title: str) -> str:
    """Every traced value of the current step: forward values, then gradients, one row per vector."""
    rows, width = [], 0
    geo = dia["layers"][layer]
    for phase, key_of, sym_of in (("forward", "key", "sym"), ("backward", "bkey", "bsym")):
        for node in dia["nodes"]:
            key = node[key_of]
            if not key:
                continue
            name = geo["x_name"] if node["id"] == "x" else node["name"]
            sub = node["sub"] if phase == "forward" else node["bsub"]
            vals = f32(values[key][step])
            width = max(width, len(vals))
            rows.append((f"{node[sym_of]}_{sub} {name}", key, vals))
            if phase == "forward" and node["pre"]:
                rows.append((f"{node['sym']}_{sub} pre-activation", node["pre"], f32(values[node["pre"]][step])))
    head = "".join(f'<th scope="col">{k + 1}</th>' for k in range(width))
    body = "".join(f'<tr data-key="{key}"><th scope="row">{escape(label)}</th>'
                   + "".join(f"<td>{short(float(v))}</td>" for v in vals) + "</tr>" for label, key, vals in rows)
    return (f'<div class="cell-table-scroll" role="region" tabindex="0" aria-label="{escape(title)}">'
            f'<table class="data-table cell-table"><caption>{escape(title)}</caption><thead><tr>'
            f'<th scope="col">vector \\ unit</th>{head}</tr></thead><tbody>{body}</tbody></table></div>')


def sequence_table(data: dict, index: int) -> str:
    snap = data["snapshots"][index]
    text = data["kind"] == "text"
    if text:
        pred = np.argmax(snap["output"], axis=-1)
        cells = [(escape(char(data["vocab"], a)), escape(char(data["vocab"], b)), escape(char(data["vocab"], p)))
                 for a, b, p in zip(snap["input"], snap["target"], pred)]
    else:
        cells = [(short(float(a)), short(float(b)), short(float(p)))
                 for a, b, p in zip(snap["input"], snap["target"], snap["output"][:, 0])]
    rows = "".join(f'<tr><th scope="row">{t}</th><td>{a}</td><td>{b}</td><td>{p}</td><td>{short(float(l))}</td></tr>'
                   for t, ((a, b, p), l) in enumerate(zip(cells, snap["loss"])))
    return ('<table class="data-table cell-seq-table"><caption>The traced sequence</caption><thead><tr>'
            '<th scope="col">t</th><th scope="col">input</th><th scope="col">target</th>'
            f'<th scope="col">output</th><th scope="col">loss L<sub>t</sub></th></tr></thead><tbody>{rows}</tbody>'
            '</table>')


# -- the directive ------------------------------------------------------------------------------------------

def _check_int(block, name: str, value: int, count: int, what: str, rule: str, run: str) -> None:
    if not 0 <= value < count:
        raise block.error(f"run {run!r} has {count} {what}{'s' if count != 1 else ''}; {name} {value} is out of range",
                          rule=rule, option=name, hint=f"use {name}: 0 to {count - 1}" if count > 1
                          else f"use {name}: 0 (the only one)")


def legend_html(phase: str, domain: float) -> str:
    what = "value" if phase == "forward" else "gradient ∂L/∂·, log scale (marks: ×10)"
    stops = ", ".join(f"#{''.join(f'{c:02x}' for c in rgb)} {(p + 1) * 50:g}%" for p, rgb in STOPS)
    labels, marks = legend_ticks(phase, domain)
    ticks = "".join(f'<span style="left: {pos:.2f}%">{label}</span>' for pos, label in labels)
    lines = "".join(f'<span class="cell-legend-mark" style="left: {pos:.2f}%"></span>' for pos in marks)
    return (f'<div class="cell-legend" data-phase="{phase}"><span class="cell-legend-title">{what}</span>'
            f'<span class="cell-legend-scale"><span class="cell-legend-bar" '
            f'style="background: linear-gradient(to right, {stops})">{lines}</span>'
            f'<span class="cell-legend-ticks">{ticks}</span></span></div>')


def io_text(data: dict, index: int, t: int) -> str:
    """The step's input, target, output and loss (JS: the `io` line)."""
    snap = data["snapshots"][index]
    if data["kind"] == "text":
        c = lambda i: char(data["vocab"], i)  # noqa: E731
        pred = int(np.argmax(snap["output"][t]))
        return (f"At t = {t}: input “{c(snap['input'][t])}”, target “{c(snap['target'][t])}”, "
                f"predicted “{c(pred)}”, loss L_t = {short(float(snap['loss'][t]))}")
    return (f"At t = {t}: input {short(float(snap['input'][t]))}, target {short(float(snap['target'][t]))}, "
            f"output {short(float(snap['output'][t, 0]))}, loss L_t = {short(float(snap['loss'][t]))}")


PLOT_KEY = ('<p class="cell-plot-key" aria-hidden="true"><span class="key key-input">input x</span>'
            '<span class="key key-target">target y</span><span class="key key-output">output ŷ</span></p>')


def render(block, ctx) -> str:
    opts = block.options
    run = opts["run"]
    doc = ctx.document(block, run, "cell-trace")
    epochs = [s["epoch"] for s in doc["snapshots"]]
    first = doc["snapshots"][0]["sequences"] if doc["snapshots"] else []
    if not first:
        raise block.error(f"run {run!r} traces no sequence", rule="ref-trace", option="run",
                          hint="set `trace = 1` (or more) in the run's spec")
    _check_int(block, "sequence", opts["sequence"], len(first), "traced sequence", "ref-sequence", run)
    seq = first[opts["sequence"]]
    _check_int(block, "layer", opts["layer"], len(seq["layers"]), "layer", "ref-layer", run)
    if opts["snapshot"] is None:
        index = len(epochs) - 1
    elif opts["snapshot"] in epochs:
        index = epochs.index(opts["snapshot"])
    else:
        raise block.error(f"run {run!r} has no snapshot at epoch {opts['snapshot']}", rule="ref-snapshot",
                          option="snapshot", hint=f"use one of the exported epochs {epochs}, or add it to the "
                          "run's `snapshots` list")
    steps = len(seq["input"])
    _check_int(block, "step", opts["step"], steps, "time step", "ref-step", run)

    cell, layer, step, phase = doc["cell"], opts["layer"], opts["step"], opts["phase"]
    sizes = [int(lay["x"].shape[1]) for lay in seq["layers"]]
    hidden = int(seq["layers"][0]["h"].shape[1])
    dia = diagram(ctx, block, cell, sizes, hidden, doc["kind"])
    data = payload(doc, opts["sequence"], dia)
    shown = {"kind": doc["kind"], "vocab": doc.get("vocab"),
             "snapshots": [{"input": f32(s["sequences"][opts["sequence"]]["input"]),
                            "target": f32(s["sequences"][opts["sequence"]]["target"]),
                            "output": f32(s["sequences"][opts["sequence"]]["output"]),
                            "loss": f32(s["sequences"][opts["sequence"]]["loss"])} for s in doc["snapshots"]]}
    values = {k: f32(v) for k, v in doc["snapshots"][index]["sequences"][opts["sequence"]]["layers"][layer].items()}
    domain = grad_domain(values, cell)
    element_id = widget_id(block)
    epoch = epochs[index]
    layers = len(sizes)
    where = f"layer {layer + 1} of {layers}, epoch {epoch}"
    title = f"{dia['title']}, {where}: {phase} pass at step t = {step}"
    current = ' aria-current="step"'
    stage_items = "".join(f'<li class="{"is-active" if k == 0 else ""}"{current if k == 0 else ""}>'
                          f'<span class="stage-num">{k + 1}</span> <span class="stage-name">{escape(s["name"])}</span>'
                          f' <span class="stage-text">{s["html"]}</span></li>'
                          for k, s in enumerate(dia["stages"][phase]))
    side = "f" if phase == "forward" else "b"
    equations = "".join(f'<li class="{"is-active" if e[side] == 0 else ""}" data-stage="{e[side]}">{e["html"]}</li>'
                        for e in dia["equations"] if e[side] >= 0)
    frame = (f'<div class="cell-view cell-{cell} is-static" data-phase="{phase}" data-stage="0" data-step="{step}" '
             f'data-layer="{layer}" data-epoch="{epoch}">'
             f'<div class="cell-head"><p class="cell-title"><strong>{escape(dia["title"])}</strong> '
             f'<span class="cell-where">{escape(where)}</span></p></div>'
             f'<div class="cell-body"><div class="cell-main"><div class="cell-diagram-wrap">'
             + static_diagram(dia, values, layer, step, phase, 0, domain, element_id, title)
             + '</div>' + legend_html(phase, domain)
             + f'</div><div class="cell-steps"><p class="cell-phase-name">{phase.capitalize()} pass, '
               f'step t = {step} of {steps - 1}</p><ol class="cell-stages">{stage_items}</ol>'
               f'<ul class="cell-equations">{equations}</ul>'
               f'<p class="cell-note">{dia["notes"][phase]}</p></div>'
               f'<div class="cell-data"><div class="cell-plot-wrap">{static_plot(shown, index, step, phase, element_id)}</div>'
             + (PLOT_KEY if doc["kind"] == "function" else "")
             + f'<p class="cell-io">{escape(io_text(shown, index, step))}</p></div></div></div>')
    caption = escape(opts["caption"]) or escape(
        f"Inside the {dia['title']} of run {run} ({where}): the real values of one traced sequence.")
    table_title = f"Traced values at step t = {step} ({where})"
    extra = (f'<details class="widget-data"><summary>Data</summary>'
             f'{data_table(dia, values, layer, step, table_title)}{sequence_table(shown, index)}</details>')
    options = {"layer": layer, "step": step, "phase": phase, "sequence": opts["sequence"], "run": run}
    html = figure(block, ctx, frame=frame, caption=caption, data=data, snapshot=index, options=options, extra=extra)
    return html.replace("<figure ", f'<figure data-run="{escape(run)}" ', 1)


register(Directive(
    name="cell",
    doc="The inside of one recurrent cell (LSTM, GRU or RNN) stepping through the real traced forward and "
        "backward values of a sequence.",
    options={"run": Opt(str, REQUIRED, doc="name of a run in the page's spec files"),
             "layer": Opt(int, 0, doc="recurrent layer, 0 = the one reading the data"),
             "sequence": Opt(int, 0, doc="which traced validation sequence"),
             "snapshot": Opt(int, None, doc="epoch to show first (default: the last snapshot)"),
             "step": Opt(int, 0, doc="time step t shown first"),
             "phase": Opt(str, "forward", choices=("forward", "backward"), doc="pass shown first"),
             "caption": Opt(str, "", doc="caption text (Markdown inline not interpreted)")},
    needs=("cell-trace",),
    render=render,
))
