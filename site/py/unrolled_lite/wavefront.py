"""A stack of LSTM layers run on a diagonal (wavefront) schedule: all layers advance at each tick.

At tick τ layer k works on step s = τ − k. The layers active at a tick (a contiguous range) do not
depend on each other, only on the tick before: layer k reads h_{k−1,s} and h_{k,s−1}, both finished at
τ − 1. So their gate arithmetic is one NumPy call on a stacked array and their matmuls one batched
np.matmul: T + L − 1 ticks replace T·L per-layer steps. At these sizes a step costs more in NumPy's
per-call overhead than in arithmetic, so a deep stack gains a lot. The equations and the exp-based σ
and tanh are those of `cells.lstm_forward` / `cells.lstm_backward`; only the order of a few sums differs.

Layout: "skewed", tick-major arrays (ticks, slots, features, B); entry [τ, k] belongs to layer k at
step τ − k, so a tick's active layers are one contiguous block and layer k's steps are the view
a[k:k+T, k]. Entries where a layer has no step ("idle") are zero: nothing ever writes them, and new
arrays start as zeros (`Scratch`). NumPy's fast path wants contiguous operands of equal shapes (a
strided or broadcast operand costs a few µs more per call), so each array is laid out to give a tick
exactly that.

- `hs` (T+L, L+1, H+1, B): hs[τ+1, k+1] is layer k's h after tick τ (hs[k, k+1] its initial state);
  slot 0 holds the inputs u_s (zeros when D > H), and the last row of every slot is 1. Layer k's matmul
  input at tick τ is slots k and k+1 of row τ read as one (2H+2, B) block, [h_{k−1,s}; 1; h_{k,s−1}; 1]
  (`_windows`: overlapping views, no copy), against [W_ih | b_ih + b_hh | W_hh | 0]: input, recurrence
  and bias in one product. When D > H layer 0 gets W_ih u_s + b for all steps at once instead.
  The weight gradients are one matmul per layer of its deltas against these same windows.
- `acts` (T+L, 4, L, H, B): the gates i, f, g, o, gate-major so that each gate of a tick is contiguous;
  `cs` (T+L, L, H, B): cs[τ+1, k] is c after tick τ (cs[k, k] the initial c); `tanh_cs` (T+L−1, L, H, B).
- The backward runs the same sweep in reverse, from the last tick down. `delta` (T+L, L+1, 4H, R) holds δ_{k,s} at [τ, k];
  slot L carries the head's gradient to the top layer. ∂/∂h_{k,s} = W_hh_kᵀ δ_{k,s+1} + W_ih_{k+1}ᵀ δ_{k+1,s}
  is slots k and k+1 of row τ + 1: again one window and one batched matmul, with [W_hh_kᵀ | W_ih_{k+1}ᵀ]
  ([W_hh_kᵀ | I 0] for the top layer, which so picks up the head's gradient).

As in `cells`, R gradient columns may run against a forward of B = 1 (itemized gradients): the local
factors, (…, 1), broadcast over the columns.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .cells import Backward, Weights, stacked_matmul

SIGMA_SCALE = np.array([-1.0, -1.0, -2.0, -1.0])  # per gate: σ(a) = 1 / (1 + e^{−a}), tanh(a) = 2σ(2a) − 1


class Scratch:
    """Working arrays kept by name from one call to the next, so that a training loop stops allocating.

    A batch needs a few MB of them, and fresh memory costs a page fault per 4 kB: at these sizes that is
    a large share of an epoch. A new array is zeros; a kept one holds what its last user left, which for
    the skewed arrays means zeros wherever a layer is idle. Nothing handed back to a caller may live here.
    """

    def __init__(self):
        self._arrays = {}

    def zeros(self, name: str, shape: tuple, dtype) -> np.ndarray:
        array = self._arrays.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = self._arrays[name] = np.zeros(shape, dtype=dtype)
        return array


class Fresh:
    """The `Scratch` interface with a new array every time, for results a caller keeps."""

    @staticmethod
    def zeros(name: str, shape: tuple, dtype) -> np.ndarray:
        return np.zeros(shape, dtype=dtype)


def _windows(a: np.ndarray) -> np.ndarray:
    """(rows, slots − 1, 2F, B) read-only view of a (rows, slots, F, B) array: slots k and k + 1 as one block."""
    rows, slots, features, cols = a.shape
    return as_strided(a, shape=(rows, slots - 1, 2 * features, cols), strides=a.strides, writeable=False)


def _schedule(steps: int, layers: int) -> list[slice]:
    """Per tick, the layers that have a step then."""
    return [slice(max(0, t - steps + 1), min(layers, t + 1)) for t in range(steps + layers - 1)]


def _input_in_slot(layers: list[Weights]) -> bool:
    """Whether the inputs fit in slot 0 (D ≤ H), so that layer 0's input projection joins the matmul."""
    return layers[0].w_ih.shape[1] <= layers[0].w_hh.shape[1]


# --- forward ---------------------------------------------------------------------------------------

def _forward_weights(layers: list[Weights]) -> np.ndarray:
    """(4, L, H, 2H + 2), gate-major: [W_ih | b_ih + b_hh | W_hh | 0] per gate and layer, times the gate's
    SIGMA_SCALE; layer 0's W_ih zero-padded to H columns, or zero (and no bias) when D > H."""
    gates, hidden = layers[0].w_hh.shape
    w = np.zeros((len(layers), gates, 2 * hidden + 2), dtype=layers[0].w_hh.dtype)
    for k, layer in enumerate(layers):
        if k or _input_in_slot(layers):
            w[k, :, :layer.w_ih.shape[1]] = layer.w_ih
            np.add(layer.b_ih, layer.b_hh, out=w[k, :, hidden])
        w[k, :, hidden + 1:2 * hidden + 1] = layer.w_hh
    return w.reshape(len(layers), 4, hidden, -1).transpose(1, 0, 2, 3) * SIGMA_SCALE[:, None, None, None]


def _input_projection(layer: Weights, u: np.ndarray) -> np.ndarray:
    """Layer 0's scaled W_ih u_s + b for all steps, (T, 4, H, B), for inputs too wide for slot 0."""
    scale = np.repeat(SIGMA_SCALE, layer.w_hh.shape[1])[:, None]
    pre_x = stacked_matmul(layer.w_ih * scale, u) + (layer.b_ih + layer.b_hh)[:, None] * scale
    return pre_x.reshape(len(u), 4, -1, u.shape[2])


def _hidden_states(u: np.ndarray, states: list[tuple], in_slot: bool, scratch) -> np.ndarray:
    """The skewed h array with the inputs in slot 0 (if they fit), the rows of ones and the initial states."""
    steps, depth, (hidden, cols) = len(u), len(states), states[0][0].shape
    hs = scratch.zeros("hs", (steps + depth, depth + 1, hidden + 1, cols), u.dtype)
    if in_slot:
        hs[:steps, 0, :u.shape[1]] = u
    hs[:, :, hidden] = 1.0
    for k, state in enumerate(states):
        hs[k, k + 1, :hidden] = state[0]
    return hs


def lstm_forward(layers: list[Weights], u: np.ndarray, states: list[tuple], scratch=Fresh):
    """All layers over all steps of u (T, D, B). Returns (top layer's h (T, H, B), final states, caches).

    The caches are per layer as `cells.lstm_forward` gives them ("u", "h", "h_prev" as views), and each
    holds the shared "stack" that `lstm_backward` runs on. Caches and final states live in `scratch`.
    """
    steps, depth, hidden, cols = len(u), len(layers), layers[0].w_hh.shape[1], u.shape[2]
    ticks = steps + depth - 1
    weights = _forward_weights(layers)
    in_slot = _input_in_slot(layers)
    pre_x = None if in_slot else _input_projection(layers[0], u)
    hs = _hidden_states(u, states, in_slot, scratch)
    acts = scratch.zeros("acts", (ticks + 1, 4, depth, hidden, cols), u.dtype)
    cs = scratch.zeros("cs", (ticks + 1, depth, hidden, cols), u.dtype)
    tanh_cs = scratch.zeros("tanh_cs", (ticks, depth, hidden, cols), u.dtype)
    numerators = scratch.zeros("numerators", (4, depth, hidden, cols), u.dtype)
    numerators[...] = 1.0
    numerators[2] = 2.0  # g = 2σ(2a) − 1
    product = scratch.zeros("product", (depth, hidden, cols), u.dtype)
    for k, state in enumerate(states):
        cs[k, k] = state[1]
    win = _windows(hs)
    with np.errstate(over="ignore"):  # e^m = inf gives the right limit
        for t, on in enumerate(_schedule(steps, depth)):
            act = np.matmul(weights[:, on], win[t, on], out=acts[t, :, on])
            if pre_x is not None and on.start == 0:
                act[:, 0] += pre_x[t]
            np.exp(act, out=act)
            act += 1.0
            np.divide(numerators[:, on], act, out=act)
            i, f, g, o = act
            g -= 1.0
            c = np.multiply(f, cs[t, on], out=cs[t + 1, on])
            c += np.multiply(i, g, out=product[on])
            tanh_c = np.multiply(c, -2.0, out=tanh_cs[t, on])
            np.exp(tanh_c, out=tanh_c)
            tanh_c += 1.0
            np.divide(2.0, tanh_c, out=tanh_c)
            tanh_c -= 1.0
            np.multiply(o, tanh_c, out=hs[t + 1, on.start + 1:on.stop + 1, :hidden])
    stack = {"steps": steps, "hs": hs, "acts": acts, "cs": cs, "tanh_cs": tanh_cs,
             "input_size": u.shape[1] if in_slot else None}
    caches = [{"u": u if k == 0 else hs[k:k + steps, k, :hidden], "h": hs[k + 1:k + 1 + steps, k + 1, :hidden],
               "h_prev": hs[k:k + steps, k + 1, :hidden], "stack": stack} for k in range(depth)]
    final = [(hs[k + steps, k + 1, :hidden], cs[k + steps, k]) for k in range(depth)]
    return caches[-1]["h"], final, caches


# --- backward --------------------------------------------------------------------------------------

def _local_factors(stack: dict, scratch):
    """Per entry: the gate factors (ticks, 4, L, H, B) that turn [dc, dc, dc, dh] into δ, dc's factor
    from dh, o (1 − tanh² c), and f of the next step (zero after a layer's last: idle)."""
    acts, tanh_c = stack["acts"], stack["tanh_cs"]
    ticks = len(tanh_c)
    i, f, g, o = acts[:ticks].transpose(1, 0, 2, 3, 4)
    local = scratch.zeros("local", acts[:ticks].shape, acts.dtype)
    np.subtract(1.0, acts[:ticks], out=local)  # σ (1 − σ)
    local *= acts[:ticks]
    slope_g = local[:, 2]
    np.square(g, out=slope_g)  # 1 − g² for the tanh gate
    np.subtract(1.0, slope_g, out=slope_g)
    for j, factor in enumerate((g, stack["cs"][:ticks], i, tanh_c)):
        local[:, j] *= factor
    dc_from_h = scratch.zeros("dc_from_h", tanh_c.shape, acts.dtype)
    np.square(tanh_c, out=dc_from_h)
    np.subtract(1.0, dc_from_h, out=dc_from_h)
    dc_from_h *= o
    return local, dc_from_h, acts[1:ticks + 1, 1]


def _backward_weights(layers: list[Weights]) -> np.ndarray:
    """(L, H, 8H): [W_hh_kᵀ | W_ih_{k+1}ᵀ] per layer, [W_hh_kᵀ | I 0] for the top one."""
    gates, hidden = layers[0].w_hh.shape
    w = np.zeros((len(layers), hidden, 2 * gates), dtype=layers[0].w_hh.dtype)
    for k, layer in enumerate(layers):
        w[k, :, :gates] = layer.w_hh.T
        if k + 1 < len(layers):
            w[k, :, gates:] = layers[k + 1].w_ih.T
    w[-1, :, gates:gates + hidden] = np.eye(hidden, dtype=w.dtype)
    return w


def lstm_backward(layers: list[Weights], stack: dict, dh_top: np.ndarray, scratch=Fresh) -> dict:
    """Backward through all layers at once; `dh_top` (T, H, R) reaches the top layer from the head.

    Returns the skewed "delta" (T+L, L+1, 4H, R) and "dh" (T+L−1, L, H, R); see `layer_backward`.
    """
    steps, cs = stack["steps"], stack["cs"]
    depth, hidden = cs.shape[1], cs.shape[2]
    ticks = steps + depth - 1
    shape = (depth, hidden, max(dh_top.shape[2], cs.shape[3]))
    local, dc_from_h, f_next = _local_factors(stack, scratch)
    weights = _backward_weights(layers)
    delta = scratch.zeros("delta", (ticks + 1, depth + 1, 4 * hidden, shape[2]), dh_top.dtype)
    delta[depth:, depth, :hidden] = dh_top
    win = _windows(delta[1:])
    gates = delta.reshape(ticks + 1, depth + 1, 4, hidden, shape[2])  # [τ, k, gate]
    dhs = scratch.zeros("dh", (ticks,) + shape, dh_top.dtype)
    dcs = scratch.zeros("dc", (ticks + 1,) + shape, dh_top.dtype)  # dc_{k,T} = 0: idle
    carry = scratch.zeros("carry", shape, dh_top.dtype)
    for t, on in reversed(list(enumerate(_schedule(steps, depth)))):
        dh = np.matmul(weights[on], win[t, on], out=dhs[t, on])
        dc = np.multiply(dh, dc_from_h[t, on], out=dcs[t, on])
        dc += np.multiply(dcs[t + 1, on], f_next[t, on], out=carry[on])
        d = gates[t, on].transpose(1, 0, 2, 3)
        np.multiply(dc, local[t, :3, on], out=d[:3])
        np.multiply(dh, local[t, 3, on], out=d[3])
    return {"steps": steps, "delta": delta, "dh": dhs}


def layer_backward(back: dict, k: int) -> Backward:
    """Layer k's part of `lstm_backward`'s result as `cells.Backward` views (T, ·, R)."""
    d = back["delta"][k:k + back["steps"], k]
    return Backward(d, d, back["dh"][k:k + back["steps"], k])


def weight_gradients(stack: dict, back: dict, scratch=Fresh) -> list[tuple]:
    """Per layer (∂W_ih, ∂W_hh, ∂b), summed over steps and columns (R = B): δ against the matmul windows.

    ∂b is the gradient of b_ih and of b_hh alike. Layer 0's ∂W_ih is None when its inputs do not fit
    in slot 0 (the caller has u and δ for it).
    """
    steps, hs, delta = stack["steps"], stack["hs"], back["delta"]
    depth, gates, cols = delta.shape[1] - 1, delta.shape[2], delta.shape[3]
    hidden = hs.shape[2] - 1
    d = scratch.zeros("grad_delta", (gates, steps, cols), delta.dtype)
    x = scratch.zeros("grad_inputs", (2 * hidden + 1, steps, cols), hs.dtype)
    win = _windows(hs)
    result = []
    for k in range(depth):
        np.copyto(d, delta[k:k + steps, k].transpose(1, 0, 2))
        np.copyto(x, win[k:k + steps, k, :2 * hidden + 1].transpose(1, 0, 2))
        g = d.reshape(gates, -1) @ x.reshape(2 * hidden + 1, -1).T
        width = hidden if k else stack["input_size"]
        result.append((None if width is None else g[:, :width], g[:, hidden + 1:], g[:, hidden]))
    return result
