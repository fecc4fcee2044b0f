"""`unrolled build`: content + precompute documents -> `_site/`, atomically and reproducibly.

Order: read every page's front matter and run specs, precompute what is stale (or fail under --frozen),
render pages, then write the whole site into a temporary folder and swap it in. A failed build leaves
the previous site untouched.
"""
from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import re
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import markdown
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markdown.extensions.codehilite import CodeHiliteExtension
from markdown.extensions.toc import TocExtension

from unrolled.precompute.documents import dumps
from unrolled.precompute.errors import UnrolledError
from unrolled.precompute.folders import SITE_MARKER, SITE_MARKER_TEXT, check_site_folder
from unrolled.precompute.sources import inside_project, read_text
from unrolled.precompute.lifeline import die_with_parent
from unrolled.precompute.spec import RunSpec, load_specs

from . import assets as asset_mod
from . import own_widgets
from . import vendor
from .citations import CitationExtension, bibliography_for, bibliography_path
from .codeblocks import CodeBlockExtension
from .config import Project
from .csp import policy as csp_policy
from .frontmatter import FrontMatter, parse
from .inline_values import ValueExtension
from .directives import PageNeeds, load_all
from .markdown_ext import OPEN, DirectiveExtension, DirectivePreprocessor
from .js import FrameError, NodeWorker
from .math import KATEX_MARK, MathExtension
from .templating import template_error
from .swap import replace_folder
from .rawhtml import RawHtmlExtension
from .urls import LinkCheckExtension, check_slug

TEMPLATES = Path(__file__).with_name("templates")
PLOT = re.compile(r"<svg\b.*?</svg>", re.S)  # the picture in a first frame, without its controls


class FirstFrame(Exception):
    """Stops a thumbnail pass at the article's first figure drawn by its widget module."""

    def __init__(self, widget: str, frame: str):
        super().__init__(widget)
        self.widget, self.frame = widget, frame


@dataclass
class Page:
    source: Path
    slug: str  # "" for the front page
    meta: FrontMatter
    body: str
    offset: int
    specs: dict[str, RunSpec] = field(default_factory=dict)

    @property
    def out_path(self) -> str:
        return f"{self.slug}/index.html" if self.slug else "index.html"

    @property
    def prefix(self) -> str:
        """Relative path from this page back to the site root."""
        return "../" * self.slug.count("/") + ("../" if self.slug else "")


def discover(project: Project) -> list[Page]:
    root = project.content_dir
    if not root.is_dir():
        raise UnrolledError("content folder not found", file=root, rule="content-missing",
                            hint="create it, or run `unrolled new NAME` to scaffold an article")
    sources = ([root / "index.md"] if (root / "index.md").exists() else []) + sorted(
        path for path in root.glob("*/index.md") if path.parent != project.widgets_dir)  # widgets are no article
    pages = [load_page(project, source) for source in sources]
    if not pages or pages[0].slug:  # every site has a front page listing its articles
        pages.insert(0, Page(root / "index.md", "", FrontMatter(title=project.title, toc=False), "", 0))
    return pages


def load_page(project: Project, source: Path) -> Page:
    """One page: its front matter, body and run specs (`discover` calls this for every page).

    Every file the front matter names must lie inside the project (see `unrolled.precompute.sources`).
    """
    meta, body, offset = parse(read_text(source), source)
    slug = "" if source.parent == project.content_dir else source.parent.name
    if slug:
        check_slug(source.parent)
    page = Page(source, slug, meta, body, offset)
    bib = bibliography_path(source, meta.bibliography)
    if bib is not None:
        inside_project(bib, project.root, what="bibliography", file=source, line=meta.lines.get("bibliography"))
    for entry in meta.runs:
        path = inside_project(source.parent / entry, project.root, what="run spec file", file=source,
                              line=meta.lines.get("runs"))
        for spec in load_specs(path, root=project.root):
            if spec.name in page.specs:
                raise UnrolledError(f"run {spec.name!r} is defined twice for this page", file=spec.source,
                                    line=spec.line, rule="spec-duplicate",
                                    hint=f"it is also in {page.specs[spec.name].source}; rename one")
            page.specs[spec.name] = spec
    return page


def sort_articles(pages: list[Page]) -> list[Page]:
    """The articles (every page but the front page) in reading order."""
    return sorted((p for p in pages if p.slug), key=lambda p: (p.meta.order, p.slug))


class PageContext:
    """What directives see while one page renders: its runs, its data files, its line numbers."""

    def __init__(self, site: "SiteBuild", page: Page):
        self.site, self.page = site, page
        self.source = str(page.source.relative_to(site.project.root))
        self._blocks = 0
        self.widgets: set[str] = set()
        self.needs = PageNeeds()  # filled by the directives as they render
        self.explanations: dict[str, int] = {}
        self.checks: list = []  # callables run with the page's finished HTML (e.g. references to widget ids)
        self.rewrites: list = []  # html -> html, for text known only once the whole page is rendered
        self.lookup = None  # the page's metric lookup (generator/metrics.py), made on first use
        self.data_math = False  # whether a data file of the page holds rendered math (a widget shows it later)
        self.thumbnail_pass = False  # first_frame stops the page at its first figure (SiteBuild.thumbnail)
        self.pending: set = set()  # runs still training that the page shows a notice for (dev server only)

    def body_line(self, index: int) -> int:
        return self.page.offset + index + 1

    def next_block_index(self) -> int:
        self._blocks += 1
        return self._blocks

    def directives(self) -> dict:
        """The directives this page may use: the built-in ones and the project's own widgets."""
        return load_all() | {name: own.directive for name, own in self.site.own_widgets.items()}

    def use_widget(self, name: str) -> None:
        self.widgets.add(name)

    def register_explanation(self, block, key: str) -> None:
        if key in self.explanations:
            raise block.error(f"explanation for {key!r} is already written at line {self.explanations[key]}",
                              rule="explain-duplicate", option="for", hint="keep one {explain} block per part")
        self.explanations[key] = block.line

    def markdown(self, text: str, first_line: int) -> str:
        """Render a directive's Markdown body (math included) with this page's settings."""
        return self.site.markdown_fragment(self, text, first_line)

    def spec(self, block, run: str, option: str = "run") -> RunSpec:
        """The page's spec of `run`; an unknown name is the block's error, on `option`."""
        if run not in self.page.specs:
            known = ", ".join(sorted(self.page.specs)) or "none (no `runs:` in the front matter)"
            raise block.error(f"unknown run {run!r}", rule="ref-run", option=option,
                              hint=f"runs defined for this page: {known}")
        return self.page.specs[run]

    def document(self, block, run: str, kind: str, option: str = "run") -> dict:
        return self.site.document(self.spec(block, run, option), kind, decode=True)

    def raw_document(self, run: str, kind: str) -> dict:
        return self.site.document(self.page.specs[run], kind, decode=False)

    def widget_data(self, payload: dict) -> str:
        path = self.site.add_data(payload)
        self.data_math = self.data_math or KATEX_MARK.replace('"', '\\"').encode() in self.site.files[path]
        return self.page.prefix + path

    def first_frame(self, block, data: dict, options: dict) -> tuple[str, str | None]:
        """The widget's first frame and data table, rendered by its own module (`frame`, `dataTable`)."""
        if self.thumbnail_pass:
            frame, _ = self.site.first_frame(block, data, options, f"thumb-{self.page.slug}")
            raise FirstFrame(block.name, frame)
        return self.site.first_frame(block, data, options)


class SiteBuild:
    def __init__(self, project: Project, *, frozen: bool = False, jobs: int = 1, show_progress: bool = True,
                 strict: bool = False):
        self.project, self.frozen, self.jobs, self.show_progress = project, frozen, jobs, show_progress
        self.strict = strict
        self.warnings: list[UnrolledError] = []
        self.files: dict[str, bytes] = {}
        self.page_needs: dict[str, PageNeeds] = {}  # page out_path -> what its directives asked for
        self._docs: dict[tuple, dict] = {}
        self.js = NodeWorker()
        self._node_imports: dict[str, str] | None = None
        self._own_widgets: dict | None = None
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(str(project.templates_dir)), FileSystemLoader(str(TEMPLATES))]),
            autoescape=select_autoescape(["html"]), undefined=StrictUndefined, keep_trailing_newline=True)

    @property
    def own_widgets(self) -> dict:
        """The project's own widgets (generator/own_widgets.py), read once per build."""
        if self._own_widgets is None:
            self._own_widgets = own_widgets.load(self.project.widgets_dir, own_widgets.taken_names())
        return self._own_widgets

    # -- data -------------------------------------------------------------------------------------
    def ensure_precomputed(self, pages: list[Page]) -> None:
        from unrolled.precompute.runner import precompute, stale

        specs = list({(s.source, s.name): s for p in pages for s in p.specs.values()}.values())
        todo = stale(specs, self.project.cache_dir)
        if not todo:
            return
        if self.frozen:
            names = ", ".join(s.name for s in todo)
            raise UnrolledError(f"precomputed data is stale or missing for: {names}", rule="frozen-stale",
                                hint="run `unrolled precompute` (or build without --frozen)")
        failed = [o for o in precompute(todo, self.project.cache_dir, jobs=self.jobs, show_progress=self.show_progress,
                                        engine=self.project.engine_for(self.jobs)) if o.status == "failed"]
        if failed and failed[0].problem is not None:
            raise failed[0].problem  # the author's mistake, with its own file, line, rule and hint
        if failed:
            raise UnrolledError(f"precompute failed for run {failed[0].name!r}:\n{failed[0].error}",
                                rule="precompute-failed", hint="see the traceback above")

    def document(self, spec: RunSpec, kind: str, decode: bool) -> dict:
        from unrolled.precompute.cache import entry_dir
        from unrolled.precompute.documents import load

        key = (spec.source, spec.name, kind, decode)
        if key not in self._docs:
            self._docs[key] = load(entry_dir(self.project.cache_dir, spec) / f"{kind}.json", decode=decode)
        return self._docs[key]

    def add_data(self, payload: dict) -> str:
        data = dumps(payload)
        path = f"data/{hashlib.sha256(data).hexdigest()[:16]}.json"
        self.files[path] = data
        return path

    def first_frame(self, block, data: dict, options: dict, element_id: str | None = None) -> tuple[str, str | None]:
        from .directives import widget_id

        if self._node_imports is None:
            self._node_imports = self.assets.node_imports()
        try:
            return self.js.frame(block.name, data, options, element_id or widget_id(block), self._node_imports)
        except FrameError as error:
            own = self.own_widgets.get(block.name)
            module = own.module.relative_to(self.project.root) if own else "in site/js/widgets/"
            raise block.error(f"the {{{block.name}}} widget could not draw its first frame:\n{error}",
                              rule="widget-frame", hint=f"fix the widget module {module}") from None

    def thumbnail(self, article: Page) -> tuple[str, str] | None:
        """(widget, SVG) of the article's first figure that its widget module draws (`frame`), for the
        front page: the article's directives run up to that figure, and the same module draws it under
        another element id. None when no figure of the article has a drawn plot."""
        if not any(OPEN.match(line) for line in article.body.split("\n")):
            return None  # no directive at all: nothing to draw, and no parser to set up
        ctx = PageContext(self, article)
        ctx.thumbnail_pass = True
        try:
            DirectivePreprocessor(markdown.Markdown(), ctx).run(article.body.split("\n"))
        except FirstFrame as found:
            plot = PLOT.search(found.frame)
            return (found.widget, plot[0]) if plot else None
        return None

    # -- pages ------------------------------------------------------------------------------------
    def markdown_extensions(self, ctx: PageContext, text: str, offset: int) -> list:
        return [DirectiveExtension(ctx), MathExtension(self.js, ctx.source, text, offset),
                RawHtmlExtension(self.project.raw_html, ctx.source, text, offset),
                LinkCheckExtension(ctx.source, text, offset), ValueExtension(ctx, text, offset),
                "tables", "footnotes", "fenced_code", CodeHiliteExtension(guess_lang=False, css_class="highlight"),
                CodeBlockExtension()]

    def markdown_fragment(self, ctx: PageContext, text: str, first_line: int) -> str:
        return markdown.Markdown(extensions=self.markdown_extensions(ctx, text, first_line - 1)).convert(text)

    def render_markdown(self, page: Page) -> tuple[str, str, PageContext]:
        ctx = PageContext(self, page)
        bib = bibliography_for(page.source, ctx.source, page.meta.bibliography)
        md = markdown.Markdown(extensions=self.markdown_extensions(ctx, page.body, page.offset) + [
            CitationExtension(bib, page.body, page.offset),
            TocExtension(permalink="#", permalink_title="Link to this section", toc_depth="2-3")])
        html = md.convert(page.body) + bib.html()
        for rewrite in ctx.rewrites:
            html = rewrite(html)
        for check in ctx.checks if not ctx.pending else ():  # a page waiting for a run is checked once it lands
            check(html)
        return html, md.toc, ctx

    def render_page(self, page: Page, articles: list[Page], assets: asset_mod.Assets) -> bytes:
        """The page's HTML; a mistake in a project template is reported at that template's file and line."""
        try:
            return self._render_page(page, articles, assets)
        except Exception as exc:  # noqa: BLE001 - only errors raised on a template's line are translated
            error = template_error(exc, self.project.root)
            if error is None:
                raise
            raise error from None

    def _render_page(self, page: Page, articles: list[Page], assets: asset_mod.Assets) -> bytes:
        html, toc, ctx = self.render_markdown(page)
        math = [asset_mod.MATH_CSS] if KATEX_MARK in html or ctx.data_math else []
        styles = math + ["css/unrolled.css"] + [f"css/{name}.css" for name in sorted(ctx.widgets)
                                                if f"css/{name}.css" in assets.urls]
        index = articles.index(page) if page in articles else -1
        nav = {"prev": articles[index - 1] if index > 0 else None,
               "next": articles[index + 1] if 0 <= index < len(articles) - 1 else None}
        thumbnails = {a.slug: self.thumbnail(a) for a in articles} if not page.slug else {}
        styles += sorted(({f"css/{t[0]}.css" for t in thumbnails.values() if t} & set(assets.urls)) - set(styles))
        template = self.env.get_template("index.html" if not page.slug else "article.html")
        # "./" on the root page: a map value must be a URL, never a bare specifier like "assets/…"
        import_map = asset_mod.script_json(assets.import_map(page.prefix or "./"))
        self.page_needs[page.out_path] = ctx.needs
        packages = vendor.runtime(self.project).packages_url if ctx.needs.python else None
        text = template.render(site={"title": self.project.title}, page=page, meta=page.meta, content=html,
                               toc=toc if page.meta.toc else "", articles=articles, nav=nav, prefix=page.prefix,
                               thumbnails={slug: t for slug, t in thumbnails.items() if t},
                               styles=[assets.url(path, page.prefix) for path in styles],
                               page_js=assets.url("js/page.js", page.prefix),
                               import_map=import_map, csp=csp_policy([import_map], packages))
        return text.encode("utf-8")

    def run(self) -> dict[str, bytes]:
        check_site_folder(self.project.out_dir)  # refuse a foreign output folder before any training
        own = self.own_widgets  # a mistake in a widget's spec stops the build before any training
        pages = [p for p in discover(self.project) if not p.meta.draft]
        self.ensure_precomputed(pages)
        articles = sort_articles(pages)
        assets = asset_mod.collect()
        own_widgets.add_assets(assets, own)
        self.pages, self.articles, self.assets = pages, articles, assets  # kept for incremental rebuilds
        self.files.update(assets.files)
        self.files[SITE_MARKER] = SITE_MARKER_TEXT  # lets the next build know this folder is its to replace
        if self.jobs > 1 and len(pages) >= PARALLEL_MIN_PAGES and "fork" in mp.get_all_start_methods():
            self.render_parallel(pages)
        else:
            self.files.update(self.render_pages(range(len(pages))))
        if self.needs_python(p.out_path for p in pages):
            self.files.update(vendor.runtime(self.project).files())  # Pyodide core + the site's Python packages
        self.check(pages)
        return self.files

    def needs_python(self, out_paths) -> bool:
        """Whether any of these rendered pages has a {pyodide} cell (then the site ships the runtime)."""
        return any(self.page_needs[out].python for out in out_paths)

    def render_pages(self, indices) -> dict[str, bytes]:
        """Render some of `self.pages`; returns their HTML plus the data files they reference."""
        before = set(self.files)
        try:
            for i in indices:
                page = self.pages[i]
                self.files[page.out_path] = self.render_page(page, self.articles, self.assets)
        finally:
            self.js.close()
        return {k: v for k, v in self.files.items() if k not in before}

    def render_parallel(self, pages: list[Page]) -> None:
        """Pages are independent: forked workers inherit the loaded pages, documents and assets, and send
        back each page's files and needs."""
        global _FORKED
        _FORKED = self
        chunks = [range(i, len(pages), self.jobs * 4) for i in range(self.jobs * 4)]
        try:
            with ProcessPoolExecutor(self.jobs, mp_context=mp.get_context("fork"), initializer=die_with_parent,
                                     initargs=(os.getpid(),)) as pool:
                for part, needs in pool.map(_render_forked, chunks):
                    self.files.update(part)
                    self.page_needs.update(needs)
        finally:
            _FORKED = None

    def check(self, pages: list[Page]) -> None:
        """Site-wide checks: broken internal links warn, or fail the build under --strict."""
        from .report import check_links

        sources = {p.out_path: (str(p.source.relative_to(self.project.root)), p.body, p.offset)
                   for p in pages}
        self.warnings = check_links(self.files, sources)
        if self.strict and self.warnings:
            raise self.warnings[0]


_FORKED: SiteBuild | None = None
PARALLEL_MIN_PAGES = 64  # below this, starting worker processes costs more than it saves


def _render_forked(indices) -> tuple[dict[str, bytes], dict[str, PageNeeds]]:
    files = _FORKED.render_pages(indices)
    return files, {_FORKED.pages[i].out_path: _FORKED.page_needs[_FORKED.pages[i].out_path] for i in indices}


def write_site(files: dict[str, bytes], out_dir: Path) -> None:
    """The whole site written beside `out_dir`, then swapped in (`unrolled.generator.swap`). A folder the build
    did not make (no marker, not empty) is refused before anything is written."""
    check_site_folder(Path(out_dir))

    def fill(tree: Path) -> None:
        for folder in sorted({(tree / rel).parent for rel in files}):
            folder.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(4) as pool:  # file writes release the GIL
            list(pool.map(lambda item: (tree / item[0]).write_bytes(item[1]), sorted(files.items())))

    replace_folder(Path(out_dir), fill)


def build(project: Project, *, frozen: bool = False, jobs: int = 1, show_progress: bool = True,
          strict: bool = False, warn=None) -> dict[str, bytes]:
    """Build the site; `warn(error)` hears each warning (broken links) when not `strict`."""
    site = SiteBuild(project, frozen=frozen, jobs=jobs, show_progress=show_progress, strict=strict)
    files = site.run()
    for warning in site.warnings:
        (warn or (lambda w: None))(warning)
    write_site(files, project.out_dir)
    return files
