"""```{explain}```: an explanation the author writes in Markdown for a widget part or heading.

It stays in the page as a collapsed note (`<details>`, readable with no script, one line until opened);
widgets show it as an (i) popover next to the part named by `for` (e.g. `cell.forget`, `network.input`;
each widget documents its keys).
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
    body = ctx.markdown(block.body, block.body_line)
    return (f'<details class="explain" id="explain-{escape(key)}" data-explain="{escape(key)}" '
            f'data-title="{escape(title)}"><summary class="explain-title">{escape(title or key)}</summary>'
            f'{body}</details>')


register(Directive(
    name="explain",
    doc="Author-written explanation shown as an (i) popover by the widget part it is `for`.",
    options={"for": Opt(str, REQUIRED, doc="the key of the part it explains, e.g. `cell.forget`; each widget "
                                           "lists its keys"),
             "title": Opt(str, "", doc="the popover's heading", default_doc="the key")},
    body="markdown",
    render=render,
))
