"""Cell traces in NumPy: every number inside each recurrent cell of one sequence, forward and backward.

The same values, under the same keys, as precompute's `cell-trace` documents (the key table is in
`precompute/celltrace.py` and docs/data-format.md), so a {cell} figure can show a network trained in
the page. The backward is that of the whole sequence loss L = Σ_t L_t. Forward values are recomputed
from the weights and the states the model's own forward produced; the backward reuses its BPTT, and
∂L/∂c of an LSTM is carried back here from the total ∂L/∂h (it is not a training quantity).
"""
from __future__ import annotations

import numpy as np


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # the same function as 1 / (1 + e^−a), with no overflow


def _blocks(a: np.ndarray, names: str) -> dict[str, np.ndarray]:
    """Split (T, G·H) into its gate blocks, in torch's order."""
    return dict(zip(names, np.split(a, len(names), axis=1)))


def _lstm_forward(gi, gh) -> dict:
    pre = _blocks(gi + gh, "ifgo")
    gates = {"i": _sigmoid(pre["i"]), "f": _sigmoid(pre["f"]), "g": np.tanh(pre["g"]), "o": _sigmoid(pre["o"])}
    c = np.empty_like(gates["i"])
    c_prev = np.zeros_like(c)
    for t in range(len(c)):
        c[t] = gates["f"][t] * (c[t - 1] if t else 0.0) + gates["i"][t] * gates["g"][t]
        c_prev[t] = c[t - 1] if t else 0.0
    return {**{f"pre_{k}": v for k, v in pre.items()}, **gates, "c": c, "c_prev": c_prev}


def _gru_forward(gi, gh) -> dict:
    i, h = _blocks(gi, "rzn"), _blocks(gh, "rzn")
    r, z = _sigmoid(i["r"] + h["r"]), _sigmoid(i["z"] + h["z"])
    pre_n = i["n"] + r * h["n"]
    return {"pre_r": i["r"] + h["r"], "pre_z": i["z"] + h["z"], "gi_n": i["n"], "gh_n": h["n"], "pre_n": pre_n,
            "r": r, "z": z, "n": np.tanh(pre_n)}


def _lstm_dc(layer: dict, dh: np.ndarray) -> np.ndarray:
    """∂L/∂c_t = ∂L/∂h_t · o_t (1 − tanh² c_t) + ∂L/∂c_{t+1} · f_{t+1}."""
    local = layer["o"] * (1.0 - np.tanh(layer["c"]) ** 2)
    dc = np.empty_like(dh)
    carry = 0.0
    for t in range(len(dh) - 1, -1, -1):
        dc[t] = dh[t] * local[t] + carry
        carry = dc[t] * layer["f"][t]
    return dc


def cell_trace(model, x, y, loss: str) -> list[dict[str, np.ndarray]]:
    """Forward and backward values of every cell of one sequence x (T, D), targets y (T,), per layer
    (index 0 reads the data); each value has the step t as its leading axis, then the units."""
    _, caches, d_out = model.trace_sequence(x, y, loss, "a cell trace")  # ∂(Σ_t L_t)/∂ŷ_t = ∂L_t/∂ŷ_t
    dh_top = (d_out @ model.params["head.weight"])[:, :, None]
    layers = []
    for k in range(model.num_layers):
        w = model.layer(k)
        u, h_prev = caches[k]["u"][:, :, 0], caches[k]["h_prev"][:, :, 0]
        gi, gh = u @ w.w_ih.T + w.b_ih, h_prev @ w.w_hh.T + w.b_hh
        layer = {"x": u.copy(), "h_prev": h_prev.copy(), "h": caches[k]["h"][:, :, 0].copy()}
        if model.cell == "rnn":
            layer["pre"] = gi + gh
        elif model.cell == "lstm":
            layer.update(_lstm_forward(gi, gh))
        else:
            layer.update(_gru_forward(gi, gh))
        layers.append(layer)
    for k, back in model.backprop(caches, dh_top):
        layer, dh = layers[k], back.dh[:, :, 0]
        layer["dh"] = dh.copy()
        d_ih = back.d_ih[:, :, 0]
        if model.cell == "rnn":
            layer["d_pre"] = d_ih.copy()
        elif model.cell == "lstm":
            layer.update({f"d_pre_{g}": v.copy() for g, v in _blocks(d_ih, "ifgo").items()})
            layer["dc"] = _lstm_dc(layer, dh)
        else:
            layer.update({f"d_pre_{g}": v.copy() for g, v in _blocks(d_ih, "rzn").items()})
            layer["d_gh_n"] = _blocks(back.d_hh[:, :, 0], "rzn")["n"].copy()
    return layers
