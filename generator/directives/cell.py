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

Linked views (unrolled/lib/state.js, kept in the URL): `epoch`, `step`, `layer`.

A run of an author's own cell (cell-trace `cell` = "custom") gets the generic view instead: its named
values as heat strips, payload and first frame from `cell_custom.py` and site/js/widgets/cell/generic.js.

Opening from another widget (e.g. a layer of {network}): see the header of site/js/widgets/cell.js:
`open(figure, {layer, step, phase, source})` or a `cell-open` CustomEvent on the figure. Figures carry
`data-run="NAME"`, so `[data-widget="cell"][data-run="NAME"]` finds the cell view of a run.

This module is the directive's spec, validation and payload; the figure is drawn by
site/js/widgets/cell.js alone: its `frame` and `dataTable` give the first frame (through
`ctx.first_frame`, at build time) and its default export hydrates onto the same markup. The payload
holds the chosen sequence only, every snapshot and layer, as float32, plus the diagram's geometry and
texts made here (`diagram(...)`: node places, wires, the compute steps and equations as HTML, since
their Markdown and TeX are rendered by the generator).
"""
from __future__ import annotations

import math
from html import escape

from unrolled.precompute import arrays

from . import REQUIRED, Directive, Opt, figure, register, snapshot_index

CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "Vanilla RNN"}

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


# -- the directive ------------------------------------------------------------------------------------------

def _check_int(block, name: str, value: int, count: int, what: str, rule: str, run: str) -> None:
    if not 0 <= value < count:
        raise block.error(f"run {run!r} has {count} {what}{'s' if count != 1 else ''}; {name} {value} is out of range",
                          rule=rule, option=name, hint=f"use {name}: 0 to {count - 1}" if count > 1
                          else f"use {name}: 0 (the only one)")


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
    index = snapshot_index(block, run, epochs)
    _check_int(block, "step", opts["step"], len(seq["input"]), "time step", "ref-step", run)

    cell, layer, step, phase = doc["cell"], opts["layer"], opts["step"], opts["phase"]
    if cell == "custom":  # an author's own cell: the generic view
        from .cell_custom import render as render_custom

        return render_custom(block, ctx, doc, index=index, layer=layer, step=step, phase=phase,
                             sequence=opts["sequence"])
    sizes = [int(lay["x"].shape[1]) for lay in seq["layers"]]
    hidden = int(seq["layers"][0]["h"].shape[1])
    dia = diagram(ctx, block, cell, sizes, hidden, doc["kind"])
    data = payload(doc, opts["sequence"], dia)
    options = {"layer": layer, "step": step, "phase": phase, "sequence": opts["sequence"], "run": run,
               "snapshot": index}
    frame, table = ctx.first_frame(block, data, options)
    where = f"layer {layer + 1} of {len(sizes)}, epoch {epochs[index]}"
    caption = escape(opts["caption"]) or escape(
        f"Inside the {dia['title']} of run {run} ({where}): the real values of one traced sequence.")
    html = figure(block, ctx, frame=frame, caption=caption, data=data, snapshot=index, options=options,
                  extra=f'<details class="widget-data"><summary>Data</summary>{table}</details>')
    # the live view keeps its position on the figure too, so the first frame starts with it
    marks = (f'data-run="{escape(run)}" data-phase="{phase}" data-stage="0" data-step="{step}" '
             f'data-layer="{layer}" data-epoch="{epochs[index]}"')
    return html.replace("<figure ", f"<figure {marks} ", 1)


register(Directive(
    name="cell",
    doc="The inside of one recurrent cell (LSTM, GRU or RNN, or an author's own cell as a generic view) "
        "stepping through the real traced forward and backward values of a sequence.",
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
