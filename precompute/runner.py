"""`unrolled precompute`: train every stale run, in parallel processes, with a progress bar per run.

Failures are collected per run; the other runs' results are kept.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .cache import cache_key, entry_dir, is_complete, write_entry
from .errors import UnrolledError
from .lifeline import die_with_parent
from .spec import RunSpec


@dataclass
class Outcome:
    name: str
    status: str  # "done" | "cached" | "failed"
    seconds: float = 0.0
    error: str | None = None
    path: Path | None = None


def compute_run(spec: RunSpec, cache_root: Path, key: str, progress=None) -> Path:
    """Train one run and write its documents (imports torch only here)."""
    from .documents import provenance, validate
    from .exports import all_documents
    from .tasks import make_task
    from .train import train

    task = make_task(spec)
    result = train(spec, task, on_epoch=progress)
    prov = provenance(spec.values, key)
    docs = all_documents(spec, task, result, prov)
    for doc in docs.values():
        validate(doc)
    return write_entry(cache_root, spec, key, docs)


_progress = None  # in a worker process: the queue its epochs are reported on


def _start_worker(parent: int, progress) -> None:
    """A worker dies with the command that started it, and reports progress on a plain queue (a
    Manager would be one more process to outlive a killed parent)."""
    global _progress
    die_with_parent(parent)
    _progress = progress


def _worker(spec: RunSpec, cache_root: Path, key: str) -> Path:
    return compute_run(spec, cache_root, key, progress=lambda epoch: _progress.put((spec.name, epoch)))


def stale(specs: list[RunSpec], cache_root: Path) -> list[RunSpec]:
    return [s for s in specs if not is_complete(entry_dir(cache_root, s))]


def precompute(specs: list[RunSpec], cache_root: Path, *, jobs: int = 1, force: bool = False,
               show_progress: bool = True) -> list[Outcome]:
    from tqdm import tqdm

    cache_root = Path(cache_root)
    outcomes: dict[str, Outcome] = {}
    todo = []
    for spec in specs:
        key = cache_key(spec)
        path = entry_dir(cache_root, spec, key)
        if is_complete(path) and not force:
            outcomes[spec.name] = Outcome(spec.name, "cached", path=path)
        else:
            todo.append((spec, key))
    bars = {spec.name: tqdm(total=spec.epochs + 1, desc=spec.name, position=i, leave=True,
                            disable=not show_progress, unit="epoch")
            for i, (spec, _) in enumerate(todo)}
    started = {spec.name: time.perf_counter() for spec, _ in todo}

    def finish(spec, path=None, error=None):
        seconds = time.perf_counter() - started[spec.name]
        status = "failed" if error else "done"
        outcomes[spec.name] = Outcome(spec.name, status, seconds, error, path)
        bars[spec.name].close()

    if jobs <= 1 or len(todo) <= 1:
        for spec, key in todo:
            try:
                path = compute_run(spec, cache_root, key, progress=lambda _e, b=bars[spec.name]: b.update(1))
                finish(spec, path)
            except Exception as exc:  # noqa: BLE001 - one run's failure must not lose the others
                finish(spec, error=describe(exc))
    else:
        context = mp.get_context("spawn")
        queue = context.SimpleQueue()
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker,
                                 initargs=(os.getpid(), queue)) as pool:
            pump = threading.Thread(target=_pump, args=(queue, bars), daemon=True)
            pump.start()
            futures = {pool.submit(_worker, spec, cache_root, key): spec for spec, key in todo}
            for future, spec in futures.items():
                try:
                    finish(spec, future.result())
                except Exception as exc:  # noqa: BLE001
                    finish(spec, error=describe(exc))
            queue.put(None)
            pump.join()
    return [outcomes[s.name] for s in specs]


def describe(exc: Exception) -> str:
    """An author's mistake reads as its message; anything else keeps its traceback for a bug report."""
    if isinstance(exc, UnrolledError):
        return str(exc)
    return "".join(traceback.format_exception(exc))


def _pump(queue, bars) -> None:
    while (item := queue.get()) is not None:
        name, _epoch = item
        bars[name].update(1)
