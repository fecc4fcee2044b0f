"""Gradient reach over many sequences: how far back each loss, and each prediction, still reaches.

One traced sequence shows a picture; a claim about a cell needs a distribution. From the itemized
norms of N held-out sequences (one batched walk of `itemized.py`, not a second implementation) this
module reduces every quantity X (N, T, T), lower-triangular in (t, s), to statistics per distance
d = t − s over all pairs (sequence, t): the mean and the 10th/90th percentiles of the ratio
X[t, t−d] / X[t, t] and of the value X[t, t−d]. The horizon is the smallest d whose mean ratio falls
below a threshold; None when the ratio stays above it within the window.

Distances run from 0 to T − 2 (every distance then has pairs from at least two steps t). The recurrent
weights' copy at s = 0 multiplies h_{-1} = 0, so its itemized gradient is exactly zero by construction:
ratios of `hh` leave s = 0 out rather than report that zero as a fading gradient.
"""
from __future__ import annotations

import numpy as np

PERCENTILES = (10, 90)


def distance_stats(x: np.ndarray, threshold: float, skip_first_step: bool = False) -> dict:
    """Statistics per distance of one (N, T, T) quantity; see the module docstring."""
    n_seq, t_len, _ = x.shape
    own = np.diagonal(x, 0, 1, 2)  # (N, T): X[t, t]
    ratio = {"mean": [], "p10": [], "p90": []}
    value = {"mean": [], "p10": [], "p90": []}
    for d in range(t_len - 1):
        back = np.diagonal(x, -d, 1, 2)  # (N, T − d): X[s + d, s] for s = 0..T−d−1
        den = own[:, d:]
        keep = den > 0.0
        if skip_first_step:
            keep[:, 0] = False
        if not keep.any():
            raise ValueError(f"no step t has a nonzero X[t, t] at distance {d}")
        for stats, sample in ((ratio, back[keep] / den[keep]), (value, back[keep])):
            low, high = np.percentile(sample, PERCENTILES)
            stats["mean"].append(sample.mean())
            stats["p10"].append(low)
            stats["p90"].append(high)
    ratio = {k: np.array(v) for k, v in ratio.items()}
    below = np.flatnonzero(ratio["mean"] < threshold)
    return {"ratio": ratio, "value": {k: np.array(v) for k, v in value.items()},
            "horizon": int(below[0]) if len(below) else None}


def reach(model, xs: np.ndarray, ys: np.ndarray, loss: str, threshold: float) -> dict:
    """Distance statistics of G_ih, G_hh and H per layer and of the connectivity, for N sequences.

    xs (N, T, D), ys (N, T). Returns {"layers": [{"ih", "hh", "H"}], "connectivity"}, each entry a
    `distance_stats` dict.
    """
    if model.cell == "custom":  # an author's cell: the generic, autograd path
        from .generic_itemized import connectivity_generic_batch as connectivity_batch
        from .generic_itemized import itemized_gradients_generic_batch as itemized_gradients_batch
    else:
        from .itemized import connectivity_batch, itemized_gradients_batch

    grads = itemized_gradients_batch(model, xs, ys, loss)
    layers = [{"ih": distance_stats(grads["G"][k]["ih"], threshold),
               "hh": distance_stats(grads["G"][k]["hh"], threshold, skip_first_step=True),
               "H": distance_stats(grads["H"][k], threshold)} for k in sorted(grads["H"])]
    return {"layers": layers, "connectivity": distance_stats(connectivity_batch(model, xs, ys, loss), threshold)}
