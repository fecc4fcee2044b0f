"""`unrolled serve` as a dev server: watch the sources, rebuild what changed, reload the open pages.

`DevServer` wires small parts together, all standard library:

* **Watching** (`devwatch.py`) — a thread polls, every `poll` seconds, the files `devchanges.watched_roots`
  names: the content folder, the project's template overrides, the package's templates and `site/`,
  `unrolled.toml`, and any run spec file a page names outside the content folder.
* **What a change asks for** (`devchanges.py`) — the changed files, classified into `Work`: page sources
  to re-read, spec files that changed, or "full".
* **Rebuilding** (`devbuild.py`) — the next site state from the last one: the pages a change touches,
  re-rendered with the same build, or a full build, so the result always equals what `unrolled build`
  would write.
* **Background training** (`devtraining.py`) — a page that needs a training run shows a notice in its
  place (`placeholders.py`) and is held back: served from memory, never written. A run that lands
  counts as a change to its spec file; a run that fails is a build error.
* **Writing** (`devsync.py`) — the first build replaces the folder whole before the server listens;
  later builds write only the files whose bytes differ, each atomically, and never rename the folder.
  After any successful build it is byte-identical to what `unrolled build` would write, less the pages
  held back for training runs.
* **Live reload** (`devreload.py`) and **HTTP** (`devhttp.py`) — Server-Sent Events to the open pages
  (`reload`, `builderror`, `training`) and the client script injected into HTML responses.
* **Errors never stop the server** (`deverrors.py`) — a failed build is printed and shown as an overlay;
  a failed first build still serves (the old site if there is one, otherwise a placeholder page that
  carries the overlay); the failed work is kept and retried with the next change, and a success clears
  the overlay.
"""
from __future__ import annotations

import os
import queue
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Project
from .devbuild import Rebuilder, SiteState
from .devchanges import Work, classify, watched_roots
from .deverrors import describe, format_error
from .devhttp import make_dev_server
from .devreload import LiveReload, page_url
from .devsync import ServedFolder
from .devtraining import Trainer, announce
from .devwatch import POLL_SECONDS, Watcher
from .js import NodeWorker


@dataclass
class Attempt:
    """One rebuild, successful or not (tests and the benchmark read these)."""

    number: int
    ok: bool
    kind: str  # "initial" | "full" | "pages"
    triggers: list[str]  # watched files that changed
    rendered: list[str]  # pages rendered
    written: list[str]  # files whose bytes changed on disk
    removed: list[str]
    error: dict | None
    detected: float  # time.perf_counter() when the change was seen
    finished: float  # time.perf_counter() when the files were on disk and the event queued

    @property
    def seconds(self) -> float:
        return self.finished - self.detected


class DevServer:
    """One project served while it is edited: each change the watcher sees becomes an attempt (rebuild,
    write, tell the pages), recorded in `attempts`. See the module docstring for the parts."""

    def __init__(self, project: Project, *, frozen: bool = False, jobs: int = 1, show_progress: bool = True,
                 poll: float = POLL_SECONDS, watch_package: bool = True, background: bool = True, out=None,
                 err=None):
        """`watch_package=False` leaves out the package's own templates and site/ (tests use it to stay
        deterministic while those folders are being edited); `background=False` trains stale runs
        before each build, as `unrolled build` does."""
        self.watch_package = watch_package
        self.out, self.err = out or sys.stdout, err or sys.stderr
        self.js = NodeWorker()
        self.reload = LiveReload()
        self.folder = ServedFolder(project.out_dir)
        self.trainer = None if frozen or not background else Trainer(
            project.cache_dir, jobs=jobs, engine=project.engine_for(jobs), on_progress=self.reload.progress,
            on_landed=self._landed)
        self.builder = Rebuilder(project, js=self.js, trainer=self.trainer, frozen=frozen, jobs=jobs,
                                 show_progress=show_progress, err=self.err)
        self.watcher = Watcher(self.roots, self._changed, skip=(str(project.out_dir), str(project.cache_dir)),
                               poll=poll, err=self.err)
        self.state: SiteState | None = None
        self.pending = Work()  # failed work, retried with the next change
        self.attempts: list[Attempt] = []
        self.server = None
        self._done = threading.Condition()
        self._arrived: queue.SimpleQueue = queue.SimpleQueue()  # specs of runs that ended, for the watcher

    # -- public ----------------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self.builder.project  # re-read when unrolled.toml changes

    @property
    def build_id(self) -> str:
        return self.reload.build_id

    @property
    def error(self) -> dict | None:
        return self.reload.error

    def initial_build(self) -> bool:
        """Full build with temp folder + swap (before serving). A failure is reported, not raised."""
        self.watcher.mark()
        return self._attempt(Work(full=True), [], time.perf_counter(), initial=True).ok

    def make_server(self, port: int = 8000, *, verbose: bool = False):
        self.server = make_dev_server(self, self.project.out_dir, port, verbose=verbose)
        return self.server

    def start_watching(self) -> None:
        self.watcher.start()

    def wait_for_attempt(self, after: int, timeout: float = 60.0) -> Attempt:
        """Block until attempt number `after + 1` exists (numbers start at 1); return the latest."""
        with self._done:
            if not self._done.wait_for(lambda: len(self.attempts) > after, timeout):
                raise TimeoutError(f"no rebuild within {timeout} s")
            return self.attempts[-1]

    def close(self) -> None:
        self.reload.close()
        self.watcher.stop()
        if self.trainer is not None:
            self.trainer.close()
        self.js.close()

    def roots(self) -> list[Path]:
        pages = self.state.pages.values() if self.state is not None else ()
        return watched_roots(self.project, pages, package=self.watch_package)

    def scan(self) -> dict[str, tuple]:
        return self.watcher.scan()

    def held_page(self, path: str) -> bytes | None:
        """The page at this file path when it is held back for training runs (served, never written)."""
        state = self.state
        rel = os.path.relpath(path, self.project.out_dir).replace(os.sep, "/")
        return state.outputs[rel] if state is not None and rel in state.held else None

    # -- one attempt per change ------------------------------------------------------------------
    def _changed(self, changed: set[str], appeared_or_vanished: set[str]) -> None:
        """The watcher's tick: rebuild for the files that changed and the runs that landed, if any."""
        arrived = []
        while True:
            try:
                arrived.append(self._arrived.get_nowait())
            except queue.Empty:
                break
        if not changed and not arrived:
            return
        detected = time.perf_counter()
        work = classify(self.project, changed, appeared_or_vanished)
        work.specs |= {Path(spec.source) for spec in arrived}  # re-render the pages using a landed run
        self._attempt(self.pending.merge(work), sorted(changed) + [f"run {s.name}" for s in arrived], detected)

    def _landed(self, spec, problem) -> None:
        """A run ended (in the trainer's thread): the watcher rebuilds its pages, or shows its error."""
        print(f"run {spec.name} {'failed' if problem else 'trained'}; rebuilding its pages", file=self.out, flush=True)
        self._arrived.put(spec)

    def _attempt(self, work: Work, triggers: list[str], detected: float, initial: bool = False) -> Attempt:
        kind = "initial" if initial else "full" if work.full or self.state is None else "pages"
        rendered: list[str] = []
        written: list[str] = []
        removed: list[str] = []
        try:
            if initial:
                state, rendered = self.builder.full()
                files = state.files()  # without the pages held back for training runs
                self.folder.replace(files)
                written = sorted(files)
            else:
                kind, state, rendered = self.builder.rebuild(self.state, work)
                written, removed = self.folder.sync(state.files())
        except Exception as exc:  # noqa: BLE001 - any failure becomes the overlay, never a crash
            error = describe(exc, self.project.root, self.err)
            if initial:
                self.folder.adopt()
            self.pending = work
            self.reload.failed(error)
            print(format_error(error), file=self.err, flush=True)
            return self._record(kind, False, triggers, rendered, written, removed, error, detected)
        before = self.state.held_pages() if self.state is not None else {}
        held = [k for k, v in state.held_pages().items() if before.get(k) != v]  # served, never written
        self.state, self.pending = state, Work()
        changed = sorted({page_url(p) for p in written + removed + held if p.endswith(".html")})
        recovered = self.reload.built(changed, new=bool(written or removed or held))
        attempt = self._record(kind, True, triggers, rendered, written, removed, None, detected)
        self._tell(attempt, changed, recovered)
        return attempt

    def _record(self, kind, ok, triggers, rendered, written, removed, error, detected) -> Attempt:
        with self._done:
            attempt = Attempt(len(self.attempts) + 1, ok, kind, triggers, rendered, written, removed, error,
                              detected, time.perf_counter())
            self.attempts.append(attempt)
            self._done.notify_all()
        return attempt

    def _tell(self, attempt: Attempt, changed: list[str], recovered: bool) -> None:
        """The terminal's line for a successful build."""
        ms, written, removed, held = attempt.seconds * 1000, attempt.written, attempt.removed, self.state.held
        if attempt.kind == "initial":
            pages = sum(1 for p in written if p.endswith(".html"))
            print(f"built {pages} pages ({len(written)} files) into {self.project.out_dir} in {ms / 1000:.1f} s"
                  + (f", {len(held)} more wait for runs" if held else ""), file=self.out, flush=True)
            if held:
                print(announce(self.reload.training, len(held)), file=self.out, flush=True)
        elif written or removed:
            what = ", ".join(changed) or f"{len(written) + len(removed)} files"
            print(f"rebuilt {what} in {ms:.0f} ms ({len(attempt.rendered)} rendered, {len(written)} written, "
                  f"{len(removed)} removed)" + ("; error fixed" if recovered else ""), file=self.out, flush=True)
        elif recovered:
            print(f"error fixed in {ms:.0f} ms (no output changed)", file=self.out, flush=True)
