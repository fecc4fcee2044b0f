"""Benchmark: the horizon statistics of N sequences next to the itemized export of the same N sequences.

On one snapshot (an untrained one-layer model, one-hot inputs of V=96 characters, cross-entropy,
float64, CPU) for each of LSTM/GRU/RNN it measures, in the same run and as the minimum of 3 repeats:
  itemized  N calls of `itemized_gradients`, one per sequence: what an itemized document of N traced
            sequences costs;
  horizon   `horizon.reach` on the same N sequences: one batched walk for the loss terms, one for the
            connectivity, then the statistics per distance.
It walks twice (the loss terms, then the connectivity), so 2× is parity per walk. Goal: horizon ≤ 2×
itemized. Measured on 2 shared cores (H=64, T=100, N=16): LSTM 1.9×, GRU 1.3×, RNN 1.4×: at these sizes
the matmuls dominate, so batching sequences saves Python overhead, not arithmetic. Run with OMP_NUM_THREADS=1:

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_horizon.py [--hidden 96] [--steps 128] [--sequences 32]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from unrolled.precompute.horizon import reach  # noqa: E402
from unrolled.precompute.itemized import itemized_gradients  # noqa: E402
from unrolled.precompute.models import SequenceModel  # noqa: E402

VOCAB = 96


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hidden", type=int, default=96)
    parser.add_argument("--steps", type=int, default=128)
    parser.add_argument("--sequences", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    ids = rng.integers(0, VOCAB, size=(args.sequences, args.steps + 1))
    xs, ys = np.eye(VOCAB)[ids[:, :-1]], ids[:, 1:]
    print(f"N={args.sequences} sequences of T={args.steps}, H={args.hidden}, V={VOCAB}")
    print(f"{'cell':6} {'itemized':>10} {'horizon':>10} {'ratio':>7}")
    for cell in ("lstm", "gru", "rnn"):
        torch.manual_seed(0)
        model = SequenceModel(cell, VOCAB, args.hidden, 1, VOCAB).double()
        itemized = best_of(3, lambda: [itemized_gradients(model, x, y, "ce") for x, y in zip(xs, ys)])
        horizon = best_of(3, lambda: reach(model, xs, ys, "ce", 0.01))
        print(f"{cell:6} {itemized:9.2f}s {horizon:9.2f}s {horizon / itemized:6.2f}x")


if __name__ == "__main__":
    main()
