"""Benchmark: unrolled_lite (NumPy) next to torch CPU at the sizes the in-browser trainer uses.

  epoch     one training epoch at exploRNN scale: 3-layer LSTM, H=16, 100 sequences × 15 steps of
            function data, batch 25 (4 Adam steps), in NumPy float64 and float32 and in torch float32
            (the reference; torch float64 shown too); goals: NumPy ≤ 40 ms and ≤ torch float32's time.
  itemized  the exact itemized gradients of one sequence, T=100, H=16, in NumPy float64, next to one
            ordinary forward + backward of the same sequence (the ratio is the price of itemizing).

Everything is measured in one run, single-threaded, as medians (and minima) of repeated calls after a
warm-up. Contenders take turns round by round, so a busy machine slows them alike. Both wall time
and the process's CPU time are shown: on a shared machine the CPU time is the steadier number, and
the goals are judged on it.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_lite.py
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before NumPy/torch start their thread pools

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "site" / "py")]

import unrolled_lite as ul  # noqa: E402
from unrolled.precompute.models import SequenceModel  # noqa: E402
from unrolled_lite import datasets  # noqa: E402

CELL, HIDDEN, LAYERS, SEQUENCES, WINDOW, BATCH = "lstm", 16, 3, 100, 15, 25
EPOCH_GOAL_MS = 40.0


def timed_in_turns(fns: dict, repeats: int) -> dict[str, dict[str, float]]:
    """Per name: median and minimum of wall and CPU time in ms, every fn called once per round."""
    samples = {name: ([], []) for name in fns}
    for fn in fns.values():
        fn()
    for _ in range(repeats):
        for name, fn in fns.items():
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            samples[name][0].append((time.perf_counter() - wall) * 1e3)
            samples[name][1].append((time.process_time() - cpu) * 1e3)
    return {name: {"wall": statistics.median(w), "wall_min": min(w), "cpu": statistics.median(c), "cpu_min": min(c)}
            for name, (w, c) in samples.items()}


def numpy_epoch(inputs, targets, dtype):
    model = ul.init_model(CELL, 1, HIDDEN, LAYERS, 1, np.random.default_rng(0), dtype=dtype)
    optimizer = ul.Adam(model.params)
    inputs, targets = inputs.astype(dtype), targets.astype(dtype)
    return partial(ul.train_epoch, model, optimizer, inputs, targets, BATCH, "mse")


def torch_epoch(inputs, targets, dtype):
    torch.manual_seed(0)
    model = SequenceModel(CELL, 1, HIDDEN, LAYERS, 1).to(dtype)
    optimizer = torch.optim.Adam(model.parameters())
    x = torch.as_tensor(inputs, dtype=dtype)
    y = torch.as_tensor(targets, dtype=dtype)

    def run():
        for start in range(0, len(x), BATCH):
            optimizer.zero_grad()
            loss = F.mse_loss(model(x[start:start + BATCH]), y[start:start + BATCH])
            loss.backward()
            optimizer.step()
    return run


def bench_epoch(repeats: int = 60) -> None:
    inputs, targets = datasets.function_epoch("composite", np.random.default_rng(1), SEQUENCES, WINDOW, noise=0.05)
    print(f"epoch: {LAYERS}×{CELL.upper()} H={HIDDEN}, {SEQUENCES} sequences × {WINDOW} steps, batch {BATCH}, Adam; "
          f"median (min) of {repeats}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}")
    times = timed_in_turns({"numpy float64": numpy_epoch(inputs, targets, np.float64),
                            "numpy float32": numpy_epoch(inputs, targets, np.float32),
                            "torch float32": torch_epoch(inputs, targets, torch.float32),
                            "torch float64": torch_epoch(inputs, targets, torch.float64)}, repeats)
    ref = times["torch float32"]
    for name, t in times.items():
        line = (f"  {name}  cpu {t['cpu']:6.2f} ms ({t['cpu_min']:5.2f})  ×{t['cpu'] / ref['cpu']:4.2f} torch"
                f"   wall {t['wall']:6.2f} ms ({t['wall_min']:5.2f})  ×{t['wall'] / ref['wall']:4.2f} torch")
        if name.startswith("numpy"):
            line += (f"   goals (cpu): ≤ {EPOCH_GOAL_MS:.0f} ms {'ok' if t['cpu'] <= EPOCH_GOAL_MS else 'MISSED'},"
                     f" ≤ torch {'ok' if t['cpu'] <= ref['cpu'] else 'MISSED'}")
        print(line)


def bench_itemized(steps: int = 100, repeats: int = 20) -> None:
    print(f"itemized gradients: one sequence, T={steps}, H={HIDDEN}, float64, mse at every step; "
          f"median (min) of {repeats}")
    rng = np.random.default_rng(2)
    series = np.sin(0.2 * np.arange(steps + 1))[:, None] + rng.uniform(-0.05, 0.05, (steps + 1, 1))
    x, y = series[:-1], series[1:, 0]
    for cell, layers in (("lstm", 1), ("lstm", 3), ("gru", 1), ("gru", 3), ("rnn", 1), ("rnn", 3)):
        model = ul.init_model(cell, 1, HIDDEN, layers, 1, np.random.default_rng(3))
        t = timed_in_turns({"itemized": partial(model.itemized_gradients, x, y, "mse"),
                            "bptt": partial(model.loss_and_grads, x[None], y[None], "mse")}, repeats)
        item, bptt = t["itemized"], t["bptt"]
        print(f"  {layers}×{cell:4s}  itemized cpu {item['cpu']:6.2f} ms ({item['cpu_min']:5.2f})"
              f"  wall {item['wall']:6.2f} ms   one BPTT cpu {bptt['cpu']:5.2f} ms"
              f"   itemized = ×{item['cpu'] / bptt['cpu']:4.1f} one BPTT")


if __name__ == "__main__":
    torch.set_num_threads(1)
    bench_epoch()
    bench_itemized()
