"""```{pyodide}```: a Python cell that readers can edit and run in their browser (Pyodide in a Web Worker).

The static first frame is the code, highlighted by Pygments, readable without scripts; the widget
module (site/js/widgets/pyodide.js) adds the editor, Run/Stop/Reset and the output. See docs/pyodide.md.
"""
from __future__ import annotations

import json
import math
import re
import weakref
from html import escape

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from .. import vendor
from . import Directive, Opt, register

IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
TAG = re.compile(r"<[A-Za-z][^>]*>")
ATTR = re.compile(r'\s(id|data-widget)="([^"]*)"')
MAX_TIMEOUT = 24 * 3600.0

_pages: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # page context -> {"count", "ids"}


def element_id(cell_id: str) -> str:
    """The cell's element id and (in angle brackets) its traceback filename: `cell-ID`."""
    return cell_id if cell_id.startswith("cell-") else f"cell-{cell_id}"


def highlighted(code: str) -> str:
    html = highlight(code, PythonLexer(stripnl=False, ensurenl=False), HtmlFormatter(nowrap=True))
    return html[:-1] if html.endswith("\n") and not code.endswith("\n") else html


def widget_ids(html: str) -> list[str]:
    """Element ids of the widgets in a rendered page."""
    ids = []
    for tag in TAG.findall(html):
        attrs = dict(ATTR.findall(tag))
        if "data-widget" in attrs and "id" in attrs:
            ids.append(attrs["id"])
    return ids


def check_option(block, name: str, ok: bool, message: str, hint: str) -> None:
    if not ok:
        raise block.error(message, rule="option-value", option=name, hint=hint)


def validate(block, ctx, runtime) -> dict:
    o = block.options
    state = _pages.setdefault(ctx, {"count": 0, "ids": {}})
    state["count"] += 1
    cell_id = o["id"] or f"cell-{state['count']}"
    check_option(block, "id", bool(IDENT.match(cell_id)), f"cell id {cell_id!r} is not an identifier",
                 "use letters, digits, '-' and '_', starting with a letter, e.g. `id: train`")
    eid = element_id(cell_id)
    if eid in state["ids"]:
        raise block.error(f"cell id {cell_id!r} is already used by the cell at line {state['ids'][eid]}",
                          rule="pyodide-id-duplicate", option="id" if o["id"] else None,
                          hint="give each {pyodide} cell of a page its own `id:`")
    state["ids"][eid] = block.line
    timeout = o["timeout"]
    check_option(block, "timeout", math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT,
                 f"timeout must be a number of seconds above 0, got {timeout:g}",
                 "write e.g. `timeout: 30` (seconds a run may take before it is stopped)")
    check_option(block, "session", bool(IDENT.match(o["session"])), f"session {o['session']!r} is not a name",
                 "use letters, digits, '-' and '_', e.g. `session: training`")
    for name in o["packages"]:
        if vendor.normalize(name) not in runtime.available:
            hint = (f"vendored packages: {', '.join(sorted(runtime.available))}; run `unrolled vendor-pyodide "
                    f"--dist PATH --package {name}` to add it" if runtime.vendored else
                    "use the name of a package in Pyodide 0.29.5's distribution (its pyodide-lock.json), e.g. numpy")
            raise block.error(f"package {name!r} is not in the Pyodide distribution", rule="option-value",
                              option="packages", hint=hint)
    for target in o["drives"]:
        check_option(block, "drives", bool(IDENT.match(target)), f"drives target {target!r} is not an element id",
                     "name widgets by their element id, e.g. `drives: w3-predictions`")
    return {"id": cell_id, "element": eid}


def render(block, ctx) -> str:
    code = block.body
    if not code.strip():
        raise block.error("{pyodide} needs a body: the Python code of the cell", rule="directive-body",
                          hint="after the option lines, leave a blank line and write the code")
    try:
        runtime = vendor.runtime(ctx.site.project)
    except Exception as exc:  # noqa: BLE001 - re-raised with the block's file:line
        hint = getattr(exc, "hint", None)
        raise block.error(getattr(exc, "message", str(exc)), rule=getattr(exc, "rule", "pyodide-missing"),
                          hint=hint) from None
    names = validate(block, ctx, runtime)
    o = block.options
    drives = list(o["drives"])
    if drives:
        def check(html: str, block=block, drives=drives) -> None:
            present = widget_ids(html)
            for target in drives:
                if target not in present:
                    known = ", ".join(i for i in present if not i.startswith("cell-")) or "none"
                    raise block.error(f"cell drives {target!r}, but the page has no widget with that id",
                                      rule="ref-drives", option="drives", hint=f"widgets on this page: {known}")
        ctx.checks.append(check)
    ctx.use_widget("pyodide")
    options = {"id": names["id"], "filename": f"<{names['element']}>", "code": code, "autorun": o["autorun"],
               "edit": o["edit"], "timeout": o["timeout"], "packages": list(o["packages"]), "drives": drives,
               "session": o["session"], "runtime": runtime.options(ctx.page.prefix)}
    data = escape(json.dumps(options, sort_keys=True, separators=(",", ":")))
    cell_name = escape(names["id"])
    label = f"Python · {cell_name}"
    caption = f"<figcaption>{escape(o['caption'])}</figcaption>" if o["caption"] else ""
    return (f'<figure class="widget widget-pyodide" id="{names["element"]}" data-widget="pyodide" '
            f'data-options="{data}"><div class="py-bar"><span class="py-label">{label}</span></div>'
            f'<div class="widget-frame"><pre class="highlight py-static" tabindex="0" '
            f'aria-label="Python code of cell {cell_name}">'
            f'<code>{highlighted(code)}</code></pre></div>{caption}</figure>')


register(Directive(
    name="pyodide",
    doc="Python code readers can edit and run in the browser; it can publish data to the page's widgets.",
    options={"id": Opt(str, "", doc="identifier, unique per page: letters, digits, '-' and '_', starting with a "
                                    "letter; the cell's element id is `cell-ID` and tracebacks name its code "
                                    "`<cell-ID>`", default_doc="`cell-N`, N counting the page's cells"),
             "autorun": Opt(bool, False, doc="run the cell when it scrolls into view (once per page load)"),
             "edit": Opt(bool, True, doc="let the reader edit the code (Reset restores the author's code)"),
             "timeout": Opt(float, 30.0, doc="seconds a run may take before it is stopped (a number above 0)"),
             "packages": Opt(list, [], doc="packages of Pyodide's distribution to load before the code runs, e.g. "
                                           "`numpy`; `import numpy` and `import unrolled_lite` load NumPy by "
                                           "themselves too"),
             "drives": Opt(list, [], doc="element ids of the widgets on the page the cell publishes to, e.g. "
                                         "`w3-predictions`"),
             "session": Opt(str, "default", doc="cells with the same session share one interpreter (one worker); "
                                                "another name gets its own"),
             "caption": Opt(str, "", doc="a caption under the cell, plain text (not Markdown)",
                            default_doc="none")},
    body="code",
    render=render,
    record=lambda block, needs: needs.need_python(block.options["packages"]),
))
