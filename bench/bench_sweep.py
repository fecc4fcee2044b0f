"""A sweep of tiny runs on each engine, in one run: the local process pool (the baseline), Dask's
LocalCluster, and an external `dask scheduler` with worker processes on 127.0.0.1.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_sweep.py [--runs 200] [--workers 2]

Prints each engine's wall time, its ratio to the local pool (goal: Dask <= 1.2x) and the overhead per
task in ms ((engine - local) x workers / runs). Then the cost of one exploRNN-scale run (the bundled
network figure's LSTM) and what 1,000- and 10,000-run sweeps cost here and on N workers:
runs x per-run cost / workers + runs x per-task overhead / workers.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "site" / "py"))

from unrolled.precompute.engine import Engine  # noqa: E402
from unrolled.precompute.runner import precompute  # noqa: E402
from unrolled.precompute.spec import load_specs  # noqa: E402

TINY = """
[run.r{i:03d}]
dataset = "sine"
cell = "{cell}"
hidden = 4
window = 8
sequences = 20
batch = 10
epochs = 2
seed = {i}
"""
EXPLORNN = """
[run.explornn]
dataset = "sine"
cell = "lstm"
layers = 2
hidden = 16
window = 15
optimizer = "adam"
lr = 0.01
batch = 25
epochs = 20
"""


def specs_in(folder: Path, text: str):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "runs.toml").write_text(text)
    return load_specs(folder / "runs.toml")


def timed(specs, cache: Path, engine: Engine) -> float:
    start = time.perf_counter()
    outcomes = precompute(specs, cache, jobs=engine.jobs, show_progress=False, engine=engine)
    seconds = time.perf_counter() - start
    failed = [o.name for o in outcomes if o.status != "done"]
    if failed:
        raise SystemExit(f"runs failed on {engine.kind}: {failed[:3]}")
    return seconds


def external_cluster(workers: int):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "site" / "py")])}
    quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--dashboard-address", ":0", "--no-show"], **quiet)]
    procs += [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                "--no-dashboard", "--host", "127.0.0.1"], **quiet) for _ in range(workers)]
    from distributed import Client

    with Client(address, timeout="30s", set_as_default=False) as client:
        client.wait_for_workers(workers, timeout=120)
        client.submit(sum, [1]).result()
        client.run(lambda: __import__("unrolled.precompute.runner") and __import__("torch") and None)  # warm imports
    return address, procs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        text = "".join(TINY.format(i=i, cell=("rnn", "lstm", "gru")[i % 3]) for i in range(args.runs))
        specs = specs_in(tmp / "sweep", text)
        results = {"local pool": timed(specs, tmp / "c-local", Engine("local", None, args.workers)),
                   "dask LocalCluster": timed(specs, tmp / "c-lc", Engine("dask", None, args.workers))}
        address, procs = external_cluster(args.workers)
        try:
            results["dask external"] = timed(specs, tmp / "c-ext", Engine("dask", address, args.workers))
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                proc.wait(timeout=60)
        single = specs_in(tmp / "explornn", EXPLORNN)
        run_cost = timed(single, tmp / "c-one", Engine("local", None, 1))
    base = results["local pool"]
    print(f"{args.runs} tiny runs, {args.workers} single-thread workers")
    overhead = {}
    for name, seconds in results.items():
        overhead[name] = (seconds - base) * args.workers / args.runs * 1000
        extra = "" if name == "local pool" else f"   overhead {overhead[name]:+7.1f} ms/task"
        print(f"  {name:18} {seconds:7.1f} s   {seconds / base:5.2f}x{extra}")
    per_task = max(overhead["dask external"], 0.0) / 1000
    print(f"one exploRNN-scale run (2-layer LSTM, 16 units, 20 epochs): {run_cost:.1f} s on one core")
    for runs in (1000, 10000):
        here = runs * run_cost / args.workers
        line = ", ".join(f"{n} workers {(runs * (run_cost + per_task) / n) / 3600:6.2f} h" for n in (16, 64, 256))
        print(f"  {runs:>6} runs: this machine ({args.workers} cores) {here / 3600:6.2f} h; on a cluster: {line}")


if __name__ == "__main__":
    main()
