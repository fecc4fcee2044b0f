"""Benchmark: the generic itemized gradients (any cell, by autograd) next to the built-in fast walk and
the per-step reference, on the same LSTM.

For one sequence (input D=1, MSE at every step, one LSTM layer, H=64, float64, 1 thread) at T=100 and
T=200 it measures, as the minimum of N repeats:
  fast     `itemized.itemized_gradients` (hand-written batched walk, built-in cells only);
  generic  `generic_itemized.itemized_gradients_generic` on the same LSTM wrapped as a protocol cell
           (per-step parameter copies via functional_call; one batched backward of all T loss terms to
           the step states, then one batched vector-Jacobian product through each step);
  ref      `generic_itemized.generic_reference` (the same untied graph, one backward per L_t).
The reference's cost per loss term does not depend on t: at T=200 it runs on every 5th term and is
extrapolated linearly (graph build counted once), as the output says. Run with OMP_NUM_THREADS=1:

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_generic_itemized.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from unrolled.precompute import generic_itemized  # noqa: E402
from unrolled.precompute.generic_itemized import generic_reference, itemized_gradients_generic, unrolled  # noqa: E402
from unrolled.precompute.itemized import itemized_gradients  # noqa: E402
from unrolled.precompute.models import SequenceModel  # noqa: E402

HIDDEN = 64
LENGTHS = (100, 200)
FULL_REFERENCE_UP_TO = 100
STRIDE = 5


def best_of(repeats: int, fn) -> float:
    """Minimum wall time of `repeats` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def reference_seconds(model, x, y) -> tuple[float, str]:
    t_len = len(x)
    if t_len <= FULL_REFERENCE_UP_TO:
        return best_of(1, lambda: generic_reference(model, x, y, "mse")), "measured"
    sample = range(0, t_len, STRIDE)
    build = best_of(1, lambda: unrolled(model, x, y, "mse"))
    sampled = best_of(1, lambda: generic_reference(model, x, y, "mse", loss_steps=sample))
    return build + (sampled - build) * t_len / len(sample), f"est. {len(sample)}/{t_len} terms"


def main() -> None:
    torch.set_num_threads(1)
    print(f"generic itemized gradients, 1 LSTM layer, H={HIDDEN}, D=1, MSE, float64, torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread; min of repeats; batched-backward budget "
          f"{generic_itemized.BATCH_BYTES >> 20} MB")
    header = (f"{'T':>4} {'fast ms':>9} {'generic ms':>11} {'ref ms':>9} {'ref':>17} {'blocks':>6}"
              f" {'generic/fast':>13} {'ref/generic':>12} {'ref/fast':>9}")
    print(header)
    print("-" * len(header))
    for t_len in LENGTHS:
        torch.manual_seed(0)
        model = SequenceModel("lstm", 1, HIDDEN, 1, 1)
        rng = np.random.default_rng(0)
        x = np.sin(np.linspace(0, 8, t_len + 1))[:, None] + 0.1 * rng.normal(size=(t_len + 1, 1))
        x, y = x[:-1], x[1:, 0]
        fast = best_of(5, lambda: itemized_gradients(model, x, y, "mse"))
        generic = best_of(2, lambda: itemized_gradients_generic(model, x, y, "mse"))
        blocks = len(generic_itemized.plan(unrolled(model, x, y, "mse"))[2])
        ref, how = reference_seconds(model, x, y)
        print(f"{t_len:>4} {fast * 1e3:>9.1f} {generic * 1e3:>11.0f} {ref * 1e3:>9.0f} {how:>17} {blocks:>6}"
              f" {generic / fast:>12.1f}x {ref / generic:>11.1f}x {ref / fast:>8.0f}x")


if __name__ == "__main__":
    main()
