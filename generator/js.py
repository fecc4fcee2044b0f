"""The generator's JavaScript engine: one persistent Node process per build (or dev server).

It answers two kinds of request, both memoised: TeX rendered to MathML by KaTeX (`math`), and a widget's
first frame rendered by the widget's own ES module (`frame`), so a page's static figure and the live
widget come from one renderer. Everything else in the generator talks to this small interface only,
so the engine could be swapped for an embedded one.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

from unrolled.precompute.errors import UnrolledError

from .config import SITE_SOURCES

WORKER = Path(__file__).with_name("node_worker.mjs")
NODE_MODULES = SITE_SOURCES.parent / "node_modules"


class FrameError(Exception):
    """A widget module failed to render its first frame (the message is the JS stack)."""


class NodeWorker:
    def __init__(self):
        self._proc = None
        self._imports: dict[str, str] = {}
        self._lock = threading.Lock()
        self._math: dict[tuple[str, bool], tuple[str | None, str | None]] = {}
        self._frames: dict[bytes, tuple[str, str | None]] = {}

    def math(self, tex: str, display: bool) -> tuple[str | None, str | None]:
        """Return (MathML, None) or (None, KaTeX's error message)."""
        key = (tex, display)
        with self._lock:
            if key not in self._math:
                answer = self._ask({"op": "math", "tex": tex, "display": display})
                self._math[key] = (answer.get("html"), answer.get("error"))
            return self._math[key]

    def frame(self, widget: str, data, options: dict, element_id: str, imports: dict[str, str]) -> tuple[str, str | None]:
        """The first frame of `widget` (markup inside `.widget-frame`) and its data table, if it has one.

        `imports` resolves the modules' bare specifiers (generator/assets.py); a different mapping (a
        module was edited under the dev server) starts a fresh process, since Node caches modules.
        """
        line = json.dumps({"op": "frame", "widget": widget, "data": data, "options": options, "id": element_id},
                          sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        with self._lock:
            if imports != self._imports:
                self._stop()
                self._imports = dict(imports)
                self._frames.clear()
            key = hashlib.sha256(line.encode()).digest()
            if key not in self._frames:
                answer = self._ask_line(line)
                if "error" in answer:
                    raise FrameError(answer["error"])
                self._frames[key] = (answer["frame"], answer["table"])
            return self._frames[key]

    def close(self):
        with self._lock:
            self._stop()

    # -- the process ------------------------------------------------------------------------------
    def _start(self):
        node = shutil.which("node")
        if node is None or not (NODE_MODULES / "katex").is_dir():
            raise UnrolledError("the generator needs Node.js and the npm packages (KaTeX)", rule="node-missing",
                                hint="run scripts/setup (it runs `npm ci`)")
        env = {"UNROLLED_NODE_MODULES": str(NODE_MODULES), "UNROLLED_IMPORTS": json.dumps(self._imports)}
        if "PATH" in os.environ:
            env["PATH"] = os.environ["PATH"]
        self._proc = subprocess.Popen([node, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True, encoding="utf-8", env=env)

    def _ask(self, request: dict) -> dict:
        return self._ask_line(json.dumps(request))

    def _ask_line(self, line: str) -> dict:
        if self._proc is None:
            self._start()
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()
        answer = self._proc.stdout.readline()
        if not answer:
            self._stop()
            raise UnrolledError("the generator's Node process stopped", rule="node-worker",
                                hint="run `node generator/node_worker.mjs` to see its error")
        return json.loads(answer)

    def _stop(self):
        if self._proc is not None:
            self._proc.stdin.close()
            self._proc.wait(timeout=10)
            self._proc = None
