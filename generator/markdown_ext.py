"""Python-Markdown extension that turns ```{name} fenced blocks into widgets.

It runs before the ordinary fenced-code preprocessor, so no directive can slip through as a code block.
Option lines (`key: value`) open the block; after a blank line comes the body, for directives that take one.

Fences follow CommonMark: a block closes at a bare fence of the same character at least as long as the
one that opened it. In a Markdown body, a fence opens a nested code block whose own closing fence does
not end the directive; a bare fence as long as the directive's closes it, so a body holding bare ```
blocks needs a longer outer fence (````{explain}), as in MyST. A fence that is never closed is an error
rather than a stray line of backticks in the page.

A block may be indented by up to three spaces (inside a list item); four make an indented code block.
"""
from __future__ import annotations

import re

from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from .directives import REQUIRED, Block, PageNeeds, load_all
from .placeholders import RunPending, block_notice
from unrolled.precompute.errors import UnrolledError

OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*\{(?P<name>[^}\s]*)\}\s*(?P<rest>.*)$")
CODE_FENCE = re.compile(r"^\s{0,3}(?P<fence>`{3,}|~{3,})(?!.*\{)")
FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
OPTION = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*?)\s*$")


class DirectivePreprocessor(Preprocessor):
    def __init__(self, md, ctx):
        super().__init__(md)
        self.ctx = ctx

    def run(self, lines: list[str]) -> list[str]:
        registry = self.ctx.directives()
        out: list[str] = []
        for text, block, indent in self.scan(lines):
            if block is None:
                out.extend(text)
                continue
            directive = registry[block.name]
            if directive.record is not None:
                directive.record(block, self.ctx.needs)
            try:
                html = directive.render(block, self.ctx)
            except RunPending as pending:  # only in the dev server, while the run trains
                if self.ctx.thumbnail_pass:
                    raise
                html = block_notice(self.ctx, block, pending)
            if html:  # a directive that shows nothing (a {claim}) leaves no empty paragraph
                out.extend(["", indent + self.md.htmlStash.store(html), ""])
        return out

    def scan(self, lines: list[str]):
        """The page's lines in order, as (lines, None, "") for ordinary text and code blocks and as
        (None, block, indent) for each directive, parsed and checked against its spec, not rendered.
        Lazy: a block is parsed only once everything before it is handled."""
        registry = self.ctx.directives()
        i = 0
        while i < len(lines):
            match = OPEN.match(lines[i])
            if not match:
                code = CODE_FENCE.match(lines[i])
                end = self.code_block_end(lines, i, code["fence"]) if code else i
                if end is None:
                    raise UnrolledError(f"code fence {code['fence']} is never closed", file=self.ctx.source,
                                        line=self.ctx.body_line(i), rule="fence-unclosed",
                                        hint=f"close the code block with a line `{code['fence']}`; if the fence "
                                             "was meant to end a directive above, give that directive a longer "
                                             "outer fence (````{name} ... ````) than the code blocks inside it")
                yield lines[i:end + 1], None, ""  # an ordinary code block: directives shown inside stay text
                i = end + 1
                continue
            line_no = self.ctx.body_line(i)
            fence = match["fence"]
            name = match["name"]
            if name not in registry:
                raise UnrolledError(f"unknown directive {{{name}}}", file=self.ctx.source, line=line_no,
                                    rule="directive-unknown", hint="known directives: "
                                    + ", ".join("{" + n + "}" for n in sorted(registry)))
            end = self.directive_end(lines, i, fence, nested=registry[name].body == "markdown")
            if end is None:
                raise UnrolledError(f"directive {{{name}}} is never closed", file=self.ctx.source,
                                    line=line_no, rule="directive-unclosed", hint=f"end the block with a line `{fence}`")
            if match["rest"]:
                raise UnrolledError(f"unexpected text after {{{name}}}: {match['rest']!r}", file=self.ctx.source,
                                    line=line_no, rule="directive-syntax",
                                    hint="put options on their own lines inside the block, as `key: value`")
            indent = match["indent"]  # a directive inside a list item: its lines lose the item's indent
            inner = [text[len(indent):] if text.startswith(indent) else text.lstrip(" ") for text in lines[i + 1:end]]
            yield None, self.parse_block(registry[name], inner, i), indent
            i = end + 1

    @staticmethod
    def code_block_end(lines: list[str], start: int, fence: str) -> int | None:
        """Index of the line closing the code block opened at `start`; None when nothing closes it."""
        return next((j for j in range(start + 1, len(lines)) if closes(lines[j], fence)), None)

    @staticmethod
    def directive_end(lines: list[str], start: int, fence: str, nested: bool) -> int | None:
        """Index of the line closing the directive opened at `start`, skipping code blocks nested in a
        Markdown body; None when nothing closes it."""
        inner = None  # the fence of the nested code block being skipped
        for j in range(start + 1, len(lines)):
            if inner is not None:
                inner = None if closes(lines[j], inner) else inner
            elif closes(lines[j], fence):
                return j
            elif nested and (found := fence_at(lines[j])):
                inner = found[0]
        return None

    def parse_block(self, directive, inner: list[str], open_index: int) -> Block:
        block = Block(directive.name, {}, "", self.ctx.source, self.ctx.body_line(open_index),
                      index=self.ctx.next_block_index())
        raw, body_start = {}, len(inner)
        for k, text in enumerate(inner):
            if not text.strip():
                body_start = k + 1
                break
            match = OPTION.match(text)
            if not match:
                body_start = k
                break
            key = match["key"]
            line_no = self.ctx.body_line(open_index + 1 + k)
            if key in raw:
                raise UnrolledError(f"option {key!r} given twice in {{{directive.name}}}", file=self.ctx.source,
                                    line=line_no, rule="option-duplicate", hint="keep one of the two lines")
            raw[key] = match["value"]
            block.option_lines[key] = line_no
        body = "\n".join(inner[body_start:]).strip("\n")
        leading = next((n for n, text in enumerate(inner[body_start:]) if text), 0)  # empty lines stripped above
        block.body_line = self.ctx.body_line(open_index + 1 + body_start + leading)
        if body and directive.body == "none":
            raise block.error(f"{{{directive.name}}} takes no body, but found {inner[body_start]!r}",
                              rule="directive-body", hint="option lines look like `key: value`; remove other text")
        block.body = body
        for key, text in raw.items():
            spec = directive.options.get(key)
            if spec is None:
                raise block.error(f"unknown option {key!r} for {{{directive.name}}}", rule="option-unknown",
                                  option=key, hint="known options: " + ", ".join(directive.options))
            try:
                value = spec.parse(text)
            except ValueError:
                raise block.error(f"option {key!r} expects {spec.describe()}, got {text!r}", rule="option-type",
                                  option=key, hint=f"write `{key}: ` followed by {spec.describe()}") from None
            if spec.choices and value not in spec.choices:
                raise block.error(f"option {key!r} must be {spec.describe()}, got {text!r}", rule="option-choice",
                                  option=key, hint=f"use {spec.describe()}")
            block.options[key] = value
        for key, spec in directive.options.items():
            if key not in block.options:
                if spec.default is REQUIRED:
                    raise block.error(f"{{{directive.name}}} needs option {key!r}", rule="option-missing",
                                      hint=f"add a line `{key}: ...` ({spec.doc or spec.describe()})")
                block.options[key] = spec.default
        return block


def fence_at(line: str) -> tuple[str, str] | None:
    """(fence, info string) when the line is a code fence; a backtick fence's info has no backtick."""
    found = FENCE.match(line)
    if not found or (found["fence"][0] == "`" and "`" in found["info"]):
        return None
    return found["fence"], found["info"].strip()


def closes(line: str, fence: str) -> bool:
    """A bare fence of the same character, at least as long (CommonMark's closing fence)."""
    found = fence_at(line)
    return bool(found and found[0][0] == fence[0] and len(found[0]) >= len(fence) and not found[1])


class SourceOnly:
    """A page body's place in its file: what reading its directives without rendering them needs."""

    def __init__(self, source: str, offset: int, directives: dict):
        self.source, self.offset, self._blocks = source, offset, 0
        self.needs = PageNeeds()
        self._directives = directives

    def directives(self) -> dict:
        return self._directives

    def body_line(self, index: int) -> int:
        return self.offset + index + 1

    def next_block_index(self) -> int:
        self._blocks += 1
        return self._blocks


def page_needs(body: str, source: str, offset: int = 0, directives: dict | None = None) -> PageNeeds:
    """What a page's directives ask of the site, from their options alone (nothing renders, no run data
    is read): how `unrolled vendor-pyodide` learns the cells' packages before the site can build."""
    registry = directives or load_all()  # the built-in ones, and the project's own widgets if given
    ctx = SourceOnly(source, offset, registry)
    for _, block, _ in DirectivePreprocessor(None, ctx).scan(body.split("\n")):
        if block is not None and registry[block.name].record is not None:
            registry[block.name].record(block, ctx.needs)
    return ctx.needs


class DirectiveExtension(Extension):
    def __init__(self, ctx):
        super().__init__()
        self.ctx = ctx

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        # normalize_whitespace runs at 30, fenced_code at 25: in between, line numbers are still the file's.
        md.preprocessors.register(DirectivePreprocessor(md, self.ctx), "unrolled_directives", 28)
