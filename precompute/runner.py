"""`unrolled precompute`: train every stale run, in parallel processes, with a progress bar per run.

Failures are collected per run; the other runs' results are kept.
"""
from __future__ import annotations

import importlib.util
import multiprocessing as mp
import os
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from .cache import cache_key, entry_dir, is_complete, prepare, write_entry
from .documents import torch_version
from .engine import Engine
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
    problem: UnrolledError | None = None  # the author's mistake behind a failure, when it is one


def compute_documents(spec: RunSpec, key: str, progress=None, created: str | None = None) -> dict[str, bytes]:
    """Train one run and return its documents' canonical bytes (imports torch only here). Nothing here
    depends on where it runs, so a remote worker returns the same bytes as this machine."""
    from .documents import dumps, provenance, seal, validate
    from .exports import all_documents
    from .numerics import check_pinned
    from .tasks import make_task
    from .train import train

    check_pinned()
    task = make_task(spec)
    result = train(spec, task, on_epoch=progress)
    prov = provenance(spec.trained, key, created)
    docs = {kind: seal(doc) for kind, doc in all_documents(spec, task, result, prov).items()}
    for doc in docs.values():
        validate(doc)
    return {kind: dumps(doc) for kind, doc in docs.items()}


def compute_run(spec: RunSpec, cache_root: Path, key: str, progress=None) -> Path:
    """Train one run here and write its documents into the cache."""
    return write_entry(cache_root, spec, key, compute_documents(spec, key, progress))


_progress = None  # in a worker process: the queue its epochs are reported on


def _start_worker(parent: int, progress) -> None:
    """A worker dies with the command that started it, and reports progress on a plain queue (a
    Manager would be one more process to outlive a killed parent)."""
    global _progress
    die_with_parent(parent)
    _progress = progress


def _worker(spec: RunSpec, cache_root: Path, key: str) -> Path:
    return compute_run(spec, cache_root, key, progress=lambda epoch: _progress.put((ident(spec), epoch)))


def ident(spec: RunSpec) -> tuple[str, str]:
    """Two articles may each have a run of the same name: a run is its spec file plus its name."""
    return str(spec.source), spec.name


def stale(specs: list[RunSpec], cache_root: Path) -> list[RunSpec]:
    return [s for s in specs if not is_complete(entry_dir(cache_root, s))]


def require_torch(specs: list[RunSpec]) -> None:
    """Training here needs torch; a build whose runs are all cached does not, so it may run without it."""
    if importlib.util.find_spec("torch") is None:
        names = ", ".join(s.name for s in specs)
        raise UnrolledError(f"run(s) {names} must be trained, and training needs PyTorch, which is not installed",
                            file=specs[0].source, line=specs[0].line, rule="torch-missing",
                            hint=f"install it (`pip install torch=={torch_version()}`; the CPU build is enough), "
                            "or build with the .cache/precompute folder of a machine that trained these runs")


def precompute(specs: list[RunSpec], cache_root: Path, *, jobs: int = 1, force: bool = False,
               show_progress: bool = True, engine: Engine | None = None, on_epoch=None,
               on_outcome=None) -> list[Outcome]:
    """Train the stale runs of `specs` on `engine` (default: this machine's process pool, `jobs` wide).

    `on_epoch(spec, epoch)` hears each finished epoch and `on_outcome(spec, outcome)` each trained or
    failed run as soon as it ends (the dev server shows both while it serves); not on Dask."""
    from tqdm import tqdm

    cache_root = Path(cache_root)
    outcomes: dict[tuple[str, str], Outcome] = {}
    todo = []
    for spec in specs:
        key = cache_key(spec, cache_root)
        path = entry_dir(cache_root, spec, key)
        if is_complete(path) and not force:
            outcomes[ident(spec)] = Outcome(spec.name, "cached", path=path)
        else:
            todo.append((spec, key))
    if engine is not None and engine.kind == "dask" and todo:
        from .dask_engine import connect, run_on_dask

        session = connect(engine)  # an unreachable scheduler fails here, before anything is written
        prepare(cache_root)
        for spec, outcome in run_on_dask(todo, cache_root, session, show_progress=show_progress):
            outcomes[ident(spec)] = outcome
        return [outcomes[ident(s)] for s in specs]
    if todo:
        require_torch([spec for spec, _ in todo])
        prepare(cache_root)  # before any training: a foreign folder is refused, an unwritable one reported
    bars = {ident(spec): tqdm(total=spec.epochs + 1, desc=spec.name, position=i, leave=True,
                            disable=not show_progress, unit="epoch")
            for i, (spec, _) in enumerate(todo)}
    started = {ident(spec): time.perf_counter() for spec, _ in todo}

    def finish(spec, path=None, error=None):
        seconds = time.perf_counter() - started[ident(spec)]
        status = "failed" if error else "done"
        problem = error if isinstance(error, UnrolledError) else None
        outcomes[ident(spec)] = Outcome(spec.name, status, seconds, describe(error) if error else None, path,
                                        problem)
        bars[ident(spec)].close()
        if on_outcome is not None:
            on_outcome(spec, outcomes[ident(spec)])

    def tick(spec, epoch):
        bars[ident(spec)].update(1)
        if on_epoch is not None:
            on_epoch(spec, epoch)

    if jobs <= 1 or len(todo) <= 1:
        for spec, key in todo:
            try:
                path = compute_run(spec, cache_root, key, progress=lambda epoch, s=spec: tick(s, epoch))
                finish(spec, path)
            except Exception as exc:  # noqa: BLE001 - one run's failure must not lose the others
                finish(spec, error=exc)
    else:
        context = mp.get_context("spawn")
        queue = context.SimpleQueue()
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker,
                                 initargs=(os.getpid(), queue)) as pool:
            by_ident = {ident(spec): spec for spec, _ in todo}
            pump = threading.Thread(target=_pump, args=(queue, lambda run, epoch: tick(by_ident[run], epoch)),
                                    daemon=True)
            pump.start()
            futures = {pool.submit(_worker, spec, cache_root, key): spec for spec, key in todo}
            for future in as_completed(futures):  # each run reported as it ends
                spec = futures[future]
                try:
                    finish(spec, future.result())
                except Exception as exc:  # noqa: BLE001
                    finish(spec, error=exc)
            queue.put(None)
            pump.join()
    return [outcomes[ident(s)] for s in specs]


def describe(exc: Exception) -> str:
    """An author's mistake reads as its message; anything else keeps its traceback for a bug report."""
    if isinstance(exc, UnrolledError):
        return str(exc)
    return "".join(traceback.format_exception(exc))


def _pump(queue, tick) -> None:
    while (item := queue.get()) is not None:
        tick(*item)
