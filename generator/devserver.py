"""`unrolled serve` as a dev server: watch the sources, rebuild what changed, reload the open pages.

Pieces, all standard library:

* **Watcher** — a thread that polls (`devwatch.py`, every `poll` seconds) the content folder, the
  project's template overrides, the package's templates and `site/`, `unrolled.toml`, and any run spec
  file a page names outside the content folder.
* **Background training** (`devtraining.py`) — a page that needs a training run shows a notice in its
  place (`placeholders.py`) and is held back: served from memory, never written. A run that lands
  counts as a change to its spec file; a run that fails is a build error.
* **Incremental rebuild** — a change is classified into `Work`: page sources to re-read, spec files that
  changed, or "full". One article's `index.md` → re-read its front matter and specs, render that page
  only, plus the front page when its picture of the article (the first figure) changed (documents,
  assets, Jinja templates and the Node process's math and first frames are reused). A
  front matter change that other pages show (an article's title, order, draft flag, ...) → re-render every
  page with the same build. A run spec → precompute its stale runs only, re-render the pages naming that
  file. A page file added or deleted, templates, `site/`, `unrolled.toml`, any other content file, or a
  page gaining/losing the only `{pyodide}` cell (the runtime files follow) → a full build, so the result
  always equals what `unrolled build` would write.
* **Writes** — the first build is `SiteBuild.run()` + `write_site()` (= `unrolled.generator.build.build`: temp
  folder, then swap) and happens before the server listens (it trains nothing). Every later build compares
  the complete file map it wants with what is on disk and writes only the files whose bytes differ, each to a temp file in
  the same folder then `os.replace` — so a request sees the old file or the new one, never half of one,
  and the site folder itself is never renamed while serving (no window where it is missing). Referenced
  files (data, assets) land before the pages that reference them; files no longer wanted go last. After
  any successful build the folder is byte-identical to what `unrolled build` would write, less the pages
  held back for training runs.
* **Live reload** — Server-Sent Events on `/__unrolled/events`. HTML responses get one
  `<script src="/__unrolled/livereload.js">` before `</body>` at response time (the files on disk are
  never touched). After each successful build a `reload` event lists the pages whose bytes changed; a
  failed build sends `builderror` (file, line, rule, message, hint), which the client shows as an
  overlay; a new connection first gets `hello` with the current build id and error, so an error also
  shows on the next page load, and a page rendered before a build it missed reloads itself. Each
  connection holds a thread: at most MAX_EVENT_CLIENTS are open at once (503 beyond), and every
  HEARTBEAT_SECONDS a connection checks whether its page hung up, so a closed page's thread ends soon.
* **Errors never stop the server** — a failed first build still serves (the old site if there is one,
  otherwise a placeholder page that carries the overlay); the failed work is kept and retried with the
  next change, and a success clears the overlay.
"""
from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import select
import socket
import sys
import threading
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field
from http import HTTPStatus
from io import BytesIO
from pathlib import Path

from unrolled.precompute.errors import UnrolledError
from unrolled.precompute.folders import SITE_MARKER

from .build import TEMPLATES, Page, SiteBuild, load_page, sort_articles, write_site
from .config import SITE_SOURCES, Project, load_project
from .devtraining import Trainer, TrainingBuild, announce
from .devwatch import changed_paths, ignored, snapshot  # noqa: F401 - `ignored` and `snapshot` for tests, bench
from .js import NodeWorker
from .serve import SiteHandler, make_server
from .swap import unwritable

POLL_SECONDS = 0.05
HEARTBEAT_SECONDS = 1.0  # how soon the thread of a page that went away notices and ends
MAX_EVENT_CLIENTS = 32  # open live-reload connections (each holds a thread); more get 503
DEV_PREFIX = "/__unrolled/"
EVENTS_PATH = DEV_PREFIX + "events"
CLIENT_PATH = DEV_PREFIX + "livereload.js"
STATE_PATH = DEV_PREFIX + "state"
CLIENT_SOURCE = SITE_SOURCES / "js" / "dev" / "livereload.js"
PACKAGE_ROOT = SITE_SOURCES.parent
DIRECTIVE_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*\{", re.M)  # wider than markdown_ext.OPEN, on purpose

PLACEHOLDER = b"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build error</title>
<link rel="icon" href="data:,">
</head>
<body data-unrolled-placeholder>
<main>
<h1>This page is not built yet</h1>
<p>The last build failed; the error is shown above. Fix the file and this page reloads by itself.</p>
</main>
</body>
</html>
"""


@dataclass
class Work:
    """What a set of changed files asks for; failed work is kept and merged into the next."""

    full: bool = False
    config: bool = False
    sources: set[Path] = field(default_factory=set)  # page `index.md` files (changed, added or removed)
    specs: set[Path] = field(default_factory=set)  # run spec files that changed

    def merge(self, other: "Work") -> "Work":
        return Work(self.full or other.full, self.config or other.config, self.sources | other.sources,
                    self.specs | other.specs)


# -- building ---------------------------------------------------------------------------------------

class DevBuild(TrainingBuild, SiteBuild):
    """A SiteBuild that remembers which data files each page wrote, shares one Node process, and with a
    trainer leaves stale runs to train in the background (`devtraining.py`)."""

    def __init__(self, project: Project, *, js: NodeWorker | None = None, **options):
        super().__init__(project, **options)
        if js is not None:
            self.js = js  # its memo survives rebuilds; closed by run(), restarted lazily
        self.page_data: dict[str, frozenset[str]] = {}
        self._collecting: set[str] | None = None
        self._fragments: dict[tuple[str, str], str] = {}
        self.pictured: dict[str, tuple[str, str] | None] = {}  # article slug -> the front page's picture of it

    def add_data(self, payload: dict) -> str:
        path = super().add_data(payload)
        if self._collecting is not None:
            self._collecting.add(path)
        return path

    def render_page(self, page: Page, articles: list[Page], assets) -> bytes:
        self._collecting = collected = set()
        try:
            html = super().render_page(page, articles, assets)
        finally:
            self._collecting = None
        self.page_data[page.out_path] = frozenset(collected)
        return html

    def thumbnail(self, article: Page):
        """Remembered per article; data files its directives write belong to the article, not the front page."""
        collecting, self._collecting = self._collecting, None
        try:
            self.pictured[article.slug] = picture = super().thumbnail(article)
        finally:
            self._collecting = collecting
        return picture

    def markdown_fragment(self, ctx, text: str, first_line: int) -> str:
        """Memoised when the fragment holds no directive: its HTML then depends on the text alone (the
        line number only goes into error messages, and a failed render is never stored). Directives
        render many fixed fragments (a cell's stage notes, equations), the same on every save."""
        if DIRECTIVE_FENCE.search(text):
            return super().markdown_fragment(ctx, text, first_line)
        key = (ctx.page.prefix, text)
        if key not in self._fragments:
            self._fragments[key] = super().markdown_fragment(ctx, text, first_line)
        return self._fragments[key]

    def render_parallel(self, pages: list[Page]) -> None:
        """Render here rather than in forked workers: what a page loaded and wrote must stay in this
        process for the next incremental rebuild."""
        self.files.update(self.render_pages(range(len(pages))))

    def forget_documents(self) -> None:
        """Drop loaded run documents (a spec changed, so its cache entry may be another)."""
        self._docs.clear()


@dataclass
class SiteState:
    """The site as last built successfully: enough to re-render one page and to list every file."""

    build: DevBuild
    pages: dict[Path, Page]  # non-draft pages by source
    outputs: dict[str, bytes]  # page out_path -> HTML
    page_data: dict[str, frozenset[str]]  # page out_path -> data files it references
    base: dict[str, bytes]  # every other file of the last full build (assets, the Pyodide runtime, ...)
    runtime: bool = False  # whether a page has a {pyodide} cell (the runtime files in `base` follow it)
    held: dict[str, frozenset] = field(default_factory=dict)  # page out_path -> runs it waits for

    def files(self) -> dict[str, bytes]:
        """What goes on disk: a page showing notices for training runs is held back (served from here)."""
        files = dict(self.base)
        for paths in self.page_data.values():
            for path in paths:
                files[path] = self.build.files[path]
        files.update((k, v) for k, v in self.outputs.items() if k not in self.held)
        return files

    def held_pages(self) -> dict[str, bytes]:
        return {k: self.outputs[k] for k in self.held}

    @classmethod
    def from_run(cls, build: DevBuild, files: dict[str, bytes]) -> "SiteState":
        outputs = {p.out_path: files[p.out_path] for p in build.pages}
        data_files = [k for k in files if k.startswith("data/")]
        page_data = {out: build.page_data[out] if out in build.page_data  # else rendered out of process
                     else frozenset(d for d in data_files if d.encode() in html) for out, html in outputs.items()}
        data = set().union(*page_data.values())
        base = {k: v for k, v in files.items() if k not in outputs and k not in data}
        held = {out: runs for out, runs in build.page_pending.items() if runs and out in outputs}
        return cls(build, {p.source: p for p in build.pages}, outputs, page_data, base, uses_runtime(outputs), held)


def uses_runtime(outputs: dict[str, bytes]) -> bool:
    """Whether `vendor.add_runtime` adds the Pyodide runtime to a build with these pages."""
    from . import vendor

    marker = getattr(vendor, "MARKER", None)
    return marker is not None and any(marker in html for html in outputs.values())


class NeedsFullBuild(Exception):
    """An incremental rebuild cannot match a full build here (e.g. a page added): do a full one."""


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


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same folder, then rename over: readers see the old bytes or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_tree(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def page_url(out_path: str) -> str:
    """`a/index.html` -> `/a/`, the form the client compares with its location."""
    url = "/" + out_path
    return url[: -len("index.html")] if url.endswith("/index.html") else url


def _event(name: str, data: dict) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, sort_keys=True)}\n\n".encode("utf-8")


class DevServer:
    """Watcher + incremental builder + SSE broadcaster for one project. See the module docstring."""

    def __init__(self, project: Project, *, frozen: bool = False, jobs: int = 1, show_progress: bool = True,
                 poll: float = POLL_SECONDS, watch_package: bool = True, background: bool = True, out=None,
                 err=None):
        """`watch_package=False` leaves out the package's own templates and site/ (tests use it to stay
        deterministic while those folders are being edited); `background=False` trains stale runs
        before each build, as `unrolled build` does."""
        self.project, self.frozen, self.jobs, self.show_progress = project, frozen, jobs, show_progress
        self.poll, self.watch_package = poll, watch_package
        self.out, self.err = out or sys.stdout, err or sys.stderr
        self.js = NodeWorker()
        self.session = os.urandom(4).hex()
        self.generation = 0
        self.error: dict | None = None
        self.state: SiteState | None = None
        self.pending = Work()
        self.written: dict[str, bytes] = {}
        self.attempts: list[Attempt] = []
        self.server = None
        self._snap: dict[str, tuple] | None = None
        self._lock = threading.Lock()  # error, generation and the client list change together
        self._done = threading.Condition()
        self._clients: set[queue.SimpleQueue] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.trainer = None if frozen or not background else Trainer(
            project.cache_dir, jobs=jobs, engine=project.engine_for(jobs), on_progress=self._progress,
            on_landed=self._landed)
        self.training: list[dict] = []  # the trainer's last report
        self._arrived: list = []  # specs of runs that ended since the watcher last looked

    # -- public ----------------------------------------------------------------------------------
    @property
    def build_id(self) -> str:
        return f"{self.session}.{self.generation}"

    def initial_build(self) -> bool:
        """Full build with temp folder + swap (before serving). A failure is reported, not raised."""
        self._snap = self.scan()
        return self._attempt(Work(full=True), [], time.perf_counter(), initial=True).ok

    def make_server(self, port: int = 8000, *, verbose: bool = False):
        self.server = make_server(self.project.out_dir, port, verbose=verbose, handler_class=DevHandler)
        self.server.dev = self
        return self.server

    def start_watching(self) -> None:
        if self._snap is None:
            self._snap = self.scan()
        self._thread = threading.Thread(target=self._watch, name="unrolled-watch", daemon=True)
        self._thread.start()

    def wait_for_attempt(self, after: int, timeout: float = 60.0) -> Attempt:
        """Block until attempt number `after + 1` exists (numbers start at 1); return the latest."""
        with self._done:
            if not self._done.wait_for(lambda: len(self.attempts) > after, timeout):
                raise TimeoutError(f"no rebuild within {timeout} s")
            return self.attempts[-1]

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self.trainer is not None:
            self.trainer.close()
        with self._lock:
            for client in self._clients:
                client.put(None)
        self.js.close()

    # -- watching --------------------------------------------------------------------------------
    def roots(self) -> list[Path]:
        project = self.project
        roots = [project.content_dir, project.templates_dir, project.root / "unrolled.toml"]
        if project.content_dir not in project.widgets_dir.parents:  # widgets kept outside the content folder
            roots.append(project.widgets_dir)
        if self.watch_package:
            roots += [TEMPLATES, SITE_SOURCES]
        if self.state is not None:  # spec files named from outside the content folder
            content = str(project.content_dir.resolve()) + os.sep
            roots += sorted({s for p in self.state.pages.values() for s in self._spec_files(p)
                             if not str(s).startswith(content)})
        return roots

    def scan(self) -> dict[str, tuple]:
        return snapshot(self.roots(), skip=(str(self.project.out_dir), str(self.project.cache_dir)))

    def _watch(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                snap = self.scan()
                changed = changed_paths(self._snap, snap)
                with self._lock:
                    arrived, self._arrived = self._arrived, []
                if not changed and not arrived:
                    continue
                detected = time.perf_counter()
                work = self.classify(changed, appeared_or_vanished={p for p in changed if (p in snap) != (p in self._snap)})
                work.specs |= {Path(spec.source) for spec in arrived}  # re-render the pages using a landed run
                self._snap = snap
                self._attempt(self.pending.merge(work), sorted(changed) + [f"run {s.name}" for s in arrived], detected)
            except Exception:  # the watcher must outlive any bug
                traceback.print_exc(file=self.err)

    def classify(self, changed: set[str], appeared_or_vanished: set[str] = frozenset()) -> Work:
        """Page sources and spec files that changed; a page added or deleted, or anything else, is "full"."""
        work = Work()
        content = self.project.content_dir
        for name in changed:
            path = Path(name)
            if path == self.project.root / "unrolled.toml":
                work.full = work.config = True
            elif path.name == "index.md" and (path.parent == content or path.parent.parent == content):
                work.sources.add(path)
                work.full = work.full or name in appeared_or_vanished  # discovery decides (e.g. the front page)
            elif path.suffix == ".toml" and path.parent != self.project.widgets_dir:  # a widget's spec: full
                work.specs.add(path)
            else:  # templates, site assets, any other content file
                work.full = True
        return work

    @staticmethod
    def _spec_files(page: Page) -> set[Path]:
        return {(page.source.parent / entry).resolve() for entry in page.meta.runs}

    # -- building --------------------------------------------------------------------------------
    def _new_build(self) -> DevBuild:
        return DevBuild(self.project, js=self.js, frozen=self.frozen, jobs=self.jobs,
                        show_progress=self.show_progress, trainer=self.trainer)

    def _reload_config(self) -> None:
        fresh = load_project(self.project.root)
        moved = [k for k in ("content", "output", "cache", "templates") if getattr(fresh, k) != getattr(self.project, k)]
        if moved:
            raise UnrolledError(f"unrolled.toml now moves the {moved[0]} folder", file=fresh.root / "unrolled.toml",
                                rule="serve-restart", hint="restart `unrolled serve` to use the new folders")
        self.project = fresh

    def _full(self, config: bool) -> tuple[SiteState, list[str]]:
        if config:
            self._reload_config()
        build = self._new_build()
        files = build.run()
        self._print_warnings(build)
        return SiteState.from_run(build, files), [p.out_path for p in build.pages]

    def _pages(self, work: Work) -> tuple[SiteState, list[str]]:
        """Re-read the named pages (and the pages using changed specs); render only what must change."""
        old = self.state
        build, pages = old.build, dict(old.pages)
        sources = set(work.sources)
        specs = {p.resolve() for p in work.specs}
        if specs:
            sources |= {src for src, page in old.pages.items() if self._spec_files(page) & specs}
            build.forget_documents()
        reloaded: list[Page] = []
        for source in sorted(sources):
            if not source.is_file():
                raise NeedsFullBuild(source)
            page = load_page(self.project, source)
            if page.meta.draft:
                pages.pop(source, None)
            else:
                pages[source] = page
                reloaded.append(page)
        build.ensure_precomputed([p for p in reloaded
                                  if p.source not in old.pages or p.specs != old.pages[p.source].specs
                                  or self._spec_files(p) & specs])
        ordered = sorted(pages.values(), key=lambda p: (p.slug != "", str(p.source)))
        articles = sort_articles(ordered)
        listing = [(p.slug, p.meta) for p in articles] != [(p.slug, p.meta) for p in sort_articles(list(old.pages.values()))]
        todo = ordered if listing else reloaded
        repictured = [p for p in reloaded if p.slug and build.picture_now(p) != build.pictured.get(p.slug)]
        if not listing and repictured:  # the front page's picture of an article (its first figure) changed
            todo = [p for p in ordered if not p.slug and p not in todo] + todo
        todo += [p for p in ordered if p not in todo and old.held.get(p.out_path, frozenset()) - build.waiting]
        outputs = {p.out_path: old.outputs[p.out_path] for p in ordered if p.out_path in old.outputs}
        page_data = {p.out_path: old.page_data[p.out_path] for p in ordered if p.out_path in old.page_data}
        held = {out: runs for out, runs in old.held.items() if out in outputs}
        for page in todo:
            outputs[page.out_path] = build.render_page(page, articles, build.assets)
            page_data[page.out_path] = build.page_data[page.out_path]
            held.pop(page.out_path, None)
            if build.page_pending[page.out_path]:
                held[page.out_path] = build.page_pending[page.out_path]
        if uses_runtime(outputs) != old.runtime:
            raise NeedsFullBuild("the Pyodide runtime is now needed, or no longer")
        return SiteState(build, pages, outputs, page_data, old.base, old.runtime, held), [p.out_path for p in todo]

    def _sync(self, files: dict[str, bytes]) -> tuple[list[str], list[str]]:
        """Write the files whose bytes differ (data and assets before pages), then drop unwanted ones."""
        out = self.project.out_dir
        written = sorted((k for k, v in files.items() if self.written.get(k) != v), key=lambda k: (k.endswith(".html"), k))
        for rel in written:
            try:
                write_atomic(out / rel, files[rel])
            except OSError as exc:
                raise unwritable(out, exc) from None
            self.written[rel] = files[rel]
        removed = sorted(k for k in self.written if k not in files)
        for rel in removed:
            path = out / rel
            path.unlink(missing_ok=True)
            del self.written[rel]
            for parent in path.parents:  # drop folders left empty (a removed article)
                if parent == out or out not in parent.parents:
                    break
                try:
                    parent.rmdir()
                except OSError:
                    break
        return written, removed

    def _attempt(self, work: Work, triggers: list[str], detected: float, initial: bool = False) -> Attempt:
        kind = "initial" if initial else "full" if work.full or self.state is None else "pages"
        rendered: list[str] = []
        written: list[str] = []
        removed: list[str] = []
        try:
            if initial:
                build = self._new_build()
                state = SiteState.from_run(build, build.run())
                self._print_warnings(build)
                files = state.files()  # without the pages held back for training runs
                write_site(files, self.project.out_dir)
                self.written = dict(files)
                rendered, written = [p.out_path for p in build.pages], sorted(files)
            else:
                try:
                    state, rendered = self._full(work.config) if kind == "full" else self._pages(work)
                except NeedsFullBuild:
                    kind = "full"
                    state, rendered = self._full(work.config)
                written, removed = self._sync(state.files())
        except Exception as exc:  # noqa: BLE001 - any failure becomes the overlay, never a crash
            error = self.describe(exc)
            if initial:  # later syncs may remove what is listed here: list only a folder the build made
                out = self.project.out_dir
                self.written = read_tree(out) if (out / SITE_MARKER).is_file() else {}
            self.pending = work
            with self._lock:
                self.error = error
                self._publish("builderror", {**error, "build": self.build_id})
            print(self.format_error(error), file=self.err, flush=True)
            return self._record(kind, False, triggers, rendered, written, removed, error, detected)
        before = self.state.held_pages() if self.state is not None else {}
        held = [k for k, v in state.held_pages().items() if before.get(k) != v]  # served, never written
        self.state, self.pending = state, Work()
        changed = sorted({page_url(p) for p in written + removed + held if p.endswith(".html")})
        with self._lock:
            recovered = self.error is not None
            self.error = None
            if written or removed or held:
                self.generation += 1
            self._publish("reload", {"build": self.build_id, "changed": changed})
        attempt = self._record(kind, True, triggers, rendered, written, removed, None, detected)
        ms = attempt.seconds * 1000
        if initial:
            pages = sum(1 for p in written if p.endswith(".html"))
            print(f"built {pages} pages ({len(written)} files) into {self.project.out_dir} in {ms / 1000:.1f} s"
                  + (f", {len(state.held)} more wait for runs" if state.held else ""), file=self.out, flush=True)
            if state.held:
                print(announce(self.training, len(state.held)), file=self.out, flush=True)
        elif written or removed:
            what = ", ".join(changed) or f"{len(written) + len(removed)} files"
            print(f"rebuilt {what} in {ms:.0f} ms ({len(rendered)} rendered, {len(written)} written, "
                  f"{len(removed)} removed)" + ("; error fixed" if recovered else ""), file=self.out, flush=True)
        elif recovered:
            print(f"error fixed in {ms:.0f} ms (no output changed)", file=self.out, flush=True)
        return attempt

    def _record(self, kind, ok, triggers, rendered, written, removed, error, detected) -> Attempt:
        with self._done:
            attempt = Attempt(len(self.attempts) + 1, ok, kind, triggers, rendered, written, removed, error,
                              detected, time.perf_counter())
            self.attempts.append(attempt)
            self._done.notify_all()
        return attempt

    def _print_warnings(self, build: DevBuild) -> None:
        for warning in getattr(build, "warnings", ()):
            print(str(warning).replace("error[", "warning[", 1), file=self.err, flush=True)

    # -- errors ----------------------------------------------------------------------------------
    def relative(self, file) -> str | None:
        if file is None:
            return None
        path = Path(file)
        for base in (self.project.root, PACKAGE_ROOT):
            try:
                return path.resolve().relative_to(base).as_posix() if path.is_absolute() else path.as_posix()
            except ValueError:
                continue
        return str(file)

    def describe(self, exc: BaseException) -> dict:
        """What the overlay and the terminal show: file (relative), line, rule, message, hint."""
        import jinja2

        if isinstance(exc, UnrolledError):
            info = exc.to_dict()
        elif isinstance(exc, jinja2.TemplateSyntaxError):
            info = {"file": exc.filename, "line": exc.lineno, "rule": "template-syntax", "message": exc.message,
                    "hint": "fix the template's Jinja2 syntax"}
        elif isinstance(exc, jinja2.TemplateError):
            frames = [(f.f_code.co_filename, line) for f, line in traceback.walk_tb(exc.__traceback__)
                      if f.f_code.co_filename.endswith((".html", ".jinja", ".j2"))]
            file, line = frames[-1] if frames else (None, None)
            info = {"file": file, "line": line, "rule": "template-error", "message": f"{type(exc).__name__}: {exc}",
                    "hint": "check the names the template uses (page, meta, site, articles, nav, ...)"}
        else:
            traceback.print_exception(exc, file=self.err)
            info = {"file": None, "line": None, "rule": "internal-error", "message": f"{type(exc).__name__}: {exc}",
                    "hint": "this is a bug in Unrolled or a folder it cannot write; see the traceback in the terminal"}
        info["file"] = self.relative(info["file"])
        return info

    @staticmethod
    def format_error(info: dict) -> str:
        where = info["file"] + (f":{info['line']}" if info["line"] else "") + ": " if info["file"] else ""
        text = f"{where}error[{info['rule']}]: {info['message']}"
        return f"{text}\n  hint: {info['hint']}" if info.get("hint") else text

    # -- background training ---------------------------------------------------------------------
    def _progress(self, runs: list[dict]) -> None:
        with self._lock:
            self.training = runs
            self._publish("training", {"runs": runs})

    def _landed(self, spec, problem) -> None:
        """A run ended (in the trainer's thread): the watcher rebuilds its pages, or shows its error."""
        print(f"run {spec.name} {'failed' if problem else 'trained'}; rebuilding its pages", file=self.out, flush=True)
        with self._lock:
            self._arrived.append(spec)

    def held_page(self, path: str) -> bytes | None:
        """The page at this file path when it is held back for training runs (served, never written)."""
        state = self.state
        rel = os.path.relpath(path, self.project.out_dir).replace(os.sep, "/")
        return state.outputs[rel] if state is not None and rel in state.held else None

    # -- server-sent events ----------------------------------------------------------------------
    def _publish(self, name: str, data: dict) -> None:
        """Queue an event for every connected page (call with self._lock held)."""
        message = _event(name, data)
        for client in self._clients:
            client.put(message)

    def stream(self, handler: "DevHandler") -> None:
        """Events for one open page. `hello` says whether that page's own bytes changed since it was
        served (`stale`), so a rebuild of another page in between never reloads it."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(handler.path).query)
        page, version = query.get("page", [""])[0], query.get("version", [""])[0]
        client: queue.SimpleQueue = queue.SimpleQueue()
        with self._lock:
            full = len(self._clients) >= MAX_EVENT_CLIENTS
            if not full:
                self._clients.add(client)
                stale = page_version(handler, page) != version
                hello = _event("hello", {"build": self.build_id, "error": self.error, "stale": stale,
                                         "training": self.training})
        if full:
            handler.send_error(HTTPStatus.SERVICE_UNAVAILABLE, "too many live-reload connections")
            return
        try:
            handler.send_response(HTTPStatus.OK)
            handler.send_header("Content-Type", "text/event-stream; charset=utf-8")
            handler.end_headers()
            handler.wfile.write(b"retry: 1000\n\n" + hello)
            while not self._stop.is_set():
                try:
                    message = client.get(timeout=HEARTBEAT_SECONDS)
                except queue.Empty:
                    if hung_up(handler.connection):
                        break
                    message = b": keep-alive\n\n"
                if message is None:
                    break
                handler.wfile.write(message)
        except OSError:  # the page went away
            pass
        finally:
            with self._lock:
                self._clients.discard(client)
            handler.close_connection = True

    def inject(self, html: bytes, build_id: str) -> bytes:
        version = hashlib.sha256(html).hexdigest()[:16]
        tag = f'<script src="{CLIENT_PATH}" data-build="{build_id}" data-version="{version}"></script>\n'.encode()
        at = html.lower().rfind(b"</body>")
        return html[:at] + tag + html[at:] if at >= 0 else html + tag


def hung_up(connection: socket.socket) -> bool:
    """Whether the client closed its end (a page never sends anything on its event stream, so a readable
    socket with nothing to read is one at its end)."""
    try:
        if hasattr(select, "poll"):  # no limit on the descriptor's number, unlike select()
            poller = select.poll()
            poller.register(connection, select.POLLIN)
            readable = bool(poller.poll(0))
        else:
            readable = bool(select.select([connection], [], [], 0)[0])
        return readable and connection.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def page_version(handler: "SiteHandler", page: str) -> str | None:
    """Hash of the page file as it is on disk now (None when it does not exist)."""
    path = handler.translate_path(page or "/")
    if page.endswith("/") or os.path.isdir(path):
        path = os.path.join(path, "index.html")
    if not handler.inside_root(path):
        return None
    held = handler.server.dev.held_page(path)
    if held is not None:
        return hashlib.sha256(held).hexdigest()[:16]
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()[:16]
    except OSError:
        return None


class DevHandler(SiteHandler):
    """SiteHandler plus the dev endpoints and the live-reload script in every HTML response."""

    def do_GET(self):  # noqa: N802 - http.server's name
        route = urllib.parse.urlsplit(self.path).path
        dev: DevServer = self.server.dev
        if route == EVENTS_PATH:
            return dev.stream(self)
        if route == CLIENT_PATH:
            return self._send(CLIENT_SOURCE.read_bytes(), "text/javascript; charset=utf-8")
        if route == STATE_PATH:
            with dev._lock:
                state = {"build": dev.build_id, "error": dev.error, "training": dev.training}
            return self._send(json.dumps(state).encode(), "application/json")
        return super().do_GET()

    def _send(self, body: bytes, content_type: str):
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_head(self):
        dev: DevServer = self.server.dev
        route = urllib.parse.urlsplit(self.path).path
        path = self.translate_path(self.path)
        if not self.inside_root(path):
            return super().send_head()  # refuses
        if route.endswith("/"):
            path = os.path.join(path, "index.html")
        elif os.path.isdir(path) or not path.endswith((".html", ".htm")):
            return super().send_head()  # redirect to the slash form, or any other file as it is
        build_id = dev.build_id  # read before the file: the page is never older than the id it carries
        try:
            html = dev.held_page(path)
            if html is None:
                with open(path, "rb") as fh:
                    html = fh.read()
        except OSError:
            if dev.error is None:
                return super().send_head()  # 404 (or a folder listing)
            html = PLACEHOLDER
        body = dev.inject(html, build_id)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return BytesIO(body)
