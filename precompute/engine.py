"""Where stale runs train: this machine's process pool (the default) or a Dask cluster.

The choice comes from `unrolled.toml` (`[precompute] engine`, `scheduler`) or the command line
(`--engine`, `--scheduler`), which wins. Either engine writes the same bytes into the cache.
"""
from __future__ import annotations

from dataclasses import dataclass

ENGINES = ("local", "dask")


@dataclass(frozen=True)
class Engine:
    kind: str = "local"  # "local" | "dask"
    scheduler: str | None = None  # dask only: tcp://HOST:PORT; None starts a LocalCluster here
    jobs: int = 1  # local processes, or the LocalCluster's single-thread workers
