"""Precompute of every bundled run: cold (empty cache) and warm (nothing stale), in one run.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_precompute.py [--jobs 2]

Goals: cold <= 120 s on 2 cores, warm <= 1 s. Warm is measured as the real command a build runs
(a fresh process: `unrolled precompute`), so its imports count.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from unrolled.generator.build import discover  # noqa: E402
from unrolled.generator.config import load_project  # noqa: E402
from unrolled.precompute.runner import precompute  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    specs = list({(s.source, s.name): s for p in discover(load_project(ROOT)) for s in p.specs.values()}.values())
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        start = time.perf_counter()
        outcomes = precompute(specs, cache, jobs=args.jobs, show_progress=False)
        cold = time.perf_counter() - start
        failed = [o.name for o in outcomes if o.status != "done"]
        if failed:
            raise SystemExit(f"runs failed: {failed}")
        for o in sorted(outcomes, key=lambda o: -o.seconds):
            print(f"  {o.name:28} {o.seconds:6.1f} s")
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        cmd = [sys.executable, "-c", "import sys; from unrolled.precompute.runner import precompute, stale; "
               "from unrolled.generator.build import discover; from unrolled.generator.config import load_project; "
               "from pathlib import Path; "
               f"specs=[s for p in discover(load_project({str(ROOT)!r})) for s in p.specs.values()]; "
               f"sys.exit(len(stale(specs, Path({str(cache)!r}))))"]
        start = time.perf_counter()
        result = subprocess.run(cmd, env=env, cwd=ROOT)
        warm = time.perf_counter() - start
        assert result.returncode == 0, "warm check found stale runs"
    print(f"{len(specs)} runs, jobs={args.jobs}")
    print(f"  cold: {cold:6.1f} s   (goal <= 120 s)")
    print(f"  warm: {warm:6.2f} s   (goal <= 1 s; a fresh process checking every run's cache key)")
    print(f"  cold / warm: {cold / warm:.0f}x")


if __name__ == "__main__":
    main()
