"""Benchmark: cost of the exact itemized gradients next to the naive oracle and one ordinary BPTT.

For one sequence (input D=1, MSE at every step, one layer, H=64, float64, CPU) and each of
LSTM/GRU/RNN at T=100 and T=200 it measures, in the same run and as the minimum of N repeats:
  fast   `itemized_gradients` (parameter copy, forward, batched backward, norms);
  oracle `itemized_gradients_reference` (per-step parameter copies, one autograd call per L_t);
  fused  one `nn.LSTM`/`nn.GRU`/`nn.RNN` forward + backward of L = Σ_t L_t (a float64 model copy).
Goals: fast ≥ 30× quicker than the oracle and ≤ 25× the fused pass.

Every oracle call walks the whole unrolled graph, so its cost per loss term does not depend on t:
at T=200 the oracle runs on every 5th loss term and the result is extrapolated linearly (graph
build counted once), as the output says. Run with OMP_NUM_THREADS=1:

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_itemized.py
"""
from __future__ import annotations

import copy
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from unrolled.precompute.itemized import itemized_gradients, itemized_gradients_reference, reference_graph  # noqa: E402
from unrolled.precompute.models import SequenceModel  # noqa: E402

HIDDEN = 64
ROWS = [("lstm", 100), ("lstm", 200), ("gru", 100), ("gru", 200), ("rnn", 100), ("rnn", 200)]
FULL_ORACLE_UP_TO = 100
ORACLE_STRIDE = 5


def best_of(repeats: int, fn) -> float:
    """Minimum wall time of `repeats` calls, in seconds; the minimum discards the cold first call."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def fused_pass(model, x: np.ndarray, y: np.ndarray):
    """One ordinary BPTT step of the same sequence through torch's fused module."""
    tied = copy.deepcopy(model).double()
    inputs, targets = torch.as_tensor(x)[None], torch.as_tensor(y)

    def run():
        tied.zero_grad(set_to_none=True)
        ((tied(inputs)[0, :, 0] - targets) ** 2).sum().backward()
    return run


def oracle_seconds(model, x, y) -> tuple[float, str]:
    """Oracle time, measured in full for short sequences, else extrapolated from a sample of rows."""
    t_len = len(x)
    if t_len <= FULL_ORACLE_UP_TO:
        return best_of(2, lambda: itemized_gradients_reference(model, x, y, "mse")), "measured"
    sample = range(0, t_len, ORACLE_STRIDE)
    build = best_of(2, lambda: reference_graph(model, x, y, "mse"))
    sampled = best_of(2, lambda: itemized_gradients_reference(model, x, y, "mse", loss_steps=sample))
    scaled = build + (sampled - build) * t_len / len(sample)
    return scaled, f"est. {len(sample)}/{t_len} terms"


def main() -> None:
    torch.set_num_threads(1)
    print(f"itemized gradients, 1 layer, H={HIDDEN}, D=1, MSE, float64, torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread; min of repeats")
    header = f"{'cell':5} {'T':>4} {'fast ms':>9} {'fused ms':>9} {'oracle ms':>10} {'oracle':>18}" \
             f" {'fast/fused':>11} {'oracle/fast':>12}"
    print(header)
    print("-" * len(header))
    for cell, t_len in ROWS:
        torch.manual_seed(0)
        model = SequenceModel(cell, 1, HIDDEN, 1, 1)
        rng = np.random.default_rng(0)
        x = np.sin(np.linspace(0, 8, t_len + 1))[:, None] + 0.1 * rng.normal(size=(t_len + 1, 1))
        x, y = x[:-1], x[1:, 0]
        fast = best_of(7, lambda: itemized_gradients(model, x, y, "mse"))
        fused = best_of(50, fused_pass(model, x, y))
        oracle, how = oracle_seconds(model, x, y)
        print(f"{cell:5} {t_len:>4} {fast * 1e3:>9.1f} {fused * 1e3:>9.2f} {oracle * 1e3:>10.0f} {how:>18}"
              f" {fast / fused:>10.1f}x {oracle / fast:>11.0f}x")
    print("goals: fast/fused <= 25x, oracle/fast >= 30x")


if __name__ == "__main__":
    main()
