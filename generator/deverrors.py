"""A failed dev-server build as the overlay and the terminal show it: file (relative), line, rule,
message and hint, whatever was raised. Any failure becomes one of these; none stops the server."""
from __future__ import annotations

import traceback
from pathlib import Path

from unrolled.precompute.errors import UnrolledError

from .config import SITE_SOURCES

PACKAGE_ROOT = SITE_SOURCES.parent


def relative(file, root: Path) -> str | None:
    """A path as the author reads it: relative to the project, or to the package for its own templates."""
    if file is None:
        return None
    path = Path(file)
    for base in (root, PACKAGE_ROOT):
        try:
            return path.resolve().relative_to(base).as_posix() if path.is_absolute() else path.as_posix()
        except ValueError:
            continue
    return str(file)


def describe(exc: BaseException, root: Path, err) -> dict:
    """What the overlay and the terminal show; an unexpected exception's traceback goes to `err`."""
    import jinja2

    if isinstance(exc, UnrolledError):
        info = exc.to_dict()
    elif isinstance(exc, jinja2.TemplateSyntaxError):
        info = {"file": exc.filename, "line": exc.lineno, "rule": "template-syntax", "message": exc.message,
                "hint": "fix the template's Jinja2 syntax"}
    elif isinstance(exc, jinja2.TemplateError):
        frames = [(f.f_code.co_filename, line) for f, line in traceback.walk_tb(exc.__traceback__)
                  if f.f_code.co_filename.endswith((".html", ".jinja", ".j2"))]
        file, line = frames[-1] if frames else (None, None)
        info = {"file": file, "line": line, "rule": "template-error", "message": f"{type(exc).__name__}: {exc}",
                "hint": "check the names the template uses (page, meta, site, articles, nav, ...)"}
    else:
        traceback.print_exception(exc, file=err)
        info = {"file": None, "line": None, "rule": "internal-error", "message": f"{type(exc).__name__}: {exc}",
                "hint": "this is a bug in Unrolled or a folder it cannot write; see the traceback in the terminal"}
    info["file"] = relative(info["file"], root)
    return info


def format_error(info: dict) -> str:
    where = info["file"] + (f":{info['line']}" if info["line"] else "") + ": " if info["file"] else ""
    text = f"{where}error[{info['rule']}]: {info['message']}"
    return f"{text}\n  hint: {info['hint']}" if info.get("hint") else text
