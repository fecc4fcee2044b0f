"""Raw HTML that authors write in Markdown: sanitised (the default), kept (`trusted`) or refused.

Python-Markdown takes raw HTML out of the text into `md.htmlStash` while it parses and puts it back at
the end; the generator's own output (directives, highlighted code) travels through the same stash. This
extension records which stash entries came from the author (the `html_block` preprocessor and the
`html` inline pattern) and applies the project's policy (`[site] raw_html`) to those only, just before
they are put back, so widgets and math are never touched.

`sanitize` keeps the allowlist below (through nh3, i.e. Ammonia) and drops everything else, scripts with
their content; a link or image target with an unsafe scheme is an error, as in Markdown links.
`refuse` makes any raw HTML but comments an error. `trusted` keeps it as written; the page's
Content-Security-Policy still applies (see `csp.py`).
"""
from __future__ import annotations

import re
import secrets
from functools import lru_cache
from html.parser import HTMLParser

import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import HTML_RE, HtmlInlineProcessor
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import HtmlBlockPreprocessor
from markdown.util import HTML_PLACEHOLDER, HTML_PLACEHOLDER_RE

from unrolled.precompute.errors import UnrolledError, line_of

from .urls import check_url

TAGS = frozenset({
    "a", "abbr", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
    "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s",
    "samp", "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "time", "tr", "u", "ul", "var", "wbr"})
ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href"}, "img": {"src", "alt", "width", "height", "loading"}, "details": {"open"},
    "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"}, "col": {"span"}, "colgroup": {"span"},
    "ol": {"start", "reversed", "type"}, "li": {"value"}, "time": {"datetime"},
    "blockquote": {"cite"}, "q": {"cite"}, "del": {"cite", "datetime"}, "ins": {"cite", "datetime"},
}
URL_ATTRIBUTES = {"href", "src", "cite"}
VOID = frozenset({"br", "col", "hr", "img", "wbr"})
OPEN_TAG = re.compile(r"^<([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>$", re.S)
CLOSE_TAG = re.compile(r"^</([a-zA-Z][a-zA-Z0-9-]*)\s*>$")
COMMENT = re.compile(r"^\s*<!--.*-->\s*$", re.S)


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    """nh3 with the allowlist, built once. URL schemes are checked before (`urls.py`); this is a backstop."""
    return nh3.Cleaner(tags=set(TAGS), attributes={k: set(v) for k, v in ATTRIBUTES.items()},
                       url_schemes={"http", "https", "mailto", "data"}, link_rel=None, strip_comments=True,
                       clean_content_tags={"script", "style"})


class _Parts(HTMLParser):
    """Start tags (name, attributes) and text of an HTML fragment, entities decoded."""

    def __init__(self, fragment: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list]] = []
        self.text: list[str] = []
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


class RawHtmlPolicy:
    """The policy of one Markdown conversion, and the stash entries it applies to."""

    def __init__(self, mode: str, source: str, text: str, offset: int):
        self.mode, self.source, self.text, self.offset = mode, source, text, offset
        self.author: set[int] = set()

    def line(self, fragment: str) -> int | None:
        first = fragment.strip().splitlines()[0] if fragment.strip() else ""
        tag = OPEN_TAG.match(first) or CLOSE_TAG.match(first)
        return line_of(self.text, first, self.offset) or (
            line_of(self.text.lower(), "<" + tag[1].lower(), self.offset) if tag else None)

    def apply(self, fragment: str) -> str:
        if self.mode == "trusted":
            return fragment
        if COMMENT.match(fragment):
            return ""
        if self.mode == "refuse":
            excerpt = fragment.strip().splitlines()[0][:60]
            raise UnrolledError(f"raw HTML is not allowed in this project: {excerpt}", file=self.source,
                                line=self.line(fragment), rule="raw-html",
                                hint="write it in Markdown, or set raw_html = \"sanitize\" (or \"trusted\") in the "
                                "[site] table of unrolled.toml")
        return self.sanitize(fragment)

    def sanitize(self, fragment: str) -> str:
        for tag, attrs in _Parts(fragment).tags:
            for name, value in attrs:
                if name in URL_ATTRIBUTES and value is not None:
                    check_url(value, image=tag == "img", file=self.source, line=self.line(fragment))
        close = CLOSE_TAG.match(fragment)
        if close:  # a lone end tag (inline HTML comes tag by tag)
            return f"</{close[1].lower()}>" if close[1].lower() in TAGS else ""
        # Directive output inside an HTML block is a stash placeholder, whose control characters nh3 would
        # drop: it crosses as a token the author cannot guess.
        nonce = secrets.token_hex(8)
        token = re.compile(f"unrolled{nonce}x([0-9]+)x")
        protected = HTML_PLACEHOLDER_RE.sub(lambda m: f"unrolled{nonce}x{m[1]}x", fragment)
        clean = _cleaner().clean(protected)
        if len(token.findall("".join(_Parts(clean).text))) != len(token.findall(clean)):
            raise UnrolledError("a directive sits inside an HTML tag", file=self.source, line=self.line(fragment),
                                rule="raw-html", hint="put directives between HTML elements, never in an attribute")
        opened = OPEN_TAG.match(fragment)
        if opened and opened[1].lower() not in VOID and clean.endswith(f"</{opened[1].lower()}>"):
            clean = clean[:-len(opened[1]) - 3]  # a lone start tag: its end tag comes as another fragment
        return token.sub(lambda m: HTML_PLACEHOLDER % m[1], clean)


class AuthorBlocks(HtmlBlockPreprocessor):
    """Python-Markdown's raw-HTML block finder, recording which stash entries it made."""

    def __init__(self, md, policy: RawHtmlPolicy):
        super().__init__(md)
        self.policy = policy

    def run(self, lines):
        start = self.md.htmlStash.html_counter
        out = super().run(lines)
        self.policy.author.update(range(start, self.md.htmlStash.html_counter))
        return out


class AuthorInline(HtmlInlineProcessor):
    """Python-Markdown's inline raw-HTML pattern, recording which stash entries it made."""

    def __init__(self, md, policy: RawHtmlPolicy):
        super().__init__(HTML_RE, md)
        self.policy = policy

    def handleMatch(self, m, data):  # noqa: N802 - Python-Markdown's API name
        start = self.md.htmlStash.html_counter
        result = super().handleMatch(m, data)
        self.policy.author.update(range(start, self.md.htmlStash.html_counter))
        return result


class ApplyPolicy(Postprocessor):
    """Rewrites the author's stash entries, before `raw_html` (30) puts the stash back.

    Postprocessors also run on the table of contents, earlier: each entry is rewritten once only."""

    def __init__(self, md, policy: RawHtmlPolicy):
        super().__init__(md)
        self.policy = policy
        self.done: set[int] = set()

    def run(self, text):
        blocks = self.md.htmlStash.rawHtmlBlocks
        for index in sorted(self.policy.author):
            if index not in self.done:
                blocks[index] = self.policy.apply(str(blocks[index]))
                self.done.add(index)
            if not blocks[index].strip():  # nothing left: no empty paragraph either
                text = text.replace(f"<p>{HTML_PLACEHOLDER % index}</p>", "")
        return text


class RawHtmlExtension(Extension):
    def __init__(self, mode: str, source: str, text: str, offset: int):
        super().__init__()
        self.policy = RawHtmlPolicy(mode, source, text, offset)

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        md.preprocessors.register(AuthorBlocks(md, self.policy), "html_block", 20)
        md.inlinePatterns.register(AuthorInline(md, self.policy), "html", 90)
        md.postprocessors.register(ApplyPolicy(md, self.policy), "unrolled_raw_html", 35)
