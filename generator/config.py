"""Where a project's parts live; read from an optional `unrolled.toml` at the project root."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from precompute.errors import UnrolledError

SITE_SOURCES = Path(__file__).resolve().parent.parent / "site"
KEYS = {"title", "content", "output", "cache", "templates", "pyodide_packages"}
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
    return Project(root, **data)
