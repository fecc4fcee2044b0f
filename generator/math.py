"""Math rendered at build time: `$…$` and `$$…$$` become MathML, so readers need no math script.

pymdown-extensions' arithmatex finds the math (respecting code spans and escapes); KaTeX (npm) renders
it in one persistent Node process. MathML is drawn natively by current browsers, with no fonts to load.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path

from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor

from precompute.errors import UnrolledError, line_of

from .config import SITE_SOURCES

WORKER = Path(__file__).with_name("katex_worker.mjs")
NODE_MODULES = SITE_SOURCES.parent / "node_modules"
FOUND = re.compile(r'<(span|div) class="arithmatex">(?:\\\(|\\\[)(.*?)(?:\\\)|\\\])</\1>', re.S)


class KatexProcess:
    """One Node process per build (or dev server), answering render requests in order."""

    def __init__(self):
        self._proc = None
        self._lock = threading.Lock()
        self._memo: dict[tuple[str, bool], tuple[str | None, str | None]] = {}

    def _start(self):
        node = shutil.which("node")
        if node is None or not (NODE_MODULES / "katex").is_dir():
            raise UnrolledError("math needs Node.js and the npm package katex", rule="math-katex-missing",
                                hint="run scripts/setup (it runs `npm ci`)")
        self._proc = subprocess.Popen([node, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True, encoding="utf-8", env={"UNROLLED_NODE_MODULES": str(NODE_MODULES)})

    def render(self, tex: str, display: bool) -> tuple[str | None, str | None]:
        """Return (html, None) or (None, KaTeX's error message)."""
        key = (tex, display)
        with self._lock:
            if key not in self._memo:
                if self._proc is None:
                    self._start()
                self._proc.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
                self._proc.stdin.flush()
                answer = json.loads(self._proc.stdout.readline())
                self._memo[key] = (answer.get("html"), answer.get("error"))
            return self._memo[key]

    def close(self):
        if self._proc is not None:
            self._proc.stdin.close()
            self._proc.wait(timeout=10)
            self._proc = None


class MathPostprocessor(Postprocessor):
    def __init__(self, md, katex: KatexProcess, source: str, text: str, offset: int):
        super().__init__(md)
        self.katex, self.source, self.text, self.offset = katex, source, text, offset

    def run(self, text: str) -> str:
        def replace(match):
            tex = html.unescape(match.group(2))
            rendered, error = self.katex.render(tex, match.group(1) == "div")
            if error:
                raise UnrolledError(f"math does not parse: {error}", file=self.source,
                                    line=line_of(self.text, tex, self.offset), rule="math-syntax",
                                    hint="fix the TeX; write \\$ for a literal dollar sign")
            return f'<div class="math-display">{rendered}</div>' if match.group(1) == "div" else rendered

        return FOUND.sub(replace, text)


class MathExtension(Extension):
    """Registers arithmatex (finding) plus the KaTeX postprocessor (rendering)."""

    def __init__(self, katex: KatexProcess, source: str, text: str, offset: int):
        super().__init__()
        self.args = (katex, source, text, offset)

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        from pymdownx.arithmatex import ArithmatexExtension

        ArithmatexExtension(generic=True, smart_dollar=True).extendMarkdown(md)
        md.postprocessors.register(MathPostprocessor(md, *self.args), "unrolled_math", 5)
