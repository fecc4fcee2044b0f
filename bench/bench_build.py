"""Full-build throughput on a synthetic 1000-page site, against Python-Markdown's raw per-page cost.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_build.py [--pages 1000] [--jobs 1 2]

The baseline, measured in the same run, is `markdown.markdown()` on each page body with the same core
extensions (no directives, math, highlighting, templates or writing): what any Python-Markdown site
generator pays at least. Reported: pages/s and the ratio of our full build to that floor.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import markdown  # noqa: E402

from unrolled.generator.build import SiteBuild, write_site  # noqa: E402
from unrolled.generator.config import load_project  # noqa: E402

PAGE = """---
title: Page {n}
summary: A synthetic page for the build benchmark.
order: {n}
---

## Overview

Recurrent networks keep a state $h_t$ that summarises the inputs $x_1, \\dots, x_t$. Page {n} links to
[the next page](../page-{next:04d}/) and to [its own section](#details).

- the input gate $i_t = \\sigma(W_{{ii}} x_t + b_{{ii}} + W_{{hi}} h_{{t-1}} + b_{{hi}})$
- the forget gate decides what to keep[^1]
- the output gate decides what to show

$$
c_t = f_t \\odot c_{{t-1}} + i_t \\odot g_t
$$

## Details

| step | input | target |
|---:|---:|---:|
| 1 | 0.10 | 0.20 |
| 2 | 0.20 | 0.30 |

```python
def step(x, h):
    return np.tanh(W_ih @ x + W_hh @ h + b)
```

Some more prose to make the page a realistic length. {filler}

[^1]: A footnote on page {n}.
"""
FILLER = "The gradient flows back through time, and each step scales it by the recurrent Jacobian. " * 6


def make_site(root: Path, pages: int) -> None:
    for n in range(pages):
        path = root / "content" / f"page-{n:04d}" / "index.md"
        path.parent.mkdir(parents=True)
        path.write_text(PAGE.format(n=n, next=(n + 1) % pages, filler=FILLER))


def baseline(root: Path) -> float:
    bodies = [p.read_text().split("---", 2)[2] for p in sorted((root / "content").glob("*/index.md"))]
    start = time.perf_counter()
    for body in bodies:
        markdown.markdown(body, extensions=["tables", "footnotes", "fenced_code", "toc"])
    return time.perf_counter() - start


def full_build(root: Path, jobs: int) -> float:
    project = load_project(root)
    shutil.rmtree(project.out_dir, ignore_errors=True)
    start = time.perf_counter()
    files = SiteBuild(project, jobs=jobs, show_progress=False).run()
    write_site(files, project.out_dir)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_site(root, args.pages)
        base = min(baseline(root) for _ in range(2))
        print(f"{args.pages} pages")
        print(f"  Python-Markdown alone (1 core): {base:6.2f} s  {args.pages / base:7.0f} pages/s  (baseline)")
        for jobs in args.jobs:
            took = min(full_build(root, jobs) for _ in range(2))
            print(f"  unrolled full build, jobs={jobs}:   {took:6.2f} s  {args.pages / took:7.0f} pages/s  "
                  f"({took / base:.2f}x the baseline's time)")
        print("  goal: >= 300 pages/s for the full build using both cores")


if __name__ == "__main__":
    main()
