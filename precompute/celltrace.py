"""Real cell traces: every number inside each recurrent cell at every step, forward and backward.

The cell diagram animates these values, so they come from the same float64 forward and backward as
the itemized gradients (`itemized.py`), not from a second implementation. The backward here is that
of the whole sequence loss L = Σ_t L_t: each step's rows (one per loss term) are summed.

`cell_trace(model, x, y, loss)` returns one dict per layer (index 0 = the layer reading the data);
every value is a float64 array whose leading axis is the step t (length T), then the unit axis.

| key          | cells      | meaning at step t                                                        |
|--------------|------------|--------------------------------------------------------------------------|
| `x`          | all        | the layer's input: the data x_t, or h_t of the layer below (T, D or H)   |
| `h_prev`     | all        | h_{t-1} (zeros at t = 0)                                                 |
| `h`          | all        | h_t, the layer's output                                                  |
| `pre`        | rnn        | W_ih x_t + b_ih + W_hh h_{t-1} + b_hh                                     |
| `c_prev`     | lstm       | c_{t-1} (zeros at t = 0)                                                 |
| `pre_i` …    | lstm       | pre-activations of gates i, f, g, o (torch's order), same form as `pre`  |
| `i f g o`    | lstm       | σ(pre_i), σ(pre_f), tanh(pre_g), σ(pre_o)                                |
| `c`          | lstm       | c_t = f ⊙ c_{t-1} + i ⊙ g; then h_t = o ⊙ tanh(c_t)                      |
| `pre_r` `pre_z` | gru     | (W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) blocks r, z                       |
| `gi_n`       | gru        | input side of the candidate: W_in x_t + b_in                             |
| `gh_n`       | gru        | hidden side of the candidate: W_hn h_{t-1} + b_hn                        |
| `pre_n`      | gru        | gi_n + r ⊙ gh_n                                                          |
| `r z n`      | gru        | σ(pre_r), σ(pre_z), tanh(pre_n); h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}         |
| `dh`         | all        | ∂L/∂h_t, total: through the head, the layer above and all later steps    |
| `dc`         | lstm       | ∂L/∂c_t, total: through h_t and c_{t+1}                                  |
| `d_pre`      | rnn        | ∂L/∂pre                                                                  |
| `d_pre_i` …  | lstm       | ∂L/∂pre_i, ∂L/∂pre_f, ∂L/∂pre_g, ∂L/∂pre_o                               |
| `d_pre_r` `d_pre_z` `d_pre_n` | gru | ∂L/∂pre_r, ∂L/∂pre_z, ∂L/∂pre_n (= ∂L/∂gi_n)                   |
| `d_gh_n`     | gru        | ∂L/∂gh_n = r ⊙ d_pre_n                                                   |

An author's own cell (`owncell.py`) has no table: `custom_cell_trace` records `x`, `h_prev`, `h`, `dh`
as above plus `custom` = {"order": the step's intermediate names in the order it computes them,
"forward": name -> (T, n) values, "backward": name -> (T, n) ∂L/∂value}, by autograd on the
same untied graph as `generic_itemized.py`.
"""
from __future__ import annotations

import numpy as np

from .itemized import forward_backward, split


def _backward_keys(cell: str, record: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Name one step's summed backward record with the table's keys."""
    named = {"dh": record["dh"]}
    if cell == "rnn":
        named["d_pre"] = record["ih"]
        return named
    named.update({"d_pre_" + gate: block for gate, block in split(record["ih"], cell).items()})
    if cell == "lstm":
        named["dc"] = record["dc"]
    else:
        named["d_gh_n"] = split(record["hh"], cell)["n"]
    return named


def cell_trace(model, x, y, loss: str) -> list[dict[str, np.ndarray]]:
    """Forward and backward values of every cell of one sequence (keys: module docstring table).

    `loss` is "mse" or "ce", exactly as in `itemized.itemized_gradients`.
    """
    params, traces, rows = forward_backward(model, x, y, loss)
    steps: list[dict[int, dict]] = [{} for _ in traces]
    for k, s, record in rows:
        steps[k][s] = _backward_keys(params.cell, {key: a.sum(axis=0) for key, a in record.items()})
    out = []
    for trace, by_step in zip(traces, steps):
        layer = {key: value.copy() for key, value in trace.items()}
        for key in by_step[0]:
            layer[key] = np.stack([by_step[s][key] for s in range(len(by_step))])
        out.append(layer)
    return out


def custom_cell_trace(model, x, y, loss: str) -> list[dict]:
    """`cell_trace` for any protocol cell: forward values, and ∂L/∂value of L = Σ_t L_t by one backward."""
    import torch

    from .generic_itemized import unrolled

    graph = unrolled(model, x, y, loss)
    order = [list(graph["named"][k][0]) for k in range(len(graph["cells"]))]
    named = [graph["named"][k][s][n] for k, names in enumerate(order) for s in range(len(graph["L"])) for n in names]
    hs = [h for layer in graph["h"] for h in layer]
    grads = torch.autograd.grad(graph["L"].sum(), hs + named, allow_unused=True, materialize_grads=True)
    d_h, d_named = iter(grads[:len(hs)]), iter(grads[len(hs):])
    out = []
    for k, names in enumerate(order):
        h = torch.cat(graph["h"][k]).detach().numpy()
        layer = {"x": torch.cat(graph["inputs"][k]).detach().numpy(),
                 "h_prev": np.concatenate([np.zeros_like(h[:1]), h[:-1]]), "h": h,
                 "dh": torch.cat([next(d_h) for _ in graph["h"][k]]).numpy()}
        forward = {n: [] for n in names}
        backward = {n: [] for n in names}
        for s in range(len(graph["L"])):
            for n in names:
                forward[n].append(graph["named"][k][s][n].detach()[0].numpy())
                backward[n].append(next(d_named)[0].numpy())
        layer["custom"] = {"order": names, "forward": {n: np.stack(v) for n, v in forward.items()},
                           "backward": {n: np.stack(v) for n, v in backward.items()}}
        out.append(layer)
    return out
