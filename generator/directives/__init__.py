"""The directive registry: one declarative spec per ```{name} block, each in its own small module.

A spec names its typed options (with defaults), what body it takes and which run documents it needs;
the Markdown extension validates every block against it, so a typo is a build error, never a code block.
The option tables of docs/authoring.md are generated from the specs (generator/docgen.py), so an
option's documentation lives in its `Opt` alone.
"""
from __future__ import annotations

import functools
import importlib
import json
import pkgutil
import re
from html import escape
from dataclasses import dataclass, field
from typing import Any, Callable

from unrolled.precompute.errors import UnrolledError


@dataclass(frozen=True)
class Opt:
    """A typed directive option; `default=REQUIRED` makes it mandatory.

    `doc` says what it means and `default_doc` what an omitted option does when that is worked out
    from the data (e.g. "the last snapshot"); docs/authoring.md's option tables are made from both
    (generator/docgen.py).
    """

    kind: type
    default: Any = None
    choices: tuple = ()
    doc: str = ""
    default_doc: str = ""

    def parse(self, raw: str):
        if self.kind is bool:
            lowered = raw.lower()
            if lowered not in {"true", "false", "yes", "no"}:
                raise ValueError("expected true or false")
            return lowered in {"true", "yes"}
        if self.kind is int:
            if not ASCII_INT.fullmatch(raw):
                raise ValueError("expected ASCII digits")
            return int(raw)
        if self.kind is float:
            if not raw.isascii():  # float() would take '１.５'; a number's own range check decides on nan
                raise ValueError("expected ASCII digits")
            return float(raw)
        if self.kind is list:
            return [item.strip() for item in raw.split(",") if item.strip()]
        return raw

    def describe(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        return {bool: "true or false", int: "an integer", float: "a number", list: "a comma-separated list",
                str: "text"}[self.kind]


REQUIRED = object()
ASCII_INT = re.compile(r"[+-]?[0-9]+")  # int() alone would also take '２' or '1_000'


@dataclass(frozen=True)
class Directive:
    name: str
    options: dict[str, Opt]
    render: Callable  # (block: Block, ctx) -> html
    body: str = "none"  # "none" | "markdown" | "code"
    needs: tuple = ()  # precompute document kinds the directive reads
    doc: str = ""
    # (block, PageNeeds) -> None: what the block asks of the site, from its options alone. Called before
    # it renders, and by `page_needs` (markdown_ext.py), which reads a page's blocks without rendering.
    record: Callable | None = None


@dataclass
class PageNeeds:
    """What a page asks of the site beyond its own HTML, recorded by its directives (`Directive.record`),
    so nothing has to find it again in the page's HTML or Markdown."""

    python: bool = False  # a {pyodide} cell: the site ships the Pyodide runtime, the page allows its packages
    packages: set[str] = field(default_factory=set)  # Pyodide packages its cells load first

    def need_python(self, packages=()) -> None:
        self.python = True
        self.packages.update(packages)


@dataclass
class Block:
    """A parsed directive occurrence: where it is, its typed options and its body."""

    name: str
    options: dict
    body: str
    file: str
    line: int
    index: int = 0  # nth directive on the page (stable element ids)
    option_lines: dict = field(default_factory=dict)
    body_line: int = 0  # file line of the body's first line

    def error(self, message: str, *, rule: str, hint: str | None = None, option: str | None = None):
        line = self.option_lines.get(option, self.line) if option else self.line
        return UnrolledError(message, file=self.file, line=line, rule=rule, hint=hint)


REGISTRY: dict[str, Directive] = {}


def figure(block: Block, ctx, *, frame: str, caption: str, data: dict | None = None, snapshot: int | None = None,
           options: dict | None = None, extra: str = "") -> str:
    """The common wrapper of every widget: static first frame, caption, data reference, options for JS.

    `caption` is trusted HTML (escape author text before passing it; its inline values are expanded here);
    `extra` follows the caption
    (e.g. a <details> data table, the text alternative of a chart).
    """
    from ..inline_values import expand_caption

    caption = expand_caption(caption, ctx, file=block.file, line=block.option_lines.get("caption", block.line))
    element_id = widget_id(block)
    ctx.use_widget(block.name)
    attrs = [f'class="widget widget-{block.name}"', f'id="{element_id}"', f'data-widget="{block.name}"']
    if data is not None:
        attrs.append(f'data-src="{escape(ctx.widget_data(data))}"')
    if snapshot is not None:
        attrs.append(f'data-snapshot="{snapshot}"')
    if options:
        attrs.append(f'data-options="{escape(json.dumps(options, sort_keys=True, separators=(",", ":")))}"')
    return (f'<figure {" ".join(attrs)}><div class="widget-frame">{frame}</div>'
            f'<figcaption>{caption}</figcaption>{extra}</figure>')


def listed_runs(block: Block, names: list[str], option: str = "runs") -> list[str]:
    """A list of runs must name at least one run, and each run once."""
    if not names:
        raise block.error(f"option {option!r} lists no run", rule="option-value", option=option,
                          hint=f"list run names separated by commas, e.g. `{option}: A, B`")
    duplicate = next((name for k, name in enumerate(names) if name in names[:k]), None)
    if duplicate:
        raise block.error(f"run {duplicate!r} is listed twice in {option!r}", rule="option-value", option=option,
                          hint="list each run once")
    return names


def run_or_runs(block: Block, purpose: str) -> tuple[list[str], str]:
    """`run: NAME` or `runs: A, B`, exactly one of them; returns the names and the option that gave them.

    `purpose` finishes the hints, e.g. "to overlay several runs".
    """
    run, runs = block.options["run"] or None, block.options["runs"]  # an empty `run:` names no run
    if run is not None and runs is not None:
        raise block.error(f"{{{block.name}}} takes either `run` or `runs`, not both", rule="option-conflict",
                          option="runs", hint=f"use `run: NAME` for one run, or `runs: A, B` {purpose}")
    if run is None and runs is None:
        raise block.error(f"{{{block.name}}} needs option 'run' (or 'runs')", rule="option-missing",
                          hint=f"add a line `run: NAME`, or `runs: A, B` {purpose}")
    return ([run], "run") if run is not None else (listed_runs(block, runs), "runs")


def snapshot_index(block: Block, run: str, epochs: list[int], *, default: int = -1) -> int:
    """Index in `epochs` (a run's exported snapshot epochs) of the block's `snapshot:` option.

    Without the option, `default` (-1: the last snapshot, 0: the first). An epoch the run did not export
    is a `ref-snapshot` error naming the run and listing the epochs it has.
    """
    requested = block.options["snapshot"]
    if requested is None:
        return default % len(epochs)
    if requested not in epochs:
        raise block.error(f"run {run!r} has no snapshot at epoch {requested}", rule="ref-snapshot",
                          option="snapshot", hint=f"use one of the exported epochs {epochs}, or add it to the "
                          "run's `snapshots` list")
    return epochs.index(requested)


def widget_id(block: Block) -> str:
    return f"w{block.index}-{block.name}"


def register(directive: Directive) -> Directive:
    REGISTRY[directive.name] = directive
    return directive


@functools.cache  # once per process: a page asks for the registry several times
def load_all() -> dict[str, Directive]:
    """Import every module of this package; each registers its directive."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return REGISTRY
