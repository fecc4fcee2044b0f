"""Inline values: ``{val}`sine.loss.validation[20]:.3f` `` in prose becomes the run's number, at build time.

The text after `{val}` is an ordinary code span, so Python-Markdown's backtick rule finds it first (and a
`{val}` shown inside a code span or math stays text); this processor then replaces `{val}` plus the code
span it is glued to. The span holds an expression of generator/expressions.py and, after the last `:`, an
optional Python format spec (default `.3g`, integers `d`). Minus signs are typeset as U+2212.
"""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree

from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.util import INLINE_PLACEHOLDER_PREFIX, ETX

from unrolled.precompute.errors import UnrolledError

from .expressions import HINT, ExpressionError, parse
from .metrics import page_lookup
from .placeholders import RunPending, inline_notice

ROLE = "{val}"
PATTERN = r"(?<!\\)\{val\}" + re.escape(INLINE_PLACEHOLDER_PREFIX) + r"(\d+)" + re.escape(ETX)
CAPTION = re.compile(r"\{val\}`([^`]+)`")  # in captions (plain text, no Markdown)
FORMAT = re.compile(r"^[<>=^]?[+ ]?#?0?\d*[,_]?(\.\d+)?[eEfFgGd%]?$")
MINUS = "\u2212"


def split(text: str) -> tuple[str, str]:
    """`expression:format` -> (expression, format); the language has no `:` of its own."""
    expression, colon, fmt = text.rpartition(":")
    return (expression, fmt.strip()) if colon else (text, "")


def format_value(value, fmt: str = "") -> str:
    """The number as the reader sees it: Python's format spec, with a real minus sign."""
    if isinstance(value, bool):
        raise ValueError("a claim (true or false) is not a value; use {claim} to check it")
    if not FORMAT.match(fmt):
        raise ValueError(f"{fmt!r} is not a number format")
    if not fmt:
        fmt = "d" if isinstance(value, int) else ".3g"
    if fmt.endswith("d") and isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"format {fmt!r} is for whole numbers, and the value is {value!r}")
        value = int(value)
    return format(value, fmt).replace("-", MINUS)


def value_html(text: str, lookup, *, file: str, line: int | None) -> str:
    """Evaluate `expression[:format]` against the page's runs and return the <data> element."""
    expression, fmt = split(html.unescape(text))
    try:
        parsed = parse(expression)
    except ExpressionError as exc:
        raise UnrolledError(f"{{val}}`{text}`: {exc}", file=file, line=line, rule="value-syntax", hint=HINT) from None
    if not parsed.refs:
        raise UnrolledError(f"{{val}}`{text}` names no run metric", file=file, line=line, rule="value-syntax",
                            hint="numbers about a model come from its run, e.g. {val}`sine.loss.final:.3f`")
    values = {name: lookup.value(ref, file=file, line=line) for name, ref in parsed.refs.items()}
    try:
        value = parsed.evaluate(values)
        shown = format_value(value, fmt)
    except (ExpressionError, ValueError) as exc:
        raise UnrolledError(f"{{val}}`{text}`: {exc}", file=file, line=line, rule="value-format",
                            hint="write a Python format spec after the last ':', e.g. :.3f, :.2e, :.0%, :d") from None
    return f'<data class="value" value="{value!r}">{html.escape(shown)}</data>'


def expand_caption(caption_html: str, ctx, *, file: str, line: int | None) -> str:
    """Inline values in a figure caption (escaped plain text)."""
    if ROLE not in caption_html:
        return caption_html
    lookup = page_lookup(ctx)
    return CAPTION.sub(lambda m: value_html(m.group(1), lookup, file=file, line=line), caption_html)


class ValueProcessor(InlineProcessor):
    def __init__(self, md, ctx, text: str, offset: int):
        super().__init__(PATTERN, md)
        self.ctx, self.text, self.offset = ctx, text, offset

    def line_of(self, code: str) -> int | None:
        found = re.search(r"\{val\}`+\s*" + re.escape(code), self.text)
        return self.offset + self.text.count("\n", 0, found.start()) + 1 if found else None

    def handleMatch(self, m, data):  # noqa: N802 - Python-Markdown's API name
        node = self.md.treeprocessors["inline"].stashed_nodes.get(m.group(1))
        if not isinstance(node, etree.Element) or node.tag != "code":
            return None, None, None
        code = html.unescape(node.text or "")
        try:
            markup = value_html(code, page_lookup(self.ctx), file=self.ctx.source, line=self.line_of(code))
        except RunPending as pending:  # only in the dev server, while the run trains
            markup = inline_notice(self.ctx, pending)
        return self.md.htmlStash.store(markup), m.start(0), m.end(0)


class ValueExtension(Extension):
    """`{val}` before a code span: registered below the backtick (190) and math (189.9) rules."""

    def __init__(self, ctx, text: str, offset: int):
        super().__init__()
        self.ctx, self.text, self.offset = ctx, text, offset

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        md.inlinePatterns.register(ValueProcessor(md, self.ctx, self.text, self.offset), "unrolled_value", 185)
