"""Highlighted code blocks take keyboard focus: a line wider than the column scrolls sideways inside its
block (site/css/unrolled.css), and a reader without a pointer scrolls it with the arrow keys once focused."""
from __future__ import annotations

from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor

OPENING = '<div class="highlight"><pre>'  # how CodeHilite opens every block


class FocusableCode(Postprocessor):
    def run(self, text: str) -> str:
        return text.replace(OPENING, '<div class="highlight"><pre tabindex="0">')


class CodeBlockExtension(Extension):
    def extendMarkdown(self, md):
        # after Markdown's raw_html postprocessor (priority 30) has put the highlighted blocks back
        md.postprocessors.register(FocusableCode(md), "unrolled_code_focus", 20)
