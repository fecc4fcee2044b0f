"""Math rendered at build time: `$…$` and `$$…$$` become KaTeX's HTML, so readers need no math script.

pymdown-extensions' arithmatex finds the math (respecting code spans and escapes); KaTeX (npm) renders
it in the generator's one Node process (generator/js.py) as HTML laid out in KaTeX's own fonts (aligned
columns, limits, spacing as TeX sets them; browsers' MathML is not yet on a par) with hidden MathML
beside it for assistive technology. The page links KaTeX's stylesheet (generator/assets.py) only when
it has math. A display equation wider than the column scrolls sideways in its own box, which is
focusable and labelled so keyboard users can scroll it too.
"""
from __future__ import annotations

import html
import re

from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor

from unrolled.precompute.errors import UnrolledError, line_of

from .js import NodeWorker

KATEX_MARK = 'class="katex"'  # in a page or data file: the page needs KaTeX's stylesheet
FOUND = re.compile(r'<(span|div) class="arithmatex">(?:\\\(|\\\[)(.*?)(?:\\\)|\\\])</\1>', re.S)


class MathPostprocessor(Postprocessor):
    def __init__(self, md, js: NodeWorker, source: str, text: str, offset: int):
        super().__init__(md)
        self.js, self.source, self.text, self.offset = js, source, text, offset

    def run(self, text: str) -> str:
        def replace(match):
            tex = html.unescape(match.group(2))
            rendered, error = self.js.math(tex, match.group(1) == "div")
            if error:
                raise UnrolledError(f"math does not parse: {error}", file=self.source,
                                    line=line_of(self.text, tex.strip(), self.offset), rule="math-syntax",
                                    hint="fix the TeX; write \\$ for a literal dollar sign")
            if match.group(1) == "div":
                return f'<div class="math-display" role="group" tabindex="0" aria-label="Equation">{rendered}</div>'
            return rendered

        return FOUND.sub(replace, text)


class MathExtension(Extension):
    """Registers arithmatex (finding) plus the KaTeX postprocessor (rendering)."""

    def __init__(self, js: NodeWorker, source: str, text: str, offset: int):
        super().__init__()
        self.args = (js, source, text, offset)

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        from pymdownx.arithmatex import ArithmatexExtension

        ArithmatexExtension(generic=True, smart_dollar=True).extendMarkdown(md)
        md.postprocessors.register(MathPostprocessor(md, *self.args), "unrolled_math", 5)
