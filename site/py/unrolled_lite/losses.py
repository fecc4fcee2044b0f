"""Per-step losses of next-element prediction and their gradients with respect to the head's output.

"mse": L_t = ‖ŷ_t − y_t‖² (for one output, torch's `mse_loss` before the mean).
"ce":  L_t = −log softmax(ŷ_t)[y_t] (torch's `cross_entropy` before the mean).
Training uses the mean of L_t over batch and steps; itemized gradients use each L_t on its own.
"""
from __future__ import annotations

import numpy as np

LOSSES = ("mse", "ce")


def check_targets(out_shape: tuple, y, loss: str, dtype=np.float64) -> np.ndarray:
    """Targets shaped for `out` (..., T, O): mse `dtype` (..., T, O) (O = 1 may drop the last axis), ce ints (..., T)."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {LOSSES}")
    y = np.asarray(y)
    if loss == "ce":
        if y.shape != out_shape[:-1] or not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"ce targets must be integers of shape {out_shape[:-1]}, got {y.dtype} {y.shape}")
        if y.size and (y.min() < 0 or y.max() >= out_shape[-1]):
            raise ValueError(f"ce targets must lie in [0, {out_shape[-1]})")
        return y
    y = y.astype(dtype, copy=False)
    if y.shape == out_shape[:-1] and out_shape[-1] == 1:
        y = y[..., None]
    if y.shape != out_shape:
        raise ValueError(f"mse targets must have shape {out_shape}, got {y.shape}")
    return y


def _log_softmax(out: np.ndarray) -> np.ndarray:
    shifted = out - out.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def step_losses(out: np.ndarray, y: np.ndarray, loss: str) -> np.ndarray:
    """L_t for every element: (..., T) from outputs (..., T, O) and checked targets."""
    if loss == "mse":
        return ((out - y) ** 2).sum(axis=-1)
    return -np.take_along_axis(_log_softmax(out), y[..., None], axis=-1)[..., 0]


def step_gradients(out: np.ndarray, y: np.ndarray, loss: str) -> np.ndarray:
    """∂L_t/∂ŷ_t for every element, shaped like `out`."""
    if loss == "mse":
        return 2.0 * (out - y)
    grad = np.exp(_log_softmax(out))
    np.put_along_axis(grad, y[..., None], np.take_along_axis(grad, y[..., None], axis=-1) - 1.0, axis=-1)
    return grad
