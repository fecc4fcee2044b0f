"""Exact itemized BPTT gradients: how much each loss term L_t pulls on the weights used at step s.

Untie the unrolled graph so step s has its own copy θ^(s) of a layer's parameters. Then the ordinary
gradient is ∂L/∂θ = Σ_t Σ_{s≤t} G[t][s] with G[t][s] = ∂L_t/∂θ^(s), and the T×T matrix of norms
‖G[t][s]‖ is RNNbow's picture of how far back each loss reaches (Cashman et al. 2018).

Every per-step weight gradient is rank one: for a linear map a_s = W u_s + b and δ_{t,s} = ∂L_t/∂a_s,
∂L_t/∂W^(s) = δ_{t,s} u_sᵀ, so ‖∂L_t/∂W^(s)‖_F = ‖δ_{t,s}‖·‖u_s‖. The T² gradient tensors are
therefore never formed. A hand-written backward carries all T loss terms at once as the rows of a
(T, ·) matrix (row t = gradient of L_t), which costs a few ordinary BPTT passes instead of T of them.
Rows t < s are structurally zero at step s, so the walk only touches rows s..T-1.

The same forward/backward machinery feeds `celltrace.py`; `itemized_gradients_reference` is the slow,
independent oracle (per-step parameter copies through torch's own cells, one autograd call per L_t).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .models import PARAM_KINDS

LOSSES = ("mse", "ce")
GATES = {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
TORCH_CELLS = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}
ArrayLike = np.ndarray | torch.Tensor


@dataclass(frozen=True)
class Layer:
    """One recurrent layer's float64 parameters, in torch's layout ((gates·H, in) weights)."""

    w_ih: np.ndarray
    w_hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray


@dataclass(frozen=True)
class Params:
    """A float64 copy of a SequenceModel, so nothing we compute can touch the caller's model."""

    cell: str
    layers: list[Layer]
    head_w: np.ndarray
    head_b: np.ndarray


def model_params(model) -> Params:
    """Copy the model's parameters to float64 numpy arrays."""
    def get(module, name):
        return getattr(module, name).detach().to(torch.float64).numpy().copy()

    layers = [Layer(*(get(model.rnn, f"{kind}_l{k}") for kind in PARAM_KINDS))
              for k in range(model.rnn.num_layers)]
    return Params(model.cell, layers, get(model.head, "weight"), get(model.head, "bias"))


def as_inputs(params: Params, x: ArrayLike, y: ArrayLike, loss: str) -> tuple[np.ndarray, np.ndarray]:
    """Check and convert one traced sequence: x → (T, D) float64, y → (T,) float64 or int64."""
    return check_inputs(params.layers[0].w_ih.shape[1], x, y, loss)


def check_inputs(d_in: int, x: ArrayLike, y: ArrayLike, loss: str) -> tuple[np.ndarray, np.ndarray]:
    """`as_inputs` for a model with `d_in` inputs per step, whatever its cell."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {LOSSES}")
    x = torch.as_tensor(x).detach().to(torch.float64).numpy()
    y = torch.as_tensor(y).detach().numpy()
    if x.ndim != 2 or x.shape[1] != d_in or len(x) == 0:
        raise ValueError(f"x must have shape (T, {d_in}) with T >= 1, got {x.shape}")
    if loss == "mse":
        y = y.reshape(len(y), -1)
        if y.shape[1] != 1:
            raise ValueError(f"mse targets must have shape (T,) or (T, 1), got {y.shape}")
        y = y[:, 0].astype(np.float64)
    elif y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"ce targets must be a (T,) integer array, got {y.dtype} {y.shape}")
    if len(y) != len(x):
        raise ValueError(f"x has {len(x)} steps but y has {len(y)}")
    return x, y


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic function without overflow and without cancellation for large |a|."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0, e) / (1.0 + e)


def split(a: np.ndarray, cell: str) -> dict[str, np.ndarray]:
    """Split the last axis of a pre-activation (or its gradient) into torch's gate blocks."""
    gates = GATES[cell]
    return dict(zip(gates, np.split(a, len(gates), axis=-1)))


# --- forward ---------------------------------------------------------------------------------------

def forward(params: Params, x: np.ndarray) -> list[dict[str, np.ndarray]]:
    """Run the stack once from zero state on x (T, N, D): N sequences side by side. Per layer, every
    quantity of the cell as a (T, N, ·) array.

    The keys are exactly the forward keys documented in `celltrace.py`; the backward reads them back.
    """
    traces, u = [], x
    for layer in params.layers:
        trace = LAYER_FORWARD[params.cell](layer, u)
        trace["x"] = u
        traces.append(trace)
        u = trace["h"]
    return traces


def _steps(layer: Layer, u: np.ndarray, keys: tuple[str, ...]):
    """Shared loop scaffolding: input projections for all steps at once, zeroed (T, N, H) outputs."""
    hidden = layer.w_hh.shape[1]
    gi = u @ layer.w_ih.T + layer.b_ih
    return gi, {k: np.zeros(u.shape[:2] + (hidden,)) for k in keys}


def _rnn_forward(layer: Layer, u: np.ndarray) -> dict[str, np.ndarray]:
    gi, out = _steps(layer, u, ("h_prev", "pre", "h"))
    h = np.zeros(out["h"].shape[1:])
    for s in range(len(u)):
        out["h_prev"][s] = h
        out["pre"][s] = gi[s] + h @ layer.w_hh.T + layer.b_hh
        h = out["h"][s] = np.tanh(out["pre"][s])
    return out


def _lstm_forward(layer: Layer, u: np.ndarray) -> dict[str, np.ndarray]:
    keys = ("h_prev", "c_prev", "pre_i", "pre_f", "pre_g", "pre_o", "i", "f", "g", "o", "c", "h")
    gi, out = _steps(layer, u, keys)
    h = c = np.zeros(out["h"].shape[1:])
    for s in range(len(u)):
        out["h_prev"][s], out["c_prev"][s] = h, c
        pre = split(gi[s] + h @ layer.w_hh.T + layer.b_hh, "lstm")
        for gate in "ifgo":
            out["pre_" + gate][s] = pre[gate]
            out[gate][s] = np.tanh(pre[gate]) if gate == "g" else sigmoid(pre[gate])
        c = out["c"][s] = out["f"][s] * c + out["i"][s] * out["g"][s]
        h = out["h"][s] = out["o"][s] * np.tanh(c)
    return out


def _gru_forward(layer: Layer, u: np.ndarray) -> dict[str, np.ndarray]:
    keys = ("h_prev", "pre_r", "pre_z", "pre_n", "r", "z", "n", "gi_n", "gh_n", "h")
    gi, out = _steps(layer, u, keys)
    h = np.zeros(out["h"].shape[1:])
    for s in range(len(u)):
        out["h_prev"][s] = h
        i_part, h_part = split(gi[s], "gru"), split(h @ layer.w_hh.T + layer.b_hh, "gru")
        for gate in "rz":
            out["pre_" + gate][s] = i_part[gate] + h_part[gate]
            out[gate][s] = sigmoid(out["pre_" + gate][s])
        out["gi_n"][s], out["gh_n"][s] = i_part["n"], h_part["n"]
        out["pre_n"][s] = i_part["n"] + out["r"][s] * h_part["n"]
        out["n"][s] = np.tanh(out["pre_n"][s])
        h = out["h"][s] = (1.0 - out["z"][s]) * out["n"][s] + out["z"][s] * h
    return out


LAYER_FORWARD = {"rnn": _rnn_forward, "lstm": _lstm_forward, "gru": _gru_forward}


def head_gradients(params: Params, h_top: np.ndarray, y: np.ndarray, loss: str) -> np.ndarray:
    """Row t = ∂L_t/∂h_t through the output head only (the gradient injected at the top layer).

    h_top is (T, N, H) and y (T, N): every array keeps the sequence axis N second.
    """
    out = h_top @ params.head_w.T + params.head_b
    if loss == "mse":
        d_out = 2.0 * (out - y[..., None])
    else:
        d_out = np.exp(out - out.max(axis=-1, keepdims=True))
        d_out /= d_out.sum(axis=-1, keepdims=True)
        np.put_along_axis(d_out, y[..., None], np.take_along_axis(d_out, y[..., None], -1) - 1.0, -1)
    return d_out @ params.head_w


def output_gradients(params: Params, y: np.ndarray, loss: str) -> np.ndarray:
    """Row t = ∂ŷ_t/∂h_t for the output that L_t judges: the target's logit (text) or the value (mse).

    Carried back like `head_gradients`, it gives the connectivity ∂ŷ_t/∂x_s of Madsen (2019).
    """
    rows = y if loss == "ce" else np.zeros(y.shape, dtype=np.int64)
    return params.head_w[rows]


# --- backward --------------------------------------------------------------------------------------
# Each step function takes the layer's trace at step s, dh = ∂L_t/∂h_s for the active rows t ≥ s
# (each row a (N, H) block, one line per sequence)
# (total: head or layer above, plus the future) and, for LSTM, the carried ∂L_t/∂c_s from step s+1.
# It returns the per-step record (δ of both linear maps, "dh", "dc") and the carries for step s-1.

def _rnn_back(layer: Layer, tr: dict, s: int, dh: np.ndarray, dc_next):
    delta = dh * (1.0 - tr["h"][s] ** 2)
    return {"dh": dh, "ih": delta, "hh": delta}, delta @ layer.w_hh, None


def _lstm_back(layer: Layer, tr: dict, s: int, dh: np.ndarray, dc_next: np.ndarray):
    i, f, g, o = (tr[k][s] for k in "ifgo")
    tanh_c = np.tanh(tr["c"][s])
    dc = dc_next + dh * (o * (1.0 - tanh_c ** 2))
    delta = np.concatenate([dc * (g * i * (1.0 - i)),
                            dc * (tr["c_prev"][s] * f * (1.0 - f)),
                            dc * (i * (1.0 - g ** 2)),
                            dh * (tanh_c * o * (1.0 - o))], axis=-1)
    return {"dh": dh, "dc": dc, "ih": delta, "hh": delta}, delta @ layer.w_hh, dc * f


def _gru_back(layer: Layer, tr: dict, s: int, dh: np.ndarray, dc_next):
    r, z, n = (tr[k][s] for k in "rzn")
    d_pre_n = dh * ((1.0 - z) * (1.0 - n ** 2))
    d_pre_z = dh * ((tr["h_prev"][s] - n) * z * (1.0 - z))
    d_pre_r = d_pre_n * (tr["gh_n"][s] * r * (1.0 - r))
    delta_ih = np.concatenate([d_pre_r, d_pre_z, d_pre_n], axis=-1)
    delta_hh = np.concatenate([d_pre_r, d_pre_z, d_pre_n * r], axis=-1)
    dh_prev = dh * z + delta_hh @ layer.w_hh
    return {"dh": dh, "ih": delta_ih, "hh": delta_hh}, dh_prev, None


LAYER_BACK = {"rnn": _rnn_back, "lstm": _lstm_back, "gru": _gru_back}


def backward_rows(params: Params, traces: list[dict], g_head: np.ndarray
                  ) -> Iterator[tuple[int, int, dict[str, np.ndarray]]]:
    """Walk s = T-1 … 0 and, within a step, the layers top to bottom, carrying all loss terms.

    Yields (layer, s, record) where every record array has rows t = s..T-1: row t - s is the
    gradient of L_t (or of whatever `g_head` (T, N, H) injects at step t), a (N, ·) block for the N
    sequences. Keys: "dh" = ∂L_t/∂h_s (total), "dc" = ∂L_t/∂c_s (LSTM), "ih"/"hh" = ∂L_t with respect to
    the pre-activations W_ih u_s + b_ih and W_hh h_{s-1} + b_hh (one array for RNN/LSTM, whose two
    maps add before any nonlinearity). Summing a record over its rows gives ∂L/∂· for
    L = Σ_t L_t. Time-outer order means the layer above has already handed down its step-s rows.
    """
    (t_len, n_seq, _), back = g_head.shape, LAYER_BACK[params.cell]
    shapes = [layer.w_hh.shape[1] for layer in params.layers]
    dh_carry = [np.zeros((t_len, n_seq, hidden)) for hidden in shapes]
    dc_carry = [np.zeros((t_len, n_seq, hidden)) for hidden in shapes]
    for s in range(t_len - 1, -1, -1):
        from_above = np.zeros((t_len - s, n_seq, shapes[-1]))
        from_above[0] = g_head[s]
        for k in range(len(params.layers) - 1, -1, -1):
            layer = params.layers[k]
            dh = dh_carry[k][s:] + from_above
            record, dh_carry[k][s:], dc_prev = back(layer, traces[k], s, dh, dc_carry[k][s:])
            if dc_prev is not None:
                dc_carry[k][s:] = dc_prev
            if k:
                from_above = record["ih"] @ layer.w_ih
            yield k, s, record


def _stack_inputs(params: Params, xs, ys, loss: str) -> tuple[np.ndarray, np.ndarray]:
    """Sequences of one length side by side: x (T, N, D), y (T, N)."""
    pairs = [as_inputs(params, x, y, loss) for x, y in zip(xs, ys, strict=True)]
    if not pairs or len({len(x) for x, _ in pairs}) != 1:
        raise ValueError("expected one or more sequences, all of the same length")
    return np.stack([x for x, _ in pairs], axis=1), np.stack([y for _, y in pairs], axis=1)


def _batched(model, xs, ys, loss: str, inject):
    """Forward N sequences at once and set up a backward that injects `inject(...)` at the top: (T, N, H)."""
    params = model_params(model)
    x, y = _stack_inputs(params, xs, ys, loss)
    traces = forward(params, x)
    return params, traces, backward_rows(params, traces, inject(params, traces, y))


def _loss_rows(params: Params, traces: list[dict], y: np.ndarray, loss: str) -> np.ndarray:
    return head_gradients(params, traces[-1]["h"], y, loss)


def forward_backward(model, x: ArrayLike, y: ArrayLike, loss: str):
    """Forward one sequence and set up the batched backward (a lazy `backward_rows` walk).

    Shared by `itemized_contributions_sum` and by `celltrace.cell_trace`; returns (params, traces,
    rows) with the sequence axis dropped: traces (T, ·), record rows (t, ·).
    """
    params, traces, rows = _batched(model, [x], [y], loss, lambda p, tr, yy: _loss_rows(p, tr, yy, loss))
    single = [{key: a[:, 0] for key, a in trace.items()} for trace in traces]
    return params, single, ((k, s, {key: a[:, 0] for key, a in rec.items()}) for k, s, rec in rows)


def _row_norms(a: np.ndarray) -> np.ndarray:
    """Euclidean norms along the last axis."""
    return np.sqrt(np.einsum("...i,...i->...", a, a))


def _empty_result(shape: tuple, n_layers: int) -> dict:
    """The output structure of the itemized functions, all zeros (so s > t stays exactly 0)."""
    return {"G": {k: {g: np.zeros(shape) for g in ("ih", "hh", "all")} for k in range(n_layers)},
            "H": {k: np.zeros(shape) for k in range(n_layers)}}


# --- public API ------------------------------------------------------------------------------------

def itemized_gradients_batch(model, xs, ys, loss: str) -> dict:
    """`itemized_gradients` of N sequences of one length in one walk: every array is (N, T, T)."""
    params, traces, rows = _batched(model, xs, ys, loss, lambda p, tr, yy: _loss_rows(p, tr, yy, loss))
    t_len, n_seq = traces[0]["h"].shape[:2]
    out = _empty_result((n_seq, t_len, t_len), len(params.layers))
    norms_u = [_row_norms(tr["x"]) for tr in traces]  # (T, N)
    norms_h = [_row_norms(tr["h_prev"]) for tr in traces]
    for k, s, rec in rows:
        n_ih, n_hh = _row_norms(rec["ih"]), _row_norms(rec["hh"])  # (t, N) for t = s..T-1
        u, h = norms_u[k][s], norms_h[k][s]  # (N,)
        g = out["G"][k]
        g["ih"][:, s:, s] = (n_ih * u).T
        g["hh"][:, s:, s] = (n_hh * h).T
        g["all"][:, s:, s] = np.sqrt(n_ih ** 2 * (u ** 2 + 1.0) + n_hh ** 2 * (h ** 2 + 1.0)).T
        out["H"][k][:, s:, s] = _row_norms(rec["dh"]).T
    return out


def itemized_gradients(model, x: ArrayLike, y: ArrayLike, loss: str) -> dict:
    """Norms of every itemized gradient of one sequence, per layer, as lower-triangular T×T arrays.

    Returns {"G": {k: {"ih", "hh", "all"}}, "H": {k: ...}} (float64) with
    G[k][g][t, s] = ‖∂L_t/∂θ_g^(s)‖_F for layer k's step-s parameter copy (g = "ih": weight_ih,
    "hh": weight_hh, "all": both weights and both biases together) and
    H[k][t, s] = ‖∂L_t/∂h_s‖ (total derivative through later steps and the layers above).
    `loss` is "mse" (L_t = (ŷ_t − y_t)²) or "ce" (L_t = −log softmax(ŷ_t)[y_t]).
    """
    batch = itemized_gradients_batch(model, [x], [y], loss)
    return {"G": {k: {g: a[0] for g, a in groups.items()} for k, groups in batch["G"].items()},
            "H": {k: a[0] for k, a in batch["H"].items()}}


def connectivity_batch(model, xs, ys, loss: str) -> np.ndarray:
    """C[n, t, s] = ‖∂ŷ_t/∂x_s‖ for N sequences (N, T, T): how much the output L_t judges depends on
    the input s steps back (Madsen 2019's connectivity). ŷ_t is the target's logit for text and the
    predicted value for function data; for one-hot inputs the gradient is w.r.t. the whole input vector.
    """
    params, traces, rows = _batched(model, xs, ys, loss, lambda p, tr, yy: output_gradients(p, yy, loss))
    t_len, n_seq = traces[0]["h"].shape[:2]
    out = np.zeros((n_seq, t_len, t_len))
    w_ih = params.layers[0].w_ih
    for k, s, rec in rows:
        if k == 0:
            out[:, s:, s] = _row_norms(rec["ih"] @ w_ih).T
    return out


def itemized_contributions_sum(model, x: ArrayLike, y: ArrayLike, loss: str) -> dict[str, np.ndarray]:
    """Σ_{t,s} of the unnormed rank-one contributions δ_{t,s} u_sᵀ, keyed like `model.rnn`'s parameters.

    This must equal the ordinary gradient of L = Σ_t L_t; tests use it to check the rows themselves,
    not only their norms.
    """
    params, traces, rows = forward_backward(model, x, y, loss)
    grads = {f"{kind}_l{k}": np.zeros_like(getattr(layer, attr))
             for k, layer in enumerate(params.layers)
             for kind, attr in zip(PARAM_KINDS, ("w_ih", "w_hh", "b_ih", "b_hh"))}
    for k, s, rec in rows:
        d_ih, d_hh = rec["ih"].sum(axis=0), rec["hh"].sum(axis=0)
        grads[f"weight_ih_l{k}"] += np.outer(d_ih, traces[k]["x"][s])
        grads[f"weight_hh_l{k}"] += np.outer(d_hh, traces[k]["h_prev"][s])
        grads[f"bias_ih_l{k}"] += d_ih
        grads[f"bias_hh_l{k}"] += d_hh
    return grads


# --- oracle ----------------------------------------------------------------------------------------

def reference_graph(model, x: ArrayLike, y: ArrayLike, loss: str):
    """Unrolled graph with a separate leaf copy of every layer's parameters at every step.

    Steps run through torch's own cell modules (nn.LSTMCell, …), so this shares no equations with
    the fast path. Returns (per-step losses (T,), copies[k][s] {kind: leaf}, states[k][s] = h_s).
    """
    params = model_params(model)
    x, y = as_inputs(params, x, y, loss)
    inputs = list(torch.from_numpy(x)[:, None, :])
    copies, states = [], []
    for layer in params.layers:
        cell = TORCH_CELLS[params.cell](layer.w_ih.shape[1], layer.w_hh.shape[1], dtype=torch.float64)
        tensors = dict(zip(PARAM_KINDS, (layer.w_ih, layer.w_hh, layer.b_ih, layer.b_hh)))
        layer_copies, layer_states, state = [], [], None
        for u in inputs:
            leaves = {kind: torch.tensor(v, requires_grad=True) for kind, v in tensors.items()}
            state = torch.func.functional_call(cell, leaves, (u, state))
            layer_copies.append(leaves)
            layer_states.append(state[0] if isinstance(state, tuple) else state)
        copies.append(layer_copies)
        states.append(layer_states)
        inputs = layer_states
    out = torch.cat(inputs) @ torch.from_numpy(params.head_w).T + torch.from_numpy(params.head_b)
    return torch_step_losses(out, y, loss)[0], copies, states


def torch_step_losses(out: torch.Tensor, y: np.ndarray, loss: str) -> tuple[torch.Tensor, torch.Tensor]:
    """From the head's (T, O) output, in autograd: L_t (T,) and the output ŷ_t that L_t judges (the value
    for mse, the target's logit for ce). Shared by the autograd paths (the oracle, `generic_itemized`)."""
    rows = torch.arange(len(y))
    if loss == "mse":
        return (out[:, 0] - torch.from_numpy(y)) ** 2, out[:, 0]
    target = torch.from_numpy(y)
    return -torch.log_softmax(out, dim=1)[rows, target], out[rows, target]


def itemized_gradients_reference(model, x: ArrayLike, y: ArrayLike, loss: str,
                                 loss_steps: Iterable[int] | None = None) -> dict:
    """Slow, obviously correct `itemized_gradients`: one autograd call per loss term L_t.

    Reads ‖∂L_t/∂θ^(s)‖ straight off the step-s leaf copies and ‖∂L_t/∂h_s‖ off the step states.
    `loss_steps` (default: all) limits which rows t are computed, so a benchmark can time a sample;
    rows not computed stay zero.
    """
    per_step, copies, states = reference_graph(model, x, y, loss)
    t_len, n_layers = len(per_step), len(copies)
    out = _empty_result((t_len, t_len), n_layers)
    leaves = [copies[k][s][kind] for k in range(n_layers) for s in range(t_len) for kind in PARAM_KINDS]
    hs = [states[k][s] for k in range(n_layers) for s in range(t_len)]
    for t in range(t_len) if loss_steps is None else loss_steps:
        grads = torch.autograd.grad(per_step[t], leaves + hs, retain_graph=True, allow_unused=True,
                                    materialize_grads=True)
        sq = np.array([float((g ** 2).sum()) for g in grads[:len(leaves)]]).reshape(n_layers, t_len, 4)
        h_norms = np.array([float(g.norm()) for g in grads[len(leaves):]]).reshape(n_layers, t_len)
        for k in range(n_layers):
            out["G"][k]["ih"][t] = np.sqrt(sq[k, :, 0])
            out["G"][k]["hh"][t] = np.sqrt(sq[k, :, 1])
            out["G"][k]["all"][t] = np.sqrt(sq[k].sum(axis=1))
            out["H"][k][t] = h_norms[k]
    return out
