"""Itemized BPTT gradients: how hard each loss term L_t pulls on the weights used at step s.

Untie the unrolled graph so that step s uses its own copy θ^(s) of a layer's parameters; then
∂L/∂θ = Σ_t Σ_{s≤t} ∂L_t/∂θ^(s). Each such term is rank one (δ_{t,s} u_sᵀ for a map W u_s + b), so
‖∂L_t/∂W^(s)‖_F = ‖δ_{t,s}‖·‖u_s‖ and the T² matrices are never formed. One backward pass carries all
T loss terms at once as gradient columns (column t = ∂L_t/∂·), using the same cell code as training.
"""
from __future__ import annotations

import numpy as np



def _norms(a: np.ndarray) -> np.ndarray:
    """Euclidean norms along axis 1 (features) of a (T, features[, columns]) array."""
    return np.sqrt(np.einsum("si...,si...->s...", a, a))


def itemized_gradients(model, x, y, loss: str) -> dict:
    """Norms of the itemized gradients of one sequence x (T, D) with per-step targets y.

    Returns {"G": {k: {"ih", "hh", "all": (T, T)}}, "H": {k: (T, T)}} for each layer k, lower-triangular:
    G[k][g][t, s] = ‖∂L_t/∂θ^(s)‖_F with θ = weight_ih ("ih"), weight_hh ("hh") or all four of the
    layer's parameters ("all"); H[k][t, s] = ‖∂L_t/∂h_s‖, the total derivative w.r.t. layer k's state.
    """
    _, caches, d_out = model.trace_sequence(x, y, loss, "itemized gradients")
    t_len = len(d_out)
    dh_top = np.zeros((t_len, model.hidden_size, t_len), dtype=model.dtype)  # column t carries L_t
    dh_top[np.arange(t_len), :, np.arange(t_len)] = d_out @ model.params["head.weight"]
    result = {"G": {}, "H": {}}
    for k, back in model.backprop(caches, dh_top):
        u_norm = _norms(caches[k]["u"][:, :, 0])[:, None]  # (s, 1): ‖u_s‖, broadcast over columns t
        h_norm = _norms(caches[k]["h_prev"][:, :, 0])[:, None]
        n_ih = _norms(back.d_ih)  # (s, t)
        n_hh = n_ih if back.d_hh is back.d_ih else _norms(back.d_hh)
        result["G"][k] = {"ih": (n_ih * u_norm).T, "hh": (n_hh * h_norm).T,  # a bias's gradient is δ itself: the + 1
                          "all": np.sqrt(n_ih ** 2 * (u_norm ** 2 + 1.0) + n_hh ** 2 * (h_norm ** 2 + 1.0)).T}
        result["H"][k] = _norms(back.dh).T
    return {part: dict(sorted(by_layer.items())) for part, by_layer in result.items()}
