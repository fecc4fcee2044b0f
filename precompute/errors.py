"""One error type for everything an author can get wrong, shared by precompute and the generator.

Every message names the file (and line when known), what was expected and how to fix it, plus a
stable rule id (declared in rules.py), so authors can act on it and tests can assert on it.
"""
from __future__ import annotations

from pathlib import Path

from .rules import check as checked_rule


def line_of(text: str, needle: str, offset: int = 0) -> int | None:
    """File line of the first occurrence of `needle` in `text` (which starts after `offset` lines of its
    file, e.g. a Markdown body after its front matter), or None when it is not there verbatim."""
    at = text.find(needle) if needle else -1
    return offset + text.count("\n", 0, at) + 1 if at >= 0 else None


class UnrolledError(Exception):
    """A problem in the author's input; the CLI prints it and exits non-zero."""

    def __init__(self, message: str, *, file: str | Path | None = None, line: int | None = None,
                 rule: str = "error", hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.rule = checked_rule(rule)  # an undeclared id is a bug: it fails here, in the tests
        self.hint = hint

    @property
    def location(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}error[{self.rule}]: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "rule": self.rule,
                "message": self.message, "hint": self.hint}


class SpecError(UnrolledError):
    """A run spec (TOML) that cannot be trained as written."""
