"""Where a project's parts live; read from an optional `unrolled.toml` at the project root.

The folders the build writes (the site and the precompute cache) are checked before anything runs:
neither may be the project itself, hold or sit inside a source folder (content, templates) or each
other, or lie outside the project unless `allow_outside = true` says the author means it.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from unrolled.precompute.errors import UnrolledError

SITE_SOURCES = Path(__file__).resolve().parent.parent / "site"
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
    widgets: str = ""  # the project's own widgets (docs/own-widgets.md); empty: `widgets/` in the content folder
    pyodide_packages: str = PYODIDE_PACKAGES  # base URL of NumPy & co. for {pyodide} cells (see docs/pyodide.md)
    allow_outside: bool = False  # may `output` and `cache` lie outside the project folder?
    engine: str = "local"  # [precompute]: where stale runs train, "local" or "dask"
    scheduler: str = ""  # [precompute]: a Dask scheduler's tcp://HOST:PORT; empty starts a local cluster
    raw_html: str = RAW_HTML[0]  # "sanitize" keeps harmless tags, "refuse" makes raw HTML an error, "trusted" keeps it

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

    @property
    def widgets_dir(self) -> Path:
        return self.root / self.widgets if self.widgets else self.content_dir / "widgets"

    def engine_for(self, jobs: int):
        """The precompute engine these settings choose, `jobs` wide on this machine."""
        from unrolled.precompute.engine import Engine

        return Engine(self.engine, self.scheduler or None, jobs)


TABLES = {"site": {f.name: f.type for f in fields(Project) if f.name not in ("root", "engine", "scheduler")},
          "precompute": {"engine": "str", "scheduler": "str"}}  # table -> key -> type name
CHOICES = {"engine": ("local", "dask"), "raw_html": RAW_HTML}
EXAMPLES = {"widgets": "content/widgets"}  # keys whose default is no example of a value
PATTERNS = {"pyodide_packages": (PACKAGE_BASE, "an http(s) URL or a relative path, e.g. " + PYODIDE_PACKAGES)}


def load_project(root: str | Path = ".") -> Project:
    root = Path(root).resolve()
    path = root / "unrolled.toml"
    if not path.exists():
        return Project(root)
    text = read_config(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UnrolledError(f"not valid TOML: {exc}", file=path, rule="config-toml",
                            hint="fix the syntax of unrolled.toml") from None
    for table in sorted(set(data) - set(TABLES)):
        raise UnrolledError(f"unknown table or key {table!r}", file=path, line=find_line(text, table),
                            rule="config-table", hint="unrolled.toml has the tables " + ", ".join(
                                f"[{name}]" for name in TABLES))
    values = {}
    for table, keys in TABLES.items():
        given = data.get(table, {})
        if not isinstance(given, dict):
            raise UnrolledError(f"`{table}` must be a table", file=path, line=find_line(text, table),
                                rule="config-table", hint=f"write [{table}] followed by key = value lines")
        for key, value in given.items():
            if key not in keys:
                raise UnrolledError(f"unknown key {key!r} in [{table}]", file=path, line=find_line(text, key),
                                    rule="config-key", hint="known keys: " + ", ".join(sorted(keys)))
            values[key] = check_value(key, keys[key], value, path, text)
    project = Project(root, **values)
    check_folders(project, path, text)
    return project


def check_value(key: str, kind: str, value, path: Path, text: str):
    expected = bool if kind == "bool" else str
    if type(value) is not expected or (expected is str and not value.strip() and key != "scheduler"):
        what = "true or false" if expected is bool else "a non-empty string in quotes"
        raise UnrolledError(f"{key} must be {what}, got {value!r}", file=path, line=find_line(text, key),
                            rule="config-type",
                            hint=f"e.g. {key} = {toml_literal(EXAMPLES.get(key, getattr(Project, key)))}")
    if key in CHOICES and value not in CHOICES[key]:
        raise UnrolledError(f"{key} must be one of {', '.join(CHOICES[key])}, got {value!r}", file=path,
                            line=find_line(text, key), rule="config-value",
                            hint=f"e.g. {key} = {toml_literal(getattr(Project, key))}")
    if key in PATTERNS and not PATTERNS[key][0].match(value):
        raise UnrolledError(f"{key} must be {PATTERNS[key][1]}, got {value!r}", file=path,
                            line=find_line(text, key), rule="config-value", hint=f"fix {key} in unrolled.toml")
    return value


def toml_literal(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else '"' + value + '"'


def read_config(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UnrolledError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=path, rule="config-encoding",
                            hint="save unrolled.toml as UTF-8") from None


def find_line(text: str, key: str) -> int | None:
    """The line where `key = ...` or `[key]` is written, for error messages."""
    pattern = re.compile(rf"^\s*(\[\s*{re.escape(key)}\s*\]|{re.escape(key)}\s*=)")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return None


def check_folders(project: Project, path: Path, text: str) -> None:
    """Refuse an output or cache folder whose replacement or cleanup could reach an author's files."""
    root = project.root
    sources = {"content": project.content_dir.resolve(), "templates": project.templates_dir.resolve(),
               "widgets": project.widgets_dir.resolve()}
    written = {"output": project.out_dir.resolve(), "cache": project.cache_dir.resolve()}
    written = dict(sorted(written.items(), key=lambda item: find_line(text, item[0]) is None))  # blame what is set

    def fail(key: str, message: str, hint: str):
        raise UnrolledError(f"[site] {key} = {getattr(project, key)!r}: {message}", file=path,
                            line=find_line(text, key), rule=f"config-{key}-unsafe", hint=hint)

    for key, folder in written.items():
        if folder == root or folder in root.parents:
            fail(key, "this folder holds the project itself, which the build would replace",
                 f"use a folder of its own, e.g. {key} = {toml_literal(getattr(Project, key))}")
    for key, folder in written.items():
        for name, source in [*sources.items(), *((k, f) for k, f in written.items() if k != key)]:
            if folder == source or folder in source.parents or source in folder.parents:
                fail(key, f"this folder overlaps the {name} folder ({source})",
                     f"keep {key} and {name} apart, e.g. {key} = {toml_literal(getattr(Project, key))}")
        if root not in folder.parents and not project.allow_outside:
            fail(key, "this folder lies outside the project",
                 "use a folder inside the project, or set allow_outside = true in [site] if you mean it")
