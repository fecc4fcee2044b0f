"""```{explain}```: an explanation the author writes in Markdown for a widget part or heading.

It stays in the page as a readable aside (no script needed); widgets show it as an (i) popover next to
the part named by `for` (e.g. `cell.forget`, `network.input`; each widget documents its keys).
"""
from __future__ import annotations

import re
from html import escape

from . import REQUIRED, Directive, Opt, register

KEY = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$")


def render(block, ctx) -> str:
    key = block.options["for"]
    if not KEY.match(key):
        raise block.error(f"explanation key {key!r} is not of the form widget.part", rule="option-value",
                          option="for", hint="use lower-case words joined by dots, e.g. `for: cell.forget`")
    if not block.body.strip():
        raise block.error("{explain} needs a body: the explanation itself", rule="directive-body",
                          hint="after the option lines, leave a blank line and write the text")
    ctx.register_explanation(block, key)
    title = block.options["title"]
    heading = f'<p class="explain-title">{escape(title)}</p>' if title else ""
    body = ctx.markdown(block.body, block.body_line)
    return (f'<aside class="explain" id="explain-{escape(key)}" data-explain="{escape(key)}" '
            f'data-title="{escape(title)}">{heading}{body}</aside>')


register(Directive(
    name="explain",
    doc="Author-written explanation shown as an (i) popover by the widget part it is `for`.",
    options={"for": Opt(str, REQUIRED, doc="the part it explains, e.g. cell.forget or network.input"),
             "title": Opt(str, "", doc="heading of the popover")},
    body="markdown",
    render=render,
))
