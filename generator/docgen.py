"""`python -m unrolled.generator.docgen [--check]` (in a checkout): the docs' tables, written from the code.

Each directive's option table in docs/authoring.md (and {pyodide}'s again in docs/pyodide.md) comes from
its spec (`Opt` in generator/directives/), and the table of rule ids in docs/rules.md from
unrolled.precompute.rules, so each fact is written once.
A table sits between markers (`<!-- options:NAME -->` … `<!-- /options -->`, `<!-- rules -->` …
`<!-- /rules -->`); the prose around them is written by hand. `--check` writes nothing and exits 1 when
a file differs from what this would write (tests/unit/test_docs.py runs the same comparison).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from unrolled.precompute.rules import CATEGORIES, RULES

from .directives import REQUIRED, Opt, load_all

DOCS = Path(__file__).resolve().parent.parent / "docs"
REGION = re.compile(r"<!-- (?P<key>(?P<kind>options|rules)(?::[a-z-]+)?) -->\n.*?<!-- /(?P=kind) -->", re.S)
TYPES = {bool: "true/false", int: "integer", float: "number", list: "comma-separated list", str: "text"}


def cell(text: str) -> str:
    """Text that stays inside one cell of a Markdown table."""
    return text.replace("|", "\\|").replace("\n", " ")


def type_text(opt: Opt) -> str:
    return " | ".join(f"`{choice}`" for choice in opt.choices) if opt.choices else TYPES[opt.kind]


def default_text(opt: Opt) -> str:
    if opt.default is REQUIRED:
        return "**required**"
    if opt.default_doc:
        return opt.default_doc
    value = opt.default
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float):
        return f"`{value:g}`"
    if value == []:
        return "none"
    return "—" if value in (None, "") else f"`{value}`"


def option_table(directive) -> str:
    rows = [f"| `{name}` | {cell(type_text(opt))} | {cell(default_text(opt))} | {cell(opt.doc)} |"
            for name, opt in directive.options.items()]
    return "\n".join(["| option | type | default | meaning |", "|---|---|---|---|", *rows])


def rule_table() -> str:
    order = sorted(RULES.values(), key=lambda rule: (CATEGORIES.index(rule.category), rule.id))
    rows = [f"| `{rule.id}` | {rule.category} | {cell(rule.meaning)} |" for rule in order]
    return "\n".join(["| rule | category | meaning |", "|---|---|---|", *rows])


def tables() -> dict[str, dict[str, str]]:
    """File name in docs/ -> region key -> the table that belongs there."""
    directives = load_all()
    return {"authoring.md": {f"options:{name}": option_table(d) for name, d in sorted(directives.items())},
            "pyodide.md": {"options:pyodide": option_table(directives["pyodide"])},
            "rules.md": {"rules": rule_table()}}


def fill(text: str, regions: dict[str, str], name: str) -> str:
    """`text` with every marked region rewritten; a region the code does not know, or a table the text
    has no place for, is an error naming the file (and line)."""
    seen = set()

    def replace(match: re.Match) -> str:
        key = match["key"]
        if key not in regions:
            line = text.count("\n", 0, match.start()) + 1
            raise ValueError(f"docs/{name}:{line}: region {key!r} matches nothing in the code "
                             f"(known: {', '.join(sorted(regions))})")
        seen.add(key)
        return f"<!-- {key} -->\n{regions[key]}\n<!-- /{match['kind']} -->"

    result = REGION.sub(replace, text)
    missing = sorted(set(regions) - seen)
    if missing:
        raise ValueError(f"docs/{name} has no region for {', '.join(missing)}: add `<!-- {missing[0]} -->` "
                         f"… `<!-- /{missing[0].split(':')[0]} -->` where the table belongs")
    return result


def generated(docs: Path = DOCS) -> dict[Path, tuple[str, str]]:
    """Path -> (text now, text with its tables written from the code)."""
    out = {}
    for name, regions in tables().items():
        path = docs / name
        text = path.read_text(encoding="utf-8")
        out[path] = (text, fill(text, regions, name))
    return out


def main(argv: list[str] | None = None) -> int:
    check = "--check" in (sys.argv[1:] if argv is None else argv)
    stale = []
    for path, (now, wanted) in generated().items():
        if now != wanted:
            stale.append(path)
            if not check:
                path.write_text(wanted, encoding="utf-8")
    for path in stale:
        print(f"{path}: {'differs from the code' if check else 'rewritten'}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
