"""Precompute on a Dask cluster (`--engine dask`): runs train on workers that share no filesystem.

A task gets the normalised spec, its cache key, and the bytes of the files the run reads (`inputs.py`,
scattered once per distinct set and moved between workers by Dask); it returns the documents' bytes,
which this process writes into the cache with the same atomic rename as a local run. So the cache never
sees a half-finished run, a worker that dies mid-run is simply rescheduled by Dask on another one, and
the bytes do not depend on where a run trained. Without a scheduler address a `LocalCluster` of
single-thread worker processes starts on this machine.
"""
from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

from .cache import write_entry
from .documents import created_at
from .engine import Engine
from .errors import UnrolledError
from .spec import RunSpec

CONNECT_TIMEOUT = "5s"


def connect(engine: Engine):
    """(client, cluster or None); a clear error when dask is missing or the scheduler cannot be reached."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UnrolledError("the dask engine needs the packages dask and distributed", rule="engine-dask-missing",
                            hint="install them with `pip install 'unrolled[dask]'`, or use --engine local") from None
    if engine.scheduler:
        try:
            return Client(engine.scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise UnrolledError(f"cannot reach the Dask scheduler at {engine.scheduler} ({exc})",
                                rule="engine-dask-unreachable",
                                hint="start one with `dask scheduler`, check the address (tcp://HOST:PORT), "
                                     "or leave out --scheduler to train on a local cluster") from None
    cluster = LocalCluster(n_workers=max(1, engine.jobs), threads_per_worker=1, processes=True,
                           dashboard_address=None, host="127.0.0.1", silence_logs=logging.ERROR)
    return Client(cluster, set_as_default=False), cluster


def remote_run(spec: RunSpec, key: str, files: dict[str, bytes], created: str | None,
               progress: str | None) -> dict[str, bytes]:
    """Runs on a worker: lay out the run's files in a private folder, train, return the documents' bytes."""
    import tempfile

    from .inputs import materialise
    from .runner import compute_documents, ident

    report = None
    if progress:
        from distributed import get_worker

        worker = get_worker()
        report = lambda epoch: worker.log_event(progress, list(ident(spec)))  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="unrolled-run-") as folder:
        local = materialise(spec, files, Path(folder))
        try:
            return compute_documents(local, key, progress=report, created=created)
        except UnrolledError as error:  # name the author's spec file, not the worker's copy of it
            if error.file == str(local.source):
                error.file = str(spec.source)
            raise


def run_on_dask(todo: list[tuple[RunSpec, str]], cache_root: Path, session, *, show_progress: bool = True):
    """Yield (spec, Outcome) for every run of `todo` as it finishes on the cluster; `session` is what
    `connect` returned (connect first, so an unreachable scheduler fails before anything is written)."""
    from distributed import as_completed
    from tqdm import tqdm

    from .inputs import gather
    from .runner import Outcome, describe, ident

    client, cluster = session
    topic = f"unrolled-progress-{uuid.uuid4().hex}"
    sweep = tqdm(total=len(todo), desc="runs", unit="run", disable=not show_progress, position=0)
    bars = RunBars(todo) if show_progress else None
    futures = {}
    try:
        created = created_at()
        if bars is not None:
            client.subscribe_topic(topic, lambda event: bars.epoch(tuple(event[1])))
        for spec, key in todo:
            (files,) = client.scatter([gather(spec)], hash=True)
            future = client.submit(remote_run, spec, key, files, created, topic if bars else None,
                                   key=f"unrolled-{spec.name}-{key}-{uuid.uuid4().hex[:8]}", pure=False)
            futures[future] = (spec, key)
        failures = 0
        for future in as_completed(futures, loop=client.loop):
            spec, key = futures[future]
            try:
                path = write_entry(cache_root, spec, key, future.result())
                outcome = Outcome(spec.name, "done", path=path)
            except Exception as exc:  # noqa: BLE001 - one run's failure must not lose the others
                failures += 1
                outcome = Outcome(spec.name, "failed", error=describe(exc),
                                  problem=exc if isinstance(exc, UnrolledError) else None)
            if bars is not None:
                bars.done(ident(spec))
            sweep.set_postfix(failed=failures, refresh=False)
            sweep.update(1)
            yield spec, outcome
    except KeyboardInterrupt:
        client.cancel(list(futures))  # nothing unfinished reaches the cache: only this process writes it
        raise
    finally:
        sweep.close()
        if bars is not None:
            bars.close()
        client.close()
        if cluster is not None:
            cluster.close()


class RunBars:
    """Per-run epoch bars for the runs in flight (at most MAX_RUN_BARS at once, so a sweep of thousands
    does not flood the terminal); fed by the workers' progress events."""

    MAX_RUN_BARS = 8

    def __init__(self, todo):
        from .runner import ident

        self.epochs = {ident(spec): spec.epochs + 1 for spec, _ in todo}
        self.bars: dict = {}
        self.finished: set = set()
        self.lock = threading.Lock()

    def epoch(self, run) -> None:
        from tqdm import tqdm

        with self.lock:
            if run in self.finished:
                return
            if run not in self.bars and len(self.bars) < self.MAX_RUN_BARS:
                self.bars[run] = tqdm(total=self.epochs.get(run), desc=run[1], unit="epoch", leave=False,
                                      position=len(self.bars) + 1)
            if run in self.bars:
                self.bars[run].update(1)

    def done(self, run) -> None:
        with self.lock:
            self.finished.add(run)
            bar = self.bars.pop(run, None)
            if bar is not None:
                bar.close()

    def close(self) -> None:
        with self.lock:
            for bar in self.bars.values():
                bar.close()
            self.bars.clear()
