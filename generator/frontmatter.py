"""YAML front matter: `---` fenced metadata at the top of each article, validated field by field."""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from unrolled.precompute.errors import UnrolledError

FIELDS = {"title": str, "summary": str, "authors": list, "date": str, "runs": list,
          "order": int, "draft": bool, "toc": bool, "bibliography": str}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _loader(base):
    """`base` with dates kept as the text the author wrote, so one check decides what a valid date is."""
    loader = type(f"FrontMatter{base.__name__}", (base,), {})
    loader.add_constructor("tag:yaml.org,2002:timestamp", lambda self, node: self.construct_scalar(node))
    return loader


FAST_LOADER = _loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when the wheel has it: 8x faster
EXACT_LOADER = _loader(yaml.SafeLoader)  # the pure-Python parser points at a syntax error's line more precisely


@dataclass
class FrontMatter:
    title: str
    summary: str = ""
    authors: list = field(default_factory=list)
    date: str = ""
    runs: list = field(default_factory=list)
    order: int = 0
    draft: bool = False
    toc: bool = True
    bibliography: str | None = None
    lines: dict = field(default_factory=dict, repr=False, compare=False)  # field -> line in the file


def split(text: str, source: Path) -> tuple[dict, str, int]:
    """Return (metadata, body, number of lines before the body)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise UnrolledError("missing front matter", file=source, line=1, rule="frontmatter-missing",
                            hint="start the file with `---`, a `title: ...` line, and `---`")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in {"---", "..."}), None)
    if end is None:
        raise UnrolledError("front matter is never closed", file=source, line=1, rule="frontmatter-unclosed",
                            hint="end the front matter with a line `---`")
    text = "\n".join(lines[1:end])
    try:
        meta = _load(text, source, FAST_LOADER)
    except yaml.YAMLError:
        try:
            meta = _load(text, source, EXACT_LOADER)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 2 if mark is not None else 1
            raise UnrolledError(f"front matter is not valid YAML: {getattr(exc, 'problem', exc)}", file=source,
                                line=line, rule="frontmatter-yaml",
                                hint="write `key: value` lines; quote text with colons") from None
    if not isinstance(meta, dict):
        raise UnrolledError("front matter must be a mapping of `key: value` lines", file=source, line=2,
                            rule="frontmatter-yaml", hint="e.g. `title: How a recurrent network learns`")
    return meta, "\n".join(lines[end + 1:]), end + 1


def _load(text: str, source: Path, loader) -> dict:
    _refuse_aliases(text, source, loader)
    return yaml.load(text, Loader=loader) or {}


def _refuse_aliases(text: str, source: Path, loader) -> None:
    """Anchors (`&a`) and aliases (`*a`) let a few lines expand into gigabytes; front matter needs neither."""
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise UnrolledError("front matter uses a YAML anchor or alias (`&name` / `*name`)", file=source,
                                line=event.start_mark.line + 2, rule="frontmatter-alias",
                                hint="write each value out in full; anchors and aliases are not allowed")


def parse(text: str, source: Path) -> tuple[FrontMatter, str, int]:
    meta, body, offset = split(text, source)
    head = text.split("\n")[1:offset]

    def line_of(key):
        return next((i + 2 for i, ln in enumerate(head) if ln.startswith(f"{key}:")), 1)

    def fail(key, message, hint, rule="frontmatter-type"):
        raise UnrolledError(message, file=source, line=line_of(key), rule=rule, hint=hint)

    for key, value in meta.items():
        if key not in FIELDS:
            fail(key, f"unknown front matter field {key!r}", "known fields: " + ", ".join(FIELDS),
                 rule="frontmatter-field")
        if isinstance(value, str) and FIELDS[key] is list:
            meta[key] = value = [value]
        if key == "date":
            _check_date(value, lambda message: fail(key, message, "write the date as YYYY-MM-DD, e.g. 2026-11-23",
                                                    rule="frontmatter-date"))
        elif not isinstance(value, FIELDS[key]) or (FIELDS[key] is int and isinstance(value, bool)):
            expected = {str: "text", list: "a list", int: "an integer", bool: "true or false"}[FIELDS[key]]
            fail(key, f"front matter field {key!r} must be {expected}, got {_shown(value)}",
                 f"set `{key}:` to {expected}" + (" (quote it if it looks like a mapping or list)"
                                                   if FIELDS[key] is str else ""))
        elif FIELDS[key] is list:
            bad = next((item for item in value if not isinstance(item, str)), None)
            if bad is not None:
                fail(key, f"each entry of {key!r} must be text, got {_shown(bad)}",
                     "list " + ("names, e.g. `authors: [Ada Lovelace, Alan Turing]`" if key == "authors"
                                else "file names, e.g. `runs: [runs.toml]`"))
    if "title" not in meta:
        raise UnrolledError("front matter needs a title", file=source, line=1, rule="frontmatter-title",
                            hint="add a line `title: ...`")
    lines = {key: line_of(key) for key in meta}
    return FrontMatter(**meta, lines=lines), body, offset


def _check_date(value, fail) -> None:
    """Dates are ISO calendar dates, published as written in `<time datetime>`."""
    if not isinstance(value, str) or not ISO_DATE.match(value):
        fail(f"front matter field 'date' must be a date like 2026-11-23, got {_shown(value)}")
    try:
        _dt.date.fromisoformat(value)
    except ValueError as exc:
        fail(f"front matter field 'date' is not a calendar date: {value} ({exc})")


def _shown(value) -> str:
    """A value as the author would recognise it, cut short so a huge value cannot flood the message."""
    kind = {dict: "a mapping ", list: "a list "}.get(type(value), "")
    text = repr(value)
    return kind + (text if len(text) <= 80 else text[:77] + "...")
