"""The dev server's builds: a full build, or re-rendering only the pages a change touches.

One `index.md` edited → re-read its front matter and specs and render that page only, plus the front
page when its picture of the article (the first figure) changed; documents, assets, Jinja templates and
the Node process's math and first frames are reused. A front matter change that other pages show (an
article's title, order, draft flag, ...) → re-render every page with the same build. A run spec → its
stale runs precompute (or go to the trainer) and the pages naming that file re-render. Whatever an
incremental rebuild cannot match (a page added or deleted, a page gaining or losing the only `{pyodide}`
cell, whose runtime files follow) is a full build instead (`NeedsFullBuild`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from unrolled.precompute.errors import UnrolledError

from .build import Page, SiteBuild, load_page, sort_articles
from .config import Project, load_project
from .devchanges import Work, affected, spec_files
from .devtraining import TrainingBuild
from .js import NodeWorker

DIRECTIVE_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*\{", re.M)  # wider than markdown_ext.OPEN, on purpose


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
        return cls(build, {p.source: p for p in build.pages}, outputs, page_data, base,
                   build.needs_python(outputs), held)


class NeedsFullBuild(Exception):
    """An incremental rebuild cannot match a full build here (e.g. a page added): do a full one."""


class Rebuilder:
    """Makes the next `SiteState` from the last one and the work a change asks for. It only computes:
    the caller writes the files and keeps the state once they are on disk."""

    def __init__(self, project: Project, *, js: NodeWorker, trainer=None, frozen: bool = False, jobs: int = 1,
                 show_progress: bool = True, err=None):
        self.project, self.js, self.trainer = project, js, trainer
        self.frozen, self.jobs, self.show_progress, self.err = frozen, jobs, show_progress, err

    def rebuild(self, old: SiteState | None, work: Work) -> tuple[str, SiteState, list[str]]:
        """(kind, new state, pages rendered); kind is "full" or "pages"."""
        if not work.full and old is not None:
            try:
                return ("pages", *self.pages(old, work))
            except NeedsFullBuild:
                pass
        return ("full", *self.full(work.config))

    def full(self, config: bool = False) -> tuple[SiteState, list[str]]:
        if config:
            self._reload_config()
        build = self._new_build()
        files = build.run()
        self._print_warnings(build)
        return SiteState.from_run(build, files), [p.out_path for p in build.pages]

    def pages(self, old: SiteState, work: Work) -> tuple[SiteState, list[str]]:
        """Re-read the named pages (and the pages using changed specs); render only what must change."""
        build, pages = old.build, dict(old.pages)
        specs = {p.resolve() for p in work.specs}
        if specs:
            build.forget_documents()
        reloaded: list[Page] = []
        for source in sorted(affected(old.pages, work)):
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
                                  or spec_files(p) & specs])
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
        if build.needs_python(outputs) != old.runtime:
            raise NeedsFullBuild("the Pyodide runtime is now needed, or no longer")
        return SiteState(build, pages, outputs, page_data, old.base, old.runtime, held), [p.out_path for p in todo]

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

    def _print_warnings(self, build: DevBuild) -> None:
        for warning in getattr(build, "warnings", ()):
            print(str(warning).replace("error[", "warning[", 1), file=self.err, flush=True)
