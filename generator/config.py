"""Where a project's parts live; read from an optional `unrolled.toml` at the project root."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from precompute.errors import UnrolledError

SITE_SOURCES = Path(__file__).resolve().parent.parent / "site"
KEYS = {"title", "content", "output", "cache", "templates", "pyodide_packages", "raw_html"}
RAW_HTML = ("sanitize", "trusted", "refuse")  # what happens to raw HTML in Markdown (see generator/rawhtml.py)
PACKAGE_BASE = re.compile(r"^(?:https?://[^\s;,'\"]+|[^\s;,'\":]*)$")  # also a Content-Security-Policy source
PYODIDE_PACKAGES = "https://cdn.jsdelivr.net/pyodide/v0.29.5/full/"  # official CDN of the vendored core


@dataclass(frozen=True)
class Project:
    root: Path
    title: str = "Unrolled"
    content: str = "content"
    output: str = "_site"
    cache: str = ".cache/precompute"
    templates: str = "templates"
    pyodide_packages: str = PYODIDE_PACKAGES  # base URL of NumPy & co. for {pyodide} cells (see docs/pyodide.md)
    raw_html: str = RAW_HTML[0]

    @property
    def content_dir(self) -> Path:
        return self.root / self.content

    @property
    def out_dir(self) -> Path:
        return self.root / self.output

    @property
    def cache_dir(self) -> Path:
        return self.root / self.cache

    @property
    def templates_dir(self) -> Path:
        return self.root / self.templates


def load_project(root: str | Path = ".") -> Project:
    root = Path(root).resolve()
    path = root / "unrolled.toml"
    if not path.exists():
        return Project(root)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")).get("site", {})
    except tomllib.TOMLDecodeError as exc:
        raise UnrolledError(f"not valid TOML: {exc}", file=path, rule="config-toml",
                            hint="fix the syntax of unrolled.toml") from None
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise UnrolledError(f"unknown key {unknown[0]!r} in [site]", file=path, rule="config-key",
                            hint="known keys: " + ", ".join(sorted(KEYS)))
    if data.get("raw_html", RAW_HTML[0]) not in RAW_HTML:
        raise UnrolledError(f"raw_html must be one of {', '.join(RAW_HTML)}, got {data['raw_html']!r}", file=path,
                            line=_line_of(path, "raw_html"), rule="config-value",
                            hint='"sanitize" keeps harmless tags, "refuse" makes raw HTML an error, '
                            '"trusted" keeps it as written')
    if not PACKAGE_BASE.match(str(data.get("pyodide_packages", PYODIDE_PACKAGES))):
        raise UnrolledError(f"pyodide_packages must be an http(s) URL or a relative path, got "
                            f"{data['pyodide_packages']!r}", file=path, line=_line_of(path, "pyodide_packages"),
                            rule="config-value", hint="e.g. https://cdn.jsdelivr.net/pyodide/v0.29.5/full/")
    return Project(root, **data)


def _line_of(path: Path, key: str) -> int | None:
    """Line of `key = ...` in unrolled.toml."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip().startswith(key):
            return number
    return None
