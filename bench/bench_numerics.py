"""What the portable floating-point path costs: bundled runs trained and exported on the pinned kernels
(precompute/numerics.py) against the same runs on the kernels this machine would pick by itself.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_numerics.py [--epochs 10] [--runs c-lstm,sine]

Each measurement is a fresh process that trains one run (epochs capped to keep the bench short) and
builds all its documents; the baseline process imports torch and NumPy before Unrolled, so they start on
their native kernels, and calls the same training and export functions (`compute_documents` itself
refuses to train unpinned). Prints seconds per run and the ratio pinned / native.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKOUT = [str(ROOT / "tests" / "pythonpath"), str(ROOT / "site" / "py")]

CHILD = """
import sys, time, dataclasses
native = sys.argv[1] == "native"
if native:
    import numpy, torch  # noqa: F401 - loaded and used before the pin: this machine's own kernels
    torch.zeros(8).tanh(), torch.ones(8, 8, dtype=torch.float64) @ torch.ones(8, 8, dtype=torch.float64)
from unrolled.precompute.spec import load_specs
from unrolled.precompute.tasks import make_task
from unrolled.precompute.train import train
from unrolled.precompute.exports import all_documents
from unrolled.precompute.documents import provenance
spec = next(s for s in load_specs(sys.argv[2], sys.argv[3]) if s.name == sys.argv[4])
epochs = int(sys.argv[5])
values = {**spec.values, "epochs": min(spec.epochs, epochs),
          "snapshots": [e for e in spec.values.get("snapshots", [0]) if e <= epochs] or [0]}
spec = dataclasses.replace(spec, values=values)
import torch
assert (torch.backends.cpu.get_cpu_capability() == "DEFAULT") != native
start = time.perf_counter()
task = make_task(spec)
result = train(spec, task)
all_documents(spec, task, result, provenance(spec.values, "bench", None))
print(time.perf_counter() - start)
"""

SPECS = {"sine": "content/how-rnns-learn/runs.toml", "c-rnn": "content/where-the-gradient-goes/runs.toml",
         "c-lstm": "content/where-the-gradient-goes/runs.toml", "c-gru": "content/where-the-gradient-goes/runs.toml",
         "recall-lstm-0": "content/where-the-gradient-goes/runs.toml"}


def timed(mode: str, run: str, epochs: int) -> float:
    env = {k: v for k, v in os.environ.items() if k not in {"ATEN_CPU_CAPABILITY", "MKL_CBWR",
                                                            "ONEDNN_MAX_CPU_ISA", "NPY_DISABLE_CPU_FEATURES"}}
    env.update(OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(CHECKOUT))
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(ROOT / SPECS[run]), str(ROOT), run, str(epochs)],
                          env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(done.stderr)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--runs", default="sine,c-rnn,c-lstm,c-gru,recall-lstm-0")
    args = parser.parse_args()
    total = {"native": 0.0, "pinned": 0.0}
    print(f"{'run':16} {'native s':>9} {'pinned s':>9} {'ratio':>6}   (epochs capped at {args.epochs})")
    for run in args.runs.split(","):
        native, pinned = timed("native", run, args.epochs), timed("pinned", run, args.epochs)
        total["native"] += native
        total["pinned"] += pinned
        print(f"{run:16} {native:9.2f} {pinned:9.2f} {pinned / native:5.2f}x")
    print(f"{'all':16} {total['native']:9.2f} {total['pinned']:9.2f} {total['pinned'] / total['native']:5.2f}x")


if __name__ == "__main__":
    main()
