"""```{tour}```: a guided tour of the page for first-time readers, built from the author's {explain} texts.

Each step names an explanation key; the tour scrolls to that part of the page (its (i) button, or the
widget itself for a bare widget name), highlights it and shows the explanation. It starts only when the
reader asks ("Take the tour"), and resumes where the reader left it. Without JavaScript the tour is a
list of links to the explanations, in order, named by their titles.
"""
from __future__ import annotations

import re
import html as html_mod
from html import escape

from . import REQUIRED, Directive, Opt, figure, register, widget_id

KEY = re.compile(r'data-explain="([^"]+)"[^>]*data-title="([^"]*)"')


def render(block, ctx) -> str:
    steps = block.options["steps"]
    if not steps:
        raise block.error("{tour} needs at least one step", rule="option-value", option="steps",
                          hint="list explanation keys, e.g. `steps: network, network.input, cell.forget`")
    if len(set(steps)) != len(steps):
        raise block.error("a tour step is listed twice", rule="option-value", option="steps",
                          hint="list each explanation key once")
    element_id = widget_id(block)

    def titles(html: str) -> str:
        """Explanations may come later in the page: name each stop by its {explain} title at the end."""
        present = {html_mod.unescape(k): html_mod.unescape(t) for k, t in KEY.findall(html)}
        missing = [s for s in steps if s not in present]
        if missing:
            raise block.error(f"tour step {missing[0]!r} has no {{explain}} block on this page", rule="ref-explain",
                              option="steps", hint="write an {explain} block with `for: " + missing[0]
                              + "`, or remove the step; keys on this page: " + (", ".join(sorted(present)) or "none"))
        items = "".join(f'<li><a href="#explain-{escape(s)}">{escape(present[s] or s)}</a></li>' for s in steps)
        return html.replace(placeholder, items, 1)

    placeholder = f"<!--tour-steps:{element_id}-->"
    ctx.rewrites.append(titles)
    title = block.options["title"]
    frame = (f'<p class="tour-intro"><strong>{escape(title)}</strong>: {len(steps)} stops, each with an '
             f'explanation. <a class="tour-start" href="#explain-{escape(steps[0])}">Take the tour</a></p>'
             f'<ol class="tour-steps">{placeholder}</ol>')
    return figure(block, ctx, frame=frame, caption="A guided tour of the figures on this page.",
                  options={"steps": steps, "title": title})


register(Directive(
    name="tour",
    doc="A guided tour through the page's explanations, started when the reader asks.",
    options={"steps": Opt(list, REQUIRED, doc="explanation keys in order, each once, e.g. `network.input, "
                                            "network.lr, cell.forget`"),
             "title": Opt(str, "A tour of this page", doc="the tour's name")},
    render=render,
))
