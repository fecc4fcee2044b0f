"""After a build: what each page weighs (HTML, CSS, scripts, data; raw and gzip) and whether every
internal link and fragment resolves. Broken links are warnings, errors under `--strict`.
"""
from __future__ import annotations

import gzip
import html
import posixpath
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from unrolled.precompute.errors import UnrolledError, line_of

ATTR = re.compile(r"""\s(href|id)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
IMPORT = re.compile(r"""(?:import|from)\s*\(?\s*['"](unrolled/[^'"]+)['"]""")


class _Refs(HTMLParser):
    """Collects link targets, element ids and stylesheet/script/data references of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self.data: list[str] = []
        self.widgets: set[str] = set()
        self.import_map = False
        self.map_text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "link" and a.get("rel") == "stylesheet":
            self.styles.append(a["href"])
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        if tag == "script" and a.get("type") == "importmap":
            self.import_map = True
        if a.get("data-src"):
            self.data.append(a["data-src"])
        if a.get("data-widget"):
            self.widgets.add(a["data-widget"])

    def handle_data(self, data):
        if self.import_map:
            self.map_text += data

    def handle_endtag(self, tag):
        if tag == "script":
            self.import_map = False


def parse(html: str) -> _Refs:
    refs = _Refs()
    refs.feed(html)
    return refs


def resolve(page_path: str, url: str) -> str:
    base = posixpath.dirname(page_path)
    return posixpath.normpath(posixpath.join(base, unquote(url))).lstrip("/")


@dataclass
class Weight:
    page: str
    html: int
    css: int
    js: int
    data: int
    gzip_total: int

    @property
    def total(self) -> int:
        return self.html + self.css + self.js + self.data


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, mtime=0))


def page_weights(files: dict[str, bytes]) -> list[Weight]:
    """Bytes a reader downloads for each page before running any Python (modules followed by import)."""
    import json

    rows = []
    for path in sorted(p for p in files if p.endswith(".html")):
        html = files[path]
        refs = parse(html.decode("utf-8"))
        mapping = json.loads(refs.map_text or '{"imports": {}}')["imports"]
        css = [resolve(path, h) for h in refs.styles]
        roots = [resolve(path, s) for s in refs.scripts]
        roots += [resolve(path, mapping[f"unrolled/widgets/{w}.js"]) for w in sorted(refs.widgets)
                  if f"unrolled/widgets/{w}.js" in mapping]
        js, todo = set(), list(roots)
        while todo:
            module = todo.pop()
            if module in js or module not in files:
                continue
            js.add(module)
            for spec in IMPORT.findall(files[module].decode("utf-8")):
                if spec in mapping and "/dev/" not in spec:
                    todo.append(resolve(path, mapping[spec]))
        data = [resolve(path, d) for d in refs.data]
        parts = [html] + [files[p] for p in css + sorted(js) + data if p in files]
        rows.append(Weight(path, len(html), sum(len(files.get(p, b"")) for p in css),
                           sum(len(files[p]) for p in js), sum(len(files.get(p, b"")) for p in data),
                           sum(_gz(b) for b in parts)))
    return rows


def _target(files: dict[str, bytes], page: str, url_path: str) -> str | None:
    """The built file a relative URL path reaches from `page` (folders mean their index.html)."""
    if not url_path:
        return page
    target = resolve(page, url_path)
    target = "" if target == "." else target
    for candidate in (target, posixpath.join(target, "index.html")):
        if candidate in files:
            return candidate
    return None


def check_links(files: dict[str, bytes], sources: dict[str, tuple[str, str, int]]) -> list[UnrolledError]:
    """Every relative link must reach a built file, and every #fragment an element id.

    `sources` maps an output page to (its Markdown source, its body text, the body's line offset).
    """
    ids, links = {}, {}
    for path in (p for p in files if p.endswith(".html")):
        found = ATTR.findall(files[path].decode("utf-8"))
        ids[path] = {html.unescape(a or b) for kind, a, b in found if kind == "id"}
        links[path] = [html.unescape(a or b) for kind, a, b in found if kind == "href"]
    problems = []
    for path in sorted(ids):
        for href in links[path]:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "data:")):
                continue
            target = _target(files, path, parts.path)
            missing = target is None
            if not missing and parts.fragment and unquote(parts.fragment) not in ids.get(target, set()):
                missing = True
            if missing:
                source, text, offset = sources.get(path, (path, "", 0))
                line = line_of(text, f"]({href}", offset)
                problems.append(UnrolledError(f"broken internal link {href!r}: nothing at that address in the site",
                                              file=source, line=line, rule="link-broken",
                                              hint="fix the path (links are relative to the page's folder) "
                                              "or the heading anchor"))
    return problems


def format_weights(rows: list[Weight]) -> str:
    kb = lambda n: f"{n / 1024:7.1f}"  # noqa: E731
    lines = [f"{'page':40} {'html':>7} {'css':>7} {'js':>7} {'data':>7} {'total':>7} {'gzip':>7}  (KiB)"]
    for r in rows:
        lines.append(f"{r.page:40} {kb(r.html)} {kb(r.css)} {kb(r.js)} {kb(r.data)} {kb(r.total)} {kb(r.gzip_total)}")
    return "\n".join(lines)
