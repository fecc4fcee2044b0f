"""One recurrent layer, forward and backward, for torch's RNN (tanh), LSTM and GRU equations.

Arrays are time-major and feature-major: inputs u (T, D, B), states (T, H, B), one column per
sequence, so the equations read as written (W u_s + b) and every gate block of a (T, G·H, B) array is
a contiguous run of rows: NumPy is several times slower on the strided column slices the (B, G·H)
layout would give. Weights keep torch's layout, gate blocks stacked along rows (LSTM i, f, g, o;
GRU r, z, n), so a torch `state_dict` drops straight in.

The backward walks time once for any number of gradient columns R. In training a column is a batch
element; for itemized gradients a column is a loss term L_t while the forward cache holds one sequence
(B = 1) and broadcasts against the R columns. Everything that does not depend on the incoming
gradient (the local derivatives of each step) is computed for all steps at once before the loop.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


class Weights(NamedTuple):
    """One layer's parameters, in torch's layout: (G·H, D), (G·H, H), (G·H,), (G·H,)."""

    w_ih: np.ndarray
    w_hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray


class Backward(NamedTuple):
    """Per step and column: ∂/∂(W_ih u_s + b_ih), ∂/∂(W_hh h_{s-1} + b_hh) and the total ∂/∂h_s."""

    d_ih: np.ndarray  # (T, G·H, R)
    d_hh: np.ndarray  # (T, G·H, R); the same array as d_ih for RNN and LSTM
    dh: np.ndarray  # (T, H, R)


def stacked_matmul(w: np.ndarray, a: np.ndarray) -> np.ndarray:
    """w @ a_s for every step of a (T, K, B) stack, as one 2-D matmul: (T, N, B), contiguous."""
    t_len, k, cols = a.shape
    flat = np.ascontiguousarray(a.transpose(1, 0, 2)).reshape(k, t_len * cols)
    return np.ascontiguousarray((w @ flat).reshape(-1, t_len, cols).transpose(1, 0, 2))


# The forward loops never call np.tanh: NumPy's float64 tanh is several times slower than its exp on
# common CPUs, and this is the hot loop. Each pre-activation a is folded into the weights as
# m = −k·a (k = 1 before σ, 2 before tanh; exact, powers of two), so that σ(a) = 1 / (1 + e^m) and
# tanh(a) = 2σ(2a) − 1 = 2 / (1 + e^m) − 1 cost one exp and a few cheap in-place ops, with absolute
# error ~1e-16. e^m may overflow to inf, which gives the right limit 0: overflow warnings are silenced.

def _logistic_(m: np.ndarray) -> np.ndarray:
    """1 / (1 + e^m) in place: σ(a) for m = −a."""
    np.exp(m, out=m)
    m += 1.0
    return np.reciprocal(m, out=m)


def _tanh_(m: np.ndarray) -> np.ndarray:
    """2 / (1 + e^m) − 1 in place: tanh(a) for m = −2a."""
    _logistic_(m)
    m *= 2.0
    m -= 1.0
    return m


def _projections(w: Weights, u: np.ndarray, scale: np.ndarray, bias: np.ndarray):
    """scale·(W_ih u_s + bias) for all steps at once, and scale·W_hh (contiguous) for the time loop."""
    scale = scale[:, None]
    return stacked_matmul(w.w_ih * scale, u) + bias[:, None] * scale, w.w_hh * scale


def _previous(first: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """The sequence shifted one step back in time, starting from `first`: h_{s-1} for every s."""
    return np.concatenate((first[None], seq[:-1]), axis=0)


def zero_state(cell: str, hidden: int, batch: int, dtype) -> tuple:
    """Initial (h,) or (h, c), each (H, B) zeros, as torch uses when no state is passed."""
    count = 2 if cell == "lstm" else 1
    return tuple(np.zeros((hidden, batch), dtype=dtype) for _ in range(count))


def _new(like: np.ndarray, rows: int) -> np.ndarray:
    """An uninitialised (T, rows, B) array shaped after `like`."""
    return np.empty((like.shape[0], rows, like.shape[2]), dtype=like.dtype)


# --- vanilla RNN -----------------------------------------------------------------------------------

def rnn_forward(w: Weights, u: np.ndarray, state: tuple):
    """h_s = tanh(W_ih u_s + b_ih + W_hh h_{s-1} + b_hh). Returns (states, final state, cache)."""
    hidden = w.w_hh.shape[1]
    pre_x, w_hh = _projections(w, u, np.full(hidden, -2.0, dtype=w.w_hh.dtype), w.b_ih + w.b_hh)
    h = state[0]
    hs = _new(pre_x, hidden)
    with np.errstate(over="ignore"):
        for s in range(len(u)):
            h = np.matmul(w_hh, h, out=hs[s])
            h += pre_x[s]
            _tanh_(h)
    return hs, (h,), {"u": u, "h": hs, "h_prev": _previous(state[0], hs)}


def rnn_backward(w: Weights, cache: dict, dh_in: np.ndarray) -> Backward:
    """`dh_in` (T, H, R) is the gradient reaching h_s from outside the layer (head or layer above)."""
    local = 1.0 - cache["h"] ** 2
    w_hh_t = np.ascontiguousarray(w.w_hh.T)
    delta = np.empty(np.broadcast_shapes(dh_in.shape, local.shape), dtype=dh_in.dtype)
    dh = np.empty_like(delta)
    carry = 0.0
    for s in range(len(dh_in) - 1, -1, -1):
        np.add(dh_in[s], carry, out=dh[s])
        np.multiply(dh[s], local[s], out=delta[s])
        carry = w_hh_t @ delta[s]
    return Backward(delta, delta, dh)


# --- LSTM ------------------------------------------------------------------------------------------

def lstm_forward(w: Weights, u: np.ndarray, state: tuple):
    """Gates i, f, o = σ(·), g = tanh(·); c_s = f c_{s-1} + i g; h_s = o tanh(c_s)."""
    hidden = w.w_hh.shape[1]
    i_, f_, g_, o_ = (slice(k * hidden, (k + 1) * hidden) for k in range(4))
    scale = np.full(4 * hidden, -1.0, dtype=w.w_hh.dtype)
    scale[g_] = -2.0  # one exp call for all four gates
    pre_x, w_hh = _projections(w, u, scale, w.b_ih + w.b_hh)
    h, c = state
    acts = _new(pre_x, 4 * hidden)
    cs, tanh_cs, hs = _new(pre_x, hidden), _new(pre_x, hidden), _new(pre_x, hidden)
    numerators = np.ones(acts.shape[1:], dtype=acts.dtype)
    numerators[g_] = 2.0  # g = 2σ(2a) − 1: all four gates in one division
    with np.errstate(over="ignore"):
        for s in range(len(u)):
            act = np.matmul(w_hh, h, out=acts[s])
            act += pre_x[s]
            np.exp(act, out=act)
            act += 1.0
            np.divide(numerators, act, out=act)
            g = act[g_]
            g -= 1.0
            c = np.multiply(act[f_], c, out=cs[s])
            c += act[i_] * g
            tanh_c = np.multiply(c, -2.0, out=tanh_cs[s])
            np.exp(tanh_c, out=tanh_c)
            tanh_c += 1.0
            np.divide(2.0, tanh_c, out=tanh_c)
            tanh_c -= 1.0
            h = np.multiply(act[o_], tanh_c, out=hs[s])
    cache = {"u": u, "h": hs, "h_prev": _previous(state[0], hs), "c_prev": _previous(state[1], cs),
             "act": acts, "tanh_c": tanh_cs}
    return hs, (h, c), cache


def lstm_backward(w: Weights, cache: dict, dh_in: np.ndarray) -> Backward:
    """Carries ∂/∂h and ∂/∂c back; the gate deltas are [dc, dc, dc, dh] times per-step local factors."""
    i, f, g, o = np.split(cache["act"], 4, axis=1)
    tanh_c = cache["tanh_c"]
    dc_from_h = o * (1.0 - tanh_c ** 2)
    local = np.concatenate((g * i * (1.0 - i), cache["c_prev"] * f * (1.0 - f), i * (1.0 - g ** 2),
                            tanh_c * o * (1.0 - o)), axis=1)
    local = local.reshape(len(local), 4, -1, local.shape[2])
    w_hh_t = np.ascontiguousarray(w.w_hh.T)
    cols = np.broadcast_shapes(dh_in.shape, tanh_c.shape)[2]
    delta = np.empty((len(local), 4 * tanh_c.shape[1], cols), dtype=dh_in.dtype)
    gates = delta.reshape(len(local), 4, -1, cols)  # gates[s, j]: gate j's rows of δ_s
    dh = np.empty(dh_in.shape[:2] + (cols,), dtype=dh_in.dtype)
    dc = np.empty_like(dh[0])
    carry_h = carry_c = 0.0
    for s in range(len(dh_in) - 1, -1, -1):
        np.add(dh_in[s], carry_h, out=dh[s])
        np.multiply(dh[s], dc_from_h[s], out=dc)
        dc += carry_c
        np.multiply(dc, local[s, :3], out=gates[s, :3])
        np.multiply(dh[s], local[s, 3], out=gates[s, 3])
        carry_h = w_hh_t @ delta[s]
        carry_c = dc * f[s]
    return Backward(delta, delta, dh)


# --- GRU -------------------------------------------------------------------------------------------

def gru_forward(w: Weights, u: np.ndarray, state: tuple):
    """r, z = σ(·); n = tanh(W_in u + b_in + r (W_hn h + b_hn)); h_s = (1 − z) n + z h_{s-1} (torch's form)."""
    hidden = w.w_hh.shape[1]
    r_, z_, rz_, n_ = (slice(0, hidden), slice(hidden, 2 * hidden), slice(0, 2 * hidden),
                       slice(2 * hidden, 3 * hidden))
    scale = np.full(3 * hidden, -1.0, dtype=w.w_hh.dtype)
    scale[n_] = -2.0  # scales W_in u + b_in and W_hn h alike, hence r (W_hn h + b_hn) too
    bias = w.b_ih.copy()
    bias[rz_] += w.b_hh[rz_]
    pre_x, w_hh = _projections(w, u, scale, bias)
    b_hn = -2.0 * w.b_hh[n_, None]
    h = state[0]
    rzs, ns, hns, hs = _new(pre_x, 2 * hidden), _new(pre_x, hidden), _new(pre_x, hidden), _new(pre_x, hidden)
    with np.errstate(over="ignore"):
        for s in range(len(u)):
            pre_h = w_hh @ h
            rz = _logistic_(np.add(pre_x[s, rz_], pre_h[rz_], out=rzs[s]))
            hn = np.add(pre_h[n_], b_hn, out=hns[s])
            n = np.multiply(rz[r_], hn, out=ns[s])
            n += pre_x[s, n_]
            _tanh_(n)
            z = rz[z_]
            h_new = np.multiply(1.0 - z, n, out=hs[s])
            h_new += z * h
            h = h_new
    hns *= -0.5  # back to W_hn h + b_hn for the backward
    cache = {"u": u, "h": hs, "h_prev": _previous(state[0], hs), "rz": rzs, "n": ns, "hn": hns}
    return hs, (h,), cache


def gru_backward(w: Weights, cache: dict, dh_in: np.ndarray) -> Backward:
    """The reset gate sits inside the n pre-activation, so W_ih and W_hh see different n deltas."""
    r, z = np.split(cache["rz"], 2, axis=1)
    n = cache["n"]
    d_n = (1.0 - z) * (1.0 - n ** 2)
    d_r = d_n * cache["hn"] * r * (1.0 - r)
    d_z = (cache["h_prev"] - n) * z * (1.0 - z)
    local_ih = np.concatenate((d_r, d_z, d_n), axis=1)
    local_hh = np.concatenate((d_r, d_z, d_n * r), axis=1)
    w_hh_t = np.ascontiguousarray(w.w_hh.T)
    cols = np.broadcast_shapes(dh_in.shape, n.shape)[2]
    d_ih = np.empty(local_ih.shape[:2] + (cols,), dtype=dh_in.dtype)
    d_hh = np.empty_like(d_ih)
    dh = np.empty(dh_in.shape[:2] + (cols,), dtype=dh_in.dtype)
    carry = 0.0
    for s in range(len(dh_in) - 1, -1, -1):
        np.add(dh_in[s], carry, out=dh[s])
        tiled = np.concatenate((dh[s], dh[s], dh[s]))
        np.multiply(tiled, local_ih[s], out=d_ih[s])
        np.multiply(tiled, local_hh[s], out=d_hh[s])
        carry = dh[s] * z[s] + w_hh_t @ d_hh[s]
    return Backward(d_ih, d_hh, dh)


FORWARD = {"rnn": rnn_forward, "lstm": lstm_forward, "gru": gru_forward}
BACKWARD = {"rnn": rnn_backward, "lstm": lstm_backward, "gru": gru_backward}
