"""Benchmark: edit -> rebuilt latency of one page under `unrolled serve` (goal: median <= 100 ms).

A private copy of the bundled content is served by the dev server in this process (watcher polling
every `--poll` seconds, HTTP server, one Server-Sent Events client on a socket). The article
`how-rnns-learn/index.md` (prose, widgets, KaTeX math) is saved N times, each time with one closing
sentence changed, at a random moment of the polling cycle. For each save it records:

  detect   save -> the watcher sees the change (polling wait: about poll/2 on average)
  rebuild  seen -> the page is re-rendered and its new bytes are on disk (os.replace done)
  disk     save -> new bytes on disk (= detect + rebuild): the headline number
  event    save -> the SSE `reload` event is read by the client (what makes the browser reload)

Baseline, measured in the same run: the raw `markdown.markdown()` of that page's body (plain
Python-Markdown, no extensions), i.e. the floor any Markdown-based rebuild pays.
The first build trains the page's run once (a few seconds) unless `--cache` names a filled cache.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_serve.py [--edits 30] [--poll 0.05]
"""
from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import random
import re
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "pythonpath"))  # unrolled.* from this checkout

import markdown  # noqa: E402

from unrolled.generator.build import SiteBuild  # noqa: E402
from unrolled.generator.config import load_project  # noqa: E402
from unrolled.generator.devserver import DevServer  # noqa: E402
from unrolled.generator.devwatch import snapshot  # noqa: E402
from unrolled.generator.frontmatter import split  # noqa: E402
from unrolled.generator.serve import url_of  # noqa: E402

PAGE = "how-rnns-learn/index.md"


class EventClock:
    """Reads /__unrolled/events on a raw socket; records when each `reload` event arrived."""

    def __init__(self, url: str):
        host, port = re.match(r"http://([\d.]+):(\d+)/", url).groups()
        self.sock = socket.create_connection((host, int(port)))
        self.sock.sendall(f"GET /__unrolled/events HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        self.arrived: dict[str, float] = {}  # build id -> perf_counter()
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        buffer, name = b"", None
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            now = time.perf_counter()
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                if line.startswith(b"event: "):
                    name = line[7:].decode()
                elif line.startswith(b"data: ") and name == "reload":
                    with self.cond:
                        self.arrived[json.loads(line[6:])["build"]] = now
                        self.cond.notify_all()

    def wait(self, build_id: str, timeout: float = 30) -> float:
        with self.cond:
            if not self.cond.wait_for(lambda: build_id in self.arrived, timeout):
                raise TimeoutError(build_id)
            return self.arrived[build_id]

    def close(self):
        self.sock.close()


def save(path: Path, text: str) -> None:
    """Save as most editors do: a temp file next to it, renamed over it."""
    tmp = path.with_name(f".{path.name}.saving")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def best(values: list[float]) -> str:
    return f"{statistics.median(values) * 1e3:7.1f} {sorted(values)[int(0.9 * (len(values) - 1))] * 1e3:7.1f} " \
           f"{min(values) * 1e3:7.1f} {max(values) * 1e3:7.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=30, help="number of saves (default: 30)")
    parser.add_argument("--poll", type=float, default=0.05, help="watcher polling interval, s (default: 0.05)")
    parser.add_argument("--cache", type=Path, help="an existing precompute cache to reuse (default: a fresh one)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    workdir = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    try:
        shutil.copytree(ROOT / "content", workdir / "content")
        project = load_project(workdir)
        if args.cache:
            project = dataclasses.replace(project, cache=str(args.cache.resolve()))
        source = project.content_dir / PAGE
        original = source.read_text(encoding="utf-8")

        # baseline: raw Python-Markdown on the page body
        _, body, _ = split(original, source)
        markdown.markdown(body)
        base = []
        for _ in range(max(30, args.edits)):
            start = time.perf_counter()
            markdown.markdown(body)
            base.append(time.perf_counter() - start)

        dev = DevServer(project, show_progress=False, poll=args.poll, background=False, out=io.StringIO(),
                        err=sys.stderr)  # the first build trains, as it says above
        start = time.perf_counter()
        if not dev.initial_build():
            raise SystemExit(f"the first build failed: {dev.error}")
        first_build = time.perf_counter() - start
        server = dev.make_server(0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        dev.start_watching()
        clock = EventClock(url_of(server))
        roots = dev.roots()
        scans = []
        for _ in range(50):
            t = time.perf_counter()
            snapshot(roots)
            scans.append(time.perf_counter() - t)

        rows = {"detect": [], "rebuild": [], "disk": [], "event": []}
        rendered = set()
        time.sleep(0.3)
        for i in range(args.edits):
            time.sleep(rng.uniform(0, args.poll) + 0.01)  # a random phase of the polling cycle
            seen = len(dev.attempts)
            text = original.rstrip("\n") + f"\n\nThis sentence was saved {i + 1} times while serving.\n"
            saved = time.perf_counter()
            save(source, text)
            while True:  # skip rebuilds caused by anything else (e.g. the package's site/ being edited)
                attempt = dev.wait_for_attempt(seen, timeout=60)
                if str(source) in attempt.triggers:
                    break
                seen = attempt.number
            if not attempt.ok:
                raise SystemExit(f"rebuild failed: {attempt.error}")
            arrived = clock.wait(dev.build_id)
            rendered.update(attempt.rendered)
            rows["detect"].append(attempt.detected - saved)
            rows["rebuild"].append(attempt.finished - attempt.detected)
            rows["disk"].append(attempt.finished - saved)
            rows["event"].append(arrived - saved)
        clock.close()
        server.shutdown()
        dev.close()
        server.server_close()
        on_disk = {q.relative_to(project.out_dir).as_posix(): q.read_bytes()
                   for q in project.out_dir.rglob("*") if q.is_file()}
        identical = on_disk == SiteBuild(project, show_progress=False).run()

        print(f"bench_serve: {PAGE} ({len(original)} bytes), {args.edits} saves, polling every "
              f"{args.poll * 1e3:.0f} ms; first full build {first_build:.1f} s; pages rendered per save: "
              f"{sorted(rendered)}")
        print(f"one poll (stat of {len(snapshot(roots))} watched files): median {statistics.median(scans) * 1e3:.2f} ms")
        print(f"{'ms':28} {'median':>7} {'p90':>7} {'min':>7} {'max':>7}")
        print(f"{'baseline markdown.markdown()':28} {best(base)}")
        for name, label in [("detect", "save -> change seen"), ("rebuild", "seen -> on disk (rebuild)"),
                            ("disk", "save -> on disk"), ("event", "save -> SSE reload event")]:
            print(f"{label:28} {best(rows[name])}")
        median = statistics.median(rows["disk"]) * 1e3
        print(f"served folder after the last save is byte-identical to a plain build: {'yes' if identical else 'NO'}")
        print(f"goal: save -> on disk median <= 100 ms: {'met' if median <= 100 else 'NOT met'} ({median:.1f} ms); "
              f"rebuild alone is {statistics.median(rows['rebuild']) / statistics.median(base):.1f}x the baseline")
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
