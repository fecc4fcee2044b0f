"""A project's own templates: a mistake in one is reported at the template's file and line.

Jinja2 raises syntax errors with their file and line, and rewrites the traceback of errors raised
while rendering so that its frames are the templates' lines; the last such frame is where to look.
"""
from __future__ import annotations

import traceback
from pathlib import Path

import jinja2

from unrolled.precompute.errors import UnrolledError

HINTS = {
    "template-syntax": "close every {% if %}/{% for %}/{% block %} with its {% end... %} tag and check the tag names",
    "template-missing": "create the template in the project's templates folder, or fix the name in the include",
    "template-undefined": "use only the variables templates receive (site, page, meta, content, toc, articles, nav, "
                          "prefix, styles, page_js, import_map), or guard optional ones with `is defined`",
    "template-error": "fix the expression on that line of the template",
}


def template_error(exc: Exception, root: Path) -> UnrolledError | None:
    """The author-facing error for `exc`, raised while loading or rendering a template; None if no
    template line is involved (then it is a bug, not a template mistake)."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        file, line = exc.filename, exc.lineno
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith((".html", ".jinja"))]
        if not frames:
            return None
        file, line = frames[-1].filename, frames[-1].lineno
    if isinstance(exc, jinja2.TemplateSyntaxError):
        rule, message = "template-syntax", f"template syntax error: {exc.message}"
    elif isinstance(exc, jinja2.TemplateNotFound):
        rule, message = "template-missing", f"template {exc.name!r} not found"
    elif isinstance(exc, jinja2.UndefinedError):
        rule, message = "template-undefined", f"undefined in template: {exc.message}"
    else:
        rule, message = "template-error", f"template failed: {type(exc).__name__}: {exc}"
    path = Path(file)
    shown = path.relative_to(root) if path.is_absolute() and path.is_relative_to(root) else path
    return UnrolledError(message, file=shown, line=line, rule=rule, hint=HINTS[rule])
