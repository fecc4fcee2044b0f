"""A project's own widgets: `<name>.toml` (the directive spec) + `<name>.js` (the module) in its widgets folder.

The spec file is read into the same `Directive` the built-in widgets register, so each use is checked
by the Markdown extension exactly like theirs (unknown option, wrong type, missing option). The
directive exists for this project's build only. Its module is served under the built-in widgets'
specifier, `unrolled/widgets/<name>.js`, in the page's import map and in the Node process that draws
first frames alike, so `page.js` hydrates it like any other widget; a name a built-in widget (or
stylesheet) already has is refused.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from unrolled.precompute.documents import KINDS
from unrolled.precompute.errors import UnrolledError
from unrolled.precompute.sources import read_text

from .assets import Assets
from .config import SITE_SOURCES
from .directives import REQUIRED, Directive, Opt, load_all
from .own_render import render

NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")  # a directive name, a file name and a CSS class
OPTION_NAME = re.compile(r"[A-Za-z_][\w-]*")  # what an option line `key: value` accepts
SPEC_KEYS = ("doc", "needs", "caption", "options")
OPTION_KEYS = ("type", "doc", "default", "required", "choices")
KINDS_OF = {"str": str, "int": int, "float": float, "bool": bool, "choice": str, "list": list,
            "run": str, "runs": list, "file": str}  # spec type -> the option's parsed kind
RESERVED = ("run", "snapshot")  # options every widget with `needs` gets (and every widget `caption`)


@dataclass(frozen=True)
class OwnWidget:
    name: str
    spec: Path  # <name>.toml
    module: Path  # <name>.js
    style: Path | None  # <name>.css, linked on the pages that use the widget
    needs: tuple
    types: dict  # option -> spec type name ("file", "run", ...), for the checks the render step makes
    caption: str
    directive: Directive


def taken_names(site: Path = SITE_SOURCES) -> set[str]:
    """Names an own widget cannot have: the built-in directives, widget modules and stylesheets."""
    return (set(load_all()) | {p.stem for p in (site / "js" / "widgets").iterdir()}
            | {p.stem for p in (site / "css").glob("*.css")})


def add_assets(assets: Assets, widgets: dict[str, OwnWidget]) -> None:
    """Each module under its widget specifier (unrolled/widgets/<name>.js), each stylesheet beside it."""
    for name, widget in sorted(widgets.items()):
        assets.add(f"js/widgets/{name}.js", widget.module)
        if widget.style is not None:
            assets.add(f"css/{name}.css", widget.style)


def load(folder: Path, builtin: set[str]) -> dict[str, OwnWidget]:
    """Every widget in `folder` (missing is fine), by name; `builtin` are the names already taken."""
    if not folder.is_dir():
        return {}
    names = sorted({p.stem for p in folder.iterdir() if p.suffix in (".toml", ".js") and p.is_file()})
    widgets = {}
    for name in names:
        spec, module = folder / f"{name}.toml", folder / f"{name}.js"
        if not NAME.fullmatch(name):
            raise UnrolledError(f"widget name {name!r} is not lower-case words joined by '-'",
                                file=spec if spec.exists() else module, rule="widget-name",
                                hint="rename both files, e.g. year-strip.toml and year-strip.js")
        if name in builtin:
            raise UnrolledError(f"widget {name!r} has the name of a built-in widget", file=spec if spec.exists()
                                else module, rule="widget-name-clash",
                                hint=f"rename {name}.toml and {name}.js; built-in names: {', '.join(sorted(builtin))}")
        if not spec.exists():
            raise UnrolledError(f"widget module {name}.js has no spec file beside it", file=module,
                                rule="widget-spec-missing", hint=f"add {name}.toml with at least `doc = \"...\"`")
        if not module.exists():
            raise UnrolledError(f"widget spec {name}.toml has no module beside it", file=spec,
                                rule="widget-module-missing", hint=f"add {name}.js exporting `frame(data, options, "
                                "id)` and a default hydrate function (see docs/own-widgets.md)")
        style = folder / f"{name}.css"
        widgets[name] = parse_spec(name, spec, module, style if style.is_file() else None)
    return widgets


def parse_spec(name: str, path: Path, module: Path, style: Path | None) -> OwnWidget:
    text = read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        raise UnrolledError(f"not valid TOML: {exc}", file=path, line=int(found[1]) if found else None,
                            rule="widget-spec", hint="fix the syntax (see docs/own-widgets.md)") from None

    def fail(message: str, hint: str, *, table: str | None = None, key: str | None = None):
        return UnrolledError(message, file=path, line=line_of(text, table, key), rule="widget-spec", hint=hint)

    for key in data:
        if key not in SPEC_KEYS:
            raise fail(f"unknown key {key!r}", "a widget spec has the keys " + ", ".join(SPEC_KEYS), key=key)
    doc = data.get("doc")
    if not isinstance(doc, str) or not doc.strip():
        raise fail("the spec needs `doc`, one sentence saying what the widget shows",
                   'add e.g. doc = "The yearly series with the held-out years shaded."', key="doc")
    needs = data.get("needs", [])
    if not isinstance(needs, list) or any(kind not in KINDS for kind in needs) or len(set(needs)) < len(needs):
        raise fail(f"`needs` must list document kinds, each once, got {needs!r}",
                   "choose from " + ", ".join(KINDS), key="needs")
    caption = data.get("caption", doc)
    if not isinstance(caption, str):
        raise fail("`caption` must be a string", 'e.g. caption = "The yearly series."', key="caption")
    tables = data.get("options", {})
    if not isinstance(tables, dict):
        raise fail("`options` must be tables, one per option", "write [options.NAME] followed by type = ...",
                   key="options")
    options, types = {}, {}
    for option, table in tables.items():
        options[option], types[option] = parse_option(option, table, bool(needs), fail)
    options["caption"] = Opt(str, "", doc="caption text (Markdown inline not interpreted)")
    if needs:
        options["run"] = Opt(str, REQUIRED, doc="name of a run in the page's spec files")
        options["snapshot"] = Opt(int, None, doc="epoch to show first (default: the last snapshot)")
    directive = Directive(name=name, doc=doc.strip(), options=options, needs=tuple(needs), render=render)
    return OwnWidget(name, path, module, style, tuple(needs), types, caption, directive)


def parse_option(option: str, table, needs: bool, fail) -> tuple[Opt, str]:
    where = f"options.{option}"
    if not OPTION_NAME.fullmatch(option):
        raise fail(f"option name {option!r} cannot be written as `{option}: value`",
                   "use letters, digits, '_' and '-', starting with a letter", table=where)
    if option == "caption" or (needs and option in RESERVED):
        raise fail(f"option {option!r} is given to every widget" + (" that needs run documents" if option != "caption"
                                                                    else ""), "choose another name", table=where)
    if not isinstance(table, dict):
        raise fail(f"`{where}` must be a table", f"write [{where}] followed by type = ...", key=where.split(".")[0])
    for key in table:
        if key not in OPTION_KEYS:
            raise fail(f"unknown key {key!r} in [{where}]", "an option has the keys " + ", ".join(OPTION_KEYS),
                       table=where, key=key)
    kind = table.get("type")
    if kind not in KINDS_OF:
        raise fail(f"[{where}] type must be one of {', '.join(KINDS_OF)}, got {kind!r}",
                   'e.g. type = "int"', table=where, key="type" if "type" in table else None)
    choices = table.get("choices", ())
    if (kind == "choice") != ("choices" in table) or not isinstance(choices, (list, tuple)) or any(
            not isinstance(c, str) for c in choices) or (kind == "choice" and not choices):
        raise fail(f"[{where}]: `choices` (a list of strings) goes with type = \"choice\", and only with it",
                   'e.g. type = "choice" and choices = ["log", "linear"]', table=where,
                   key="choices" if "choices" in table else "type")
    required = table.get("required", False)
    if not isinstance(required, bool) or (required and "default" in table):
        raise fail(f"[{where}]: `required` is true or false, and a required option has no default",
                   "keep either `required = true` or `default = ...`", table=where, key="required")
    default = REQUIRED if required else table.get("default")
    if "default" in table and not default_fits(kind, default, choices):
        raise fail(f"[{where}] default {default!r} does not fit type = {kind!r}" + (f" (choices {choices})" if choices
                                                                                    else ""),
                   "give a default of the option's type, or `required = true`", table=where, key="default")
    doc = table.get("doc", "")
    if not isinstance(doc, str):
        raise fail(f"[{where}] doc must be a string", 'e.g. doc = "what the option sets"', table=where, key="doc")
    if isinstance(default, list):
        default = tuple(default)  # Opt is frozen; the parsed value is a list again (see own_render)
    return Opt(KINDS_OF[kind], default, tuple(choices), doc=doc), kind


def default_fits(kind: str, value, choices) -> bool:
    if kind in ("list", "runs"):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "int":
        return type(value) is int
    if kind == "float":
        return type(value) in (int, float)
    if kind == "bool":
        return type(value) is bool
    return isinstance(value, str) and (value in choices if kind == "choice" else True)


def line_of(text: str, table: str | None, key: str | None) -> int | None:
    """The line of `key = ...` (inside `[table]` when given), or of the table's header."""
    lines = text.splitlines()
    start = 0
    if table:
        dotted = r"\s*\.\s*".join(re.escape(part) for part in table.split("."))
        header = re.compile(rf"^\s*\[\s*{dotted}\s*\]")
        start = next((n for n, line in enumerate(lines) if header.match(line)), None)
        if start is None:
            return None
        if key is None:
            return start + 1
        start += 1
    assignment = re.compile(rf"^\s*{re.escape(key)}\s*=") if key else None
    for number in range(start, len(lines)):
        if table and lines[number].lstrip().startswith("["):
            break
        if assignment and assignment.match(lines[number]):
            return number + 1
    return start if table else None
