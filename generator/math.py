"""Math rendered at build time: `$…$` and `$$…$$` become MathML, so readers need no math script.

pymdown-extensions' arithmatex finds the math (respecting code spans and escapes); KaTeX (npm) renders
it in the generator's one Node process (generator/js.py). MathML is drawn natively by current
browsers, with no fonts to load.
"""
from __future__ import annotations

import html
import re

from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor

from unrolled.precompute.errors import UnrolledError, line_of

from .js import NodeWorker

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
                                    line=line_of(self.text, tex, self.offset), rule="math-syntax",
                                    hint="fix the TeX; write \\$ for a literal dollar sign")
            return f'<div class="math-display">{rendered}</div>' if match.group(1) == "div" else rendered

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
