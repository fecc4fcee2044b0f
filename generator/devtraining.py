"""Training in the background for `unrolled serve`, so the server answers at once.

`unrolled build` trains every stale run before it renders a page. The dev server hands its stale runs to
a `Trainer` instead and serves meanwhile: pages render with a notice where a training run's figure will
be (`placeholders.py`). The trainer runs the ordinary runner (`precompute`, `--jobs` wide), one batch at
a time, in a child process, so serving keeps its own process and closing the server stops the training
(the runner's workers die with that child). It reports each run's epochs as they pass and each run as it
lands; the dev server then rebuilds the pages that use it. A failed run is remembered by its cache key:
it is reported, not retrained, until its spec changes.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import queue as queues
import threading
import time
from pathlib import Path

from unrolled.precompute.errors import UnrolledError

from .placeholders import RunPending, ident, run_id

PROGRESS_SECONDS = 0.25  # at most this often a progress report goes out while epochs pass


class Trainer:
    """One background thread that feeds stale runs to a child `precompute` process, batch by batch.

    `on_progress(runs)` hears the state of every queued or training run (`describe`); `on_landed(spec,
    error)` hears each run that ended, with its error (an `UnrolledError`) when it failed."""

    def __init__(self, cache_root: Path, *, jobs: int, engine, on_progress, on_landed):
        self.cache_root, self.jobs, self.engine = Path(cache_root), jobs, engine
        self.on_progress, self.on_landed = on_progress, on_landed
        self._lock = threading.Condition()
        self._queued: dict[tuple, tuple] = {}  # (ident, key) -> (spec, key), waiting for the next batch
        self._training: dict[tuple, tuple] = {}  # (ident, key) -> (spec, key), in the running batch
        self._epochs: dict[tuple, int] = {}  # ident -> epochs done
        self._failed: dict[tuple, UnrolledError] = {}  # (ident, key) -> why
        self._stop = threading.Event()
        self._process = None
        self._thread: threading.Thread | None = None

    # -- asked by builds ---------------------------------------------------------------------------
    def submit(self, specs: list) -> None:
        """Queue stale runs; a run already queued or training (with the same key) is not queued twice,
        and a queued run whose spec changed since is queued as it is now."""
        from unrolled.precompute.cache import cache_key

        with self._lock:
            for spec in specs:
                key = cache_key(spec, self.cache_root)
                item = (ident(spec), key)
                for old in [k for k in self._queued if k[0] == item[0] and k != item]:
                    del self._queued[old]
                if item not in self._queued and item not in self._training and item not in self._failed:
                    self._queued[item] = (spec, key)
            if self._thread is None and self._queued:
                self._thread = threading.Thread(target=self._loop, name="unrolled-train", daemon=True)
                self._thread.start()
            self._lock.notify_all()
        self._report(force=True)

    def failure(self, spec) -> UnrolledError | None:
        """Why this run (with its current key) failed, if it did."""
        from unrolled.precompute.cache import cache_key

        with self._lock:
            return self._failed.get((ident(spec), cache_key(spec, self.cache_root)))

    def epochs(self, spec) -> int:
        with self._lock:
            return self._epochs.get(ident(spec), 0)

    def describe(self) -> list[dict]:
        """Every queued or training run: its id (`placeholders.run_id`), name, epochs done and total."""
        with self._lock:
            items = [(v, "training") for v in self._training.values()] + [(v, "queued") for v in self._queued.values()]
            return sorted(({"id": run_id(spec), "run": spec.name, "done": self._epochs.get(ident(spec), 0),
                            "total": spec.epochs, "state": state} for (spec, _), state in items),
                          key=lambda r: r["id"])

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            self._lock.notify_all()
            process = self._process
        if process is not None and process.is_alive():
            process.terminate()  # its pool workers die with it (precompute/lifeline.py)
            process.join(timeout=30)
        if self._thread is not None:
            self._thread.join(timeout=30)

    # -- the thread --------------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                self._lock.wait_for(lambda: self._queued or self._stop.is_set())
                if self._stop.is_set():
                    return
                self._training, self._queued = self._queued, {}
            self._batch(list(self._training.values()))

    def _batch(self, todo: list[tuple]) -> None:
        context = mp.get_context("spawn")
        messages = context.Queue()
        process = context.Process(target=_train, args=([s for s, _ in todo], self.cache_root, self.jobs,
                                                       self.engine, os.getpid(), messages), daemon=True)
        with self._lock:
            if self._stop.is_set():
                return
            self._process = process
            process.start()
        by_ident = {ident(spec): (spec, key) for spec, key in todo}
        ended = False
        while not ended and not self._stop.is_set():
            try:
                message = messages.get(timeout=0.2)
            except queues.Empty:
                if process.is_alive():
                    continue
                if self._stop.is_set():  # stopped by close(): nothing failed
                    break
                try:  # it ended: all it said is in the pipe by now
                    message = messages.get(timeout=1.0)
                except queues.Empty:
                    message = ("end", None)  # killed without saying so: what is left failed
            kind, *rest = message
            if kind == "epoch":
                with self._lock:
                    if any(run == rest[0] for run, _ in self._training):  # not a late tick of a run that ended
                        self._epochs[rest[0]] = rest[1]
                self._report()
            elif kind == "outcome":
                self._land(by_ident[rest[0]], rest[1])
            else:  # "end": the batch is over; a run without its outcome failed with the batch's error
                ended = True
                error = rest[0] or {"message": "the training process ended before this run did",
                                    "rule": "precompute-failed", "hint": "see the terminal; save the spec to retry"}
                with self._lock:
                    left = list(self._training.values())
                for item in left:
                    self._land(item, error)
        process.join(timeout=30)
        messages.close()  # its pipe and semaphores go now, not at exit
        with self._lock:
            self._process = None

    def _land(self, item: tuple, error: dict | None) -> None:
        spec, key = item
        problem = UnrolledError(**error) if error else None
        with self._lock:
            self._training.pop((ident(spec), key), None)
            self._epochs.pop(ident(spec), None)
            if problem is not None:
                self._failed[(ident(spec), key)] = problem
        self._report(force=True)
        self.on_landed(spec, problem)

    _last = 0.0

    def _report(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= PROGRESS_SECONDS:
            self._last = now
            self.on_progress(self.describe())


def announce(runs: list[dict], pages: int) -> str:
    """The terminal's line when the server starts with runs to train."""
    names = sorted(r["run"] for r in runs)
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    return (f"training {len(names)} run{'s' * (len(names) != 1)} in the background ({shown}); {pages} "
            f"page{'s' * (pages != 1)} show{'s' * (pages == 1)} their progress and reload when they land")


def _train(specs, cache_root, jobs, engine, parent, messages) -> None:
    """The child process: the ordinary runner, telling the dev server each epoch and each run's end."""
    from unrolled.precompute.lifeline import die_with_parent
    from unrolled.precompute.runner import precompute

    die_with_parent(parent)
    told = set()

    def outcome(spec, result):
        told.add(ident(spec))
        messages.put(("outcome", ident(spec), failure(result)))

    error = None
    try:
        results = precompute(specs, cache_root, jobs=jobs, show_progress=False, engine=engine,
                             on_epoch=lambda spec, epoch: messages.put(("epoch", ident(spec), epoch)),
                             on_outcome=outcome)
        for spec, result in zip(specs, results):
            if ident(spec) not in told:  # cached meanwhile, or trained on Dask (no per-run reports)
                outcome(spec, result)
    except UnrolledError as exc:  # e.g. torch-missing, cache-unwritable: every run of the batch failed
        error = exc.to_dict()
    except Exception as exc:  # noqa: BLE001 - reported, never lost
        error = {"message": f"{type(exc).__name__}: {exc}", "rule": "precompute-failed",
                 "hint": "this is a bug in Unrolled; see the traceback in the terminal"}
        import traceback

        traceback.print_exc()
    messages.put(("end", error))


def failure(outcome) -> dict | None:
    """A failed outcome as the fields of an UnrolledError (which travels between processes as a dict)."""
    if outcome.status != "failed":
        return None
    if outcome.problem is not None:
        return outcome.problem.to_dict()
    return {"message": f"precompute failed for run {outcome.name!r}:\n{outcome.error}", "rule": "precompute-failed",
            "hint": "see the traceback above"}


class TrainingBuild:
    """The build side, mixed into the dev server's SiteBuild: stale runs go to the trainer instead of
    being trained first, and a page that asks for a training run's documents gets a notice in their
    place (`placeholders.py`) and is listed in `page_pending`. Without a trainer it is SiteBuild."""

    trainer: Trainer | None = None

    def __init__(self, *args, trainer: Trainer | None = None, **options):
        super().__init__(*args, **options)
        self.trainer = trainer
        self.waiting: set[tuple] = set()  # runs (ident) whose documents are not there yet
        self.page_pending: dict[str, frozenset] = {}  # page out_path -> training runs it shows notices for
        self._hits: set | None = None

    def ensure_precomputed(self, pages) -> None:
        if self.trainer is None or self.frozen:
            return super().ensure_precomputed(pages)
        from unrolled.precompute.runner import stale

        specs = list({ident(s): s for p in pages for s in p.specs.values()}.values())
        todo = stale(specs, self.project.cache_dir)
        self.waiting -= {ident(s) for s in specs}
        for spec in todo:
            problem = self.trainer.failure(spec)
            if problem is not None:
                raise problem  # as `unrolled build` would: its file, line, rule and hint
        self.waiting |= {ident(s) for s in todo}
        if todo:
            self.trainer.submit(todo)

    def document(self, spec, kind: str, decode: bool) -> dict:
        if ident(spec) in self.waiting:
            raise RunPending(spec, self._epochs)
        return super().document(spec, kind, decode)

    def _epochs(self, spec) -> int | None:
        return self.trainer.epochs(spec) if ident(spec) in self.waiting else None

    def render_page(self, page, articles, assets) -> bytes:
        self._hits = hits = set()
        try:
            html = super().render_page(page, articles, assets)
        finally:
            self._hits = None
        self.page_pending[page.out_path] = frozenset(hits)
        return html

    def render_markdown(self, page):
        html, toc, ctx = super().render_markdown(page)
        if self._hits is not None:
            self._hits |= ctx.pending
        return html, toc, ctx

    def picture_now(self, article):
        """The front page's picture of the article as drawn now, not remembered; while its run trains,
        a fresh object, which equals no earlier picture."""
        try:
            return super().thumbnail(article)
        except RunPending:
            return object()

    def thumbnail(self, article):
        """None while the article's first figure waits for its run; the page showing it is held back."""
        try:
            return super().thumbnail(article)
        except RunPending as pending:
            if self._hits is not None:
                self._hits.add(ident(pending.spec))
            return None
