"""Citations: `[@key]` (or `[@a; @b]`) in Markdown, resolved against the article's BibTeX file and
numbered in order of first use, with a formatted reference list at the end of the article.

pybtex parses the BibTeX and formats entries (its "plain" style, HTML backend, with link targets
escaped: pybtex puts them into `href` as they are). A cited entry's `url` must pass the link rule of
`urls.py`.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from functools import lru_cache
from pathlib import Path

from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from unrolled.precompute.errors import UnrolledError, line_of

from .urls import check_url, unsafe_scheme

PATTERN = r"\[(@[\w:.-]+(?:\s*;\s*@[\w:.-]+)*)\]"


class Bibliography:
    """The entries of one BibTeX file and the order in which a page cites them."""

    def __init__(self, path: Path | None, source: str):
        self.path, self.source = path, source
        self.entries = {}
        self.order: list[str] = []
        if path is not None:
            stat = path.stat()
            try:
                self.entries = _parse(str(path), stat.st_mtime_ns, stat.st_size)
            except Exception as exc:  # noqa: BLE001 - pybtex raises several kinds
                raise UnrolledError(f"cannot read the bibliography: {exc}", file=path, rule="cite-bibtex",
                                    hint="fix the BibTeX syntax") from None

    def number(self, key: str, line: int | None) -> int:
        if key not in self.entries:
            where = f"{self.path.name}" if self.path else "no bibliography file"
            raise UnrolledError(f"unknown citation key {key!r} ({where})", file=self.source, line=line,
                                rule="cite-unknown", hint="add the entry to references.bib next to the article, "
                                "or fix the key" + (f"; keys: {', '.join(sorted(self.entries))}" if self.entries else ""))
        if key not in self.order:
            self.check_url(key)
            self.order.append(key)
        return self.order.index(key) + 1

    def check_url(self, key: str) -> None:
        url = self.entries[key].fields.get("url")
        if url is not None and unsafe_scheme(url):
            check_url(url, image=False, file=self.path,
                      line=line_of(self.path.read_text(encoding="utf-8"), url))

    def html(self) -> str:
        if not self.order:
            return ""
        from pybtex.database import BibliographyData

        style, backend = _formatter()
        data = BibliographyData({k: self.entries[k] for k in self.order})
        formatted = {e.key: e.text.render(backend) for e in style.format_entries(data.entries.values())}
        items = "".join(f'<li id="ref-{k}">{formatted[k]}</li>' for k in self.order)
        return f'<section class="references"><h2 id="references">References</h2><ol>{items}</ol></section>'


@lru_cache(maxsize=64)
def _parse(path: str, mtime_ns: int, size: int):
    """Parsed entries of a .bib file, reused until the file changes (the dev server re-renders often)."""
    from pybtex.database import parse_file

    return parse_file(path, "bibtex").entries


@lru_cache(maxsize=1)
def _formatter():
    """pybtex's plain style and HTML backend: created once, since each creation scans plugin entry points."""
    from html import escape

    from pybtex.backends.html import Backend
    from pybtex.style.formatting.plain import Style

    class EscapedLinks(Backend):
        def format_href(self, url, text, external=False):
            return super().format_href(escape(url, quote=True), text, external)

    return Style(), EscapedLinks()


class CitationProcessor(InlineProcessor):
    def __init__(self, bib: Bibliography, text: str, offset: int):
        super().__init__(PATTERN)
        self.bib, self.text, self.offset = bib, text, offset

    def handleMatch(self, m, data):  # noqa: N802 - Python-Markdown's API name
        keys = [k.strip()[1:] for k in m.group(1).split(";")]
        line = line_of(self.text, m.group(0), self.offset)
        span = etree.Element("span", {"class": "citation"})
        span.text = "["
        for i, key in enumerate(keys):
            link = etree.SubElement(span, "a", {"href": f"#ref-{key}", "class": "cite"})
            link.text = str(self.bib.number(key, line))
            link.tail = ", " if i < len(keys) - 1 else "]"
        return span, m.start(0), m.end(0)


class CitationExtension(Extension):
    def __init__(self, bib: Bibliography, text: str, offset: int):
        super().__init__()
        self.bib, self.text, self.offset = bib, text, offset

    def extendMarkdown(self, md):  # noqa: N802
        md.inlinePatterns.register(CitationProcessor(self.bib, self.text, self.offset), "unrolled_cite", 175)


def bibliography_path(page_source: Path, name: str | None) -> Path | None:
    """The file `bibliography:` names, or `references.bib` beside the article when present."""
    path = page_source.parent / (name or "references.bib")
    return path if name or path.exists() else None


def bibliography_for(page_source: Path, source_label: str, name: str | None) -> Bibliography:
    """The article's bibliography (see `bibliography_path`); a named file must exist."""
    path = bibliography_path(page_source, name)
    if path is not None and not path.exists():
        raise UnrolledError(f"bibliography file {name!r} not found", file=source_label, rule="cite-bibtex",
                            hint="put the .bib file next to index.md, or fix `bibliography:`")
    return Bibliography(path, source_label)
