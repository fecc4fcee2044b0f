"""`unrolled serve` as a dev server: incremental rebuilds, atomic writes, live-reload events, errors that
never stop it, and a file server that never leaves the site folder.

Projects here are tiny Markdown articles (no runs, so no training), except the run-spec test, which trains
three very small runs. Durations are never asserted: speed is measured in bench/bench_serve.py.
"""
from __future__ import annotations

import io
import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from unrolled.generator.build import TEMPLATES, SiteBuild
from unrolled.generator.config import SITE_SOURCES, load_project
from unrolled.generator.devchanges import Work, classify
from unrolled.generator.devreload import CLIENT_PATH, CLIENT_SOURCE
from unrolled.generator.devserver import DevServer
from unrolled.generator.devsync import read_tree
from unrolled.generator.devwatch import ignored
from unrolled.generator.serve import make_server, url_of
from tests.conftest import ROOT, copy_bundled, copy_project

FRONT = "---\ntitle: Notebook\ntoc: false\n---\n\nA front page.\n"


def article(title: str, text: str, *, order: int = 1, extra: str = "") -> str:
    return f"---\ntitle: {title}\norder: {order}\n{extra}---\n\n## Notes\n\n{text}\n"


def write(path: Path, text: str) -> None:
    """Replace a file in one step, as most editors save, so a poll never sees it half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.saving")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def tiny_project(root: Path, alpha: str = "First draft of alpha.") -> Path:
    write(root / "content" / "index.md", FRONT)
    write(root / "content" / "alpha" / "index.md", article("Alpha", alpha, order=1))
    write(root / "content" / "beta" / "index.md", article("Beta", "Beta stays as it is.", order=2))
    return root


@contextmanager
def running(root, **options):
    """A DevServer (for a project folder or a Project) on a free port, serving and watching in threads.
    Stale runs train before each build unless `background=True` (test_devtraining.py)."""
    out, err = io.StringIO(), io.StringIO()
    project = load_project(root) if isinstance(root, Path) else root
    options.setdefault("background", False)
    dev = DevServer(project, show_progress=False, poll=options.pop("poll", 0.02), out=out, err=err, **options)
    dev.initial_build()
    server = dev.make_server(0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    dev.start_watching()
    dev.log_out, dev.log_err = out, err
    try:
        yield dev, url_of(server)
    finally:
        server.shutdown()
        dev.close()
        server.server_close()
        thread.join(timeout=10)


def edit(dev: DevServer, path: Path, text: str):
    """Save `text` to `path` and wait for the rebuild it causes."""
    seen = len(dev.attempts)
    write(path, text)
    return wait_for_trigger(dev, path, seen)


def remove(dev: DevServer, path: Path):
    seen = len(dev.attempts)
    path.unlink()
    return wait_for_trigger(dev, path, seen)


def wait_for_trigger(dev: DevServer, path: Path, seen: int):
    """The first rebuild after `seen` that `path` caused (the watcher also sees edits to the package's
    own templates and site/ folder, which may land in between)."""
    while True:
        attempt = dev.wait_for_attempt(seen, timeout=120)
        if str(path) in attempt.triggers:
            return attempt
        seen = attempt.number


def plain_build(project, **options) -> dict[str, bytes]:
    return SiteBuild(project, show_progress=False, **options).run()


def assert_same_as_plain_build(dev: DevServer, **options) -> None:
    """The served folder holds exactly what `unrolled build` writes. (If the package's own site/ or
    templates change meanwhile, the watcher rebuilds too: give it a moment to catch up.)"""
    for _ in range(20):
        on_disk = read_tree(dev.project.out_dir)
        expected = plain_build(dev.project, **options)
        if on_disk == expected:
            return
        time.sleep(0.5)
    assert sorted(on_disk) == sorted(expected)
    assert [name for name in expected if on_disk[name] != expected[name]] == []


def get(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, dict(response.headers), response.read()


def raw_request(url: str, target: str) -> tuple[int, bytes]:
    """Send the request line exactly as written (no client-side normalisation of `..` or `%2e`)."""
    host, port = re.match(r"http://([\d.]+):(\d+)/", url).groups()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    return int(response.split(b" ", 2)[1]), response


class EventReader:
    """Reads /__unrolled/events in a thread; `next(name)` returns the next event of that name."""

    def __init__(self, url: str, query: str = ""):
        self.events: queue.Queue = queue.Queue()
        self.response = urllib.request.urlopen(url + "__unrolled/events" + query, timeout=60)
        self.headers = dict(self.response.headers)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        name, data = None, []
        try:
            for raw in self.response:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line == "" and name:
                    self.events.put((name, json.loads("\n".join(data))))
                    name, data = None, []
        except (OSError, ValueError):
            pass

    def next(self, name: str, timeout: float = 60) -> dict:
        while True:
            got, data = self.events.get(timeout=timeout)
            if got == name:
                return data

    def close(self):
        self.response.close()


# -- incremental rebuilds ---------------------------------------------------------------------------

def test_editing_one_article_renders_and_writes_only_that_page(tmp_path):
    root = tiny_project(tmp_path)
    with running(root) as (dev, _):
        out = dev.project.out_dir
        before = {p: os.stat(p) for p in out.rglob("*") if p.is_file()}
        seen = len(dev.attempts)
        attempt = edit(dev, root / "content" / "alpha" / "index.md", article("Alpha", "Second draft of alpha."))
        assert attempt.ok and attempt.kind == "pages"
        assert attempt.rendered == ["alpha/index.html"]
        assert attempt.written == ["alpha/index.html"] and attempt.removed == []
        assert "Second draft of alpha." in (out / "alpha" / "index.html").read_text()
        foreign = {out / name for a in dev.attempts[seen:] if a is not attempt for name in a.written}
        for path, st in before.items():
            if path != out / "alpha" / "index.html" and path not in foreign:
                now = os.stat(path)
                assert (now.st_ino, now.st_mtime_ns) == (st.st_ino, st.st_mtime_ns), path
        assert_same_as_plain_build(dev)


def test_a_page_gaining_or_losing_the_only_python_cell_brings_or_drops_the_runtime(tmp_path):
    """The runtime follows what the pages' directives record (PageNeeds), not a marker in their HTML."""
    root = tiny_project(tmp_path)
    alpha = root / "content" / "alpha" / "index.md"
    runtime = lambda: sorted(dev.project.out_dir.glob("pyodide/*/pyodide.mjs"))  # noqa: E731
    with running(root) as (dev, _):
        assert runtime() == []
        attempt = edit(dev, alpha, article("Alpha", "A cell:\n\n```{pyodide}\nprint(1)\n```"))
        assert attempt.ok and attempt.kind == "full" and len(runtime()) == 1
        assert_same_as_plain_build(dev)
        attempt = edit(dev, alpha, article("Alpha", "A cell:\n\n```{pyodide}\nprint(2)\n```"))
        assert attempt.ok and attempt.kind == "pages" and len(runtime()) == 1
        attempt = edit(dev, alpha, article("Alpha", "No cell now."))
        assert attempt.ok and attempt.kind == "full" and runtime() == []
        assert_same_as_plain_build(dev)


def test_front_matter_change_rerenders_the_pages_that_show_it(tmp_path):
    root = tiny_project(tmp_path)
    with running(root) as (dev, _):
        attempt = edit(dev, root / "content" / "alpha" / "index.md", article("Alpha, renamed", "First draft of alpha."))
        assert attempt.ok and sorted(attempt.rendered) == ["alpha/index.html", "beta/index.html", "index.html"]
        assert sorted(attempt.written) == ["alpha/index.html", "beta/index.html", "index.html"]
        assert "Alpha, renamed" in (dev.project.out_dir / "beta" / "index.html").read_text()  # the pager
        assert_same_as_plain_build(dev)


def test_articles_added_drafted_and_deleted(tmp_path):
    root = tiny_project(tmp_path)
    out = root / "_site"
    with running(root) as (dev, _):
        gamma = root / "content" / "gamma" / "index.md"
        attempt = edit(dev, gamma, article("Gamma", "A new article.", order=3))
        assert attempt.ok and "gamma/index.html" in attempt.written and (out / "gamma" / "index.html").is_file()
        assert_same_as_plain_build(dev)

        attempt = edit(dev, gamma, article("Gamma", "A new article.", order=3, extra="draft: true\n"))
        assert attempt.ok and attempt.removed == ["gamma/index.html"] and not (out / "gamma").exists()
        assert_same_as_plain_build(dev)

        attempt = remove(dev, root / "content" / "beta" / "index.md")
        assert attempt.ok and attempt.removed == ["beta/index.html"] and not (out / "beta").exists()
        assert_same_as_plain_build(dev)


def test_template_change_rebuilds_everything_and_template_errors_are_reported(tmp_path):
    root = tiny_project(tmp_path)
    template = root / "templates" / "article.html"
    with running(root) as (dev, _):
        attempt = edit(dev, template, '{% extends "base.html" %}\n{% block main %}<p class="custom">{{ meta.title }}'
                                      '</p>{{ content | safe }}{% endblock %}\n')
        assert attempt.ok and attempt.kind == "full"
        assert sorted(p for p in attempt.written if p.endswith(".html")) == ["alpha/index.html", "beta/index.html"]
        assert '<p class="custom">Alpha</p>' in (root / "_site" / "alpha" / "index.html").read_text()
        assert_same_as_plain_build(dev)

        attempt = edit(dev, template, '{% extends "base.html" %}\n{% block main %}\n{{ content | safe }\n')
        assert not attempt.ok and attempt.error["file"] == "templates/article.html"
        assert attempt.error["rule"] == "template-syntax" and attempt.error["line"] == 3
        attempt = edit(dev, template, '{% extends "base.html" %}\n{% block main %}{{ content | safe }}{% endblock %}\n')
        assert attempt.ok and dev.error is None
        assert_same_as_plain_build(dev)


def test_run_spec_change_retrains_only_the_stale_run_and_rerenders_its_page(tmp_path):
    def spec(name, epochs):
        return (f'[run.{name}]\ndataset = "square"\ncell = "gru"\nlayers = 1\nhidden = 4\nsequences = 25\n'
                f'batch = 25\nwindow = 8\nepochs = {epochs}\n\n')

    root = tiny_project(tmp_path)
    write(root / "content" / "alpha" / "runs.toml", spec("r-one", 1) + spec("r-two", 1))
    write(root / "content" / "alpha" / "index.md", article("Alpha", "```{predictions}\nrun: r-one\n```\n\n"
                                                          "```{predictions}\nrun: r-two\n```", extra="runs: runs.toml\n"))
    write(root / "content" / "beta" / "other.toml", spec("r-three", 1))
    write(root / "content" / "beta" / "index.md", article("Beta", "```{predictions}\nrun: r-three\n```", order=2,
                                                         extra="runs: other.toml\n"))
    cache = root / ".cache" / "precompute"

    def entries():
        """run name/key -> mtime of each cache entry (slot folders are `<run>@<spec digest>`)."""
        return {p.relative_to(cache).as_posix().split("@")[0] + "/" + p.parent.name: p.stat().st_mtime_ns
                for p in cache.glob("*/*/run.json")}

    with running(root) as (dev, _):
        assert dev.attempts[0].ok, dev.attempts[0].error
        first = entries()
        assert sorted(k.split("/")[0] for k in first) == ["r-one", "r-three", "r-two"]

        attempt = edit(dev, root / "content" / "alpha" / "runs.toml", spec("r-one", 1) + spec("r-two", 2))
        assert attempt.ok, attempt.error
        assert attempt.rendered == ["alpha/index.html"]
        assert "alpha/index.html" in attempt.written and "beta/index.html" not in attempt.written
        assert [p for p in attempt.written if p.startswith("data/")] and [p for p in attempt.removed if p.startswith("data/")]
        now = entries()
        assert {k: v for k, v in now.items() if not k.startswith("r-two/")} == \
            {k: v for k, v in first.items() if not k.startswith("r-two/")}  # r-one and r-three untouched
        assert [k for k in now if k.startswith("r-two/")] != [k for k in first if k.startswith("r-two/")]
        assert_same_as_plain_build(dev, frozen=True)  # and nothing is left stale

        attempt = edit(dev, root / "content" / "alpha" / "runs.toml", spec("r-one", 1) + spec("r-two", 2) + "hidden = 0\n")
        assert not attempt.ok and attempt.error["rule"].startswith("spec")
        assert attempt.error["file"] == "content/alpha/runs.toml" and attempt.error["line"]
        attempt = edit(dev, root / "content" / "alpha" / "runs.toml", spec("r-one", 1) + spec("r-two", 2))
        assert attempt.ok and dev.error is None


def test_bundled_article_edits_render_one_page_identical_to_a_plain_build(tmp_path, bundled_project):
    """The real articles (widgets, cells, math, citations): incremental output is byte for byte a build's.
    (Starts from the session's trained cache, in a private copy.)"""
    project = load_project(copy_bundled(tmp_path, bundled_project))
    source = project.content_dir / "how-rnns-learn" / "index.md"
    text = source.read_text(encoding="utf-8")
    meta_end = text.index("\n---\n", 4) + 5
    with running(project) as (dev, _):
        assert dev.attempts[0].ok, dev.attempts[0].error
        for added in ["A new first paragraph.\n\nAnd a second one.\n\n", "One line fewer.\n\n"]:
            attempt = edit(dev, source, text[:meta_end] + added + text[meta_end:])  # every line below moves
            assert attempt.ok and attempt.kind == "pages", attempt.error
            assert attempt.rendered == ["how-rnns-learn/index.html"]
            assert added.split("\n")[0].encode() in (project.out_dir / "how-rnns-learn" / "index.html").read_bytes()
            assert_same_as_plain_build(dev)


def test_changes_are_classified_and_editor_files_ignored(tmp_path):
    root = tiny_project(tmp_path)
    dev = DevServer(load_project(root), show_progress=False)
    project, content = dev.project, dev.project.content_dir
    assert classify(project, {str(content / "alpha" / "index.md")}) == Work(sources={content / "alpha" / "index.md"})
    assert classify(project, {str(content / "index.md")}) == Work(sources={content / "index.md"})
    assert classify(project, {str(content / "alpha" / "runs.toml")}) == Work(specs={content / "alpha" / "runs.toml"})
    assert classify(project, {str(content / "alpha" / "figure.svg")}).full
    assert classify(project, {str(root / "templates" / "base.html")}).full
    assert classify(project, {str(TEMPLATES / "base.html")}).full and classify(project, {str(SITE_SOURCES / "x.css")}).full
    assert {str(TEMPLATES / "base.html"), str(SITE_SOURCES / "css" / "unrolled.css")} <= dev.scan().keys()
    assert classify(project, {str(project.root / "unrolled.toml")}) == Work(full=True, config=True)
    for name in [".index.md.swp", "index.md~", "4913", ".#index.md", "#index.md#", "__pycache__"]:
        assert ignored(name), name
        (content / "alpha" / name).write_text("x")
    assert not any(ignored(p.name) for p in map(Path, dev.scan()))
    assert str(content / "alpha" / "index.md") in dev.scan()


# -- serving ----------------------------------------------------------------------------------------

def test_served_pages_carry_the_client_and_built_files_do_not(tmp_path):
    root = tiny_project(tmp_path)
    with running(root) as (dev, url):
        out = dev.project.out_dir
        status, headers, body = get(url + "alpha/")
        on_disk = (out / "alpha" / "index.html").read_bytes()
        tag = re.search(rb'<script src="/__unrolled/livereload\.js" data-build="[\w.]+" data-version="[0-9a-f]{16}"></script>\n', body).group(0)
        assert body.replace(tag, b"") == on_disk and body.endswith(tag + b"</body>\n</html>\n")
        assert headers["Content-Length"] == str(len(body))
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
        for path in out.rglob("*.html"):  # no built page loads the client (assets.py copies site/js/dev/ too)
            html = path.read_bytes()
            assert b"__unrolled" not in html and not re.search(rb"<script[^>]*livereload", html), path

        status, headers, body = get(url + CLIENT_PATH.lstrip("/"))
        assert status == 200 and headers["Content-Type"].startswith("text/javascript")
        assert body == CLIENT_SOURCE.read_bytes()
        css = next(p for p in out.rglob("*.css"))
        assert get(url + css.relative_to(out).as_posix())[2] == css.read_bytes()

        version = re.search(rb'data-version="([0-9a-f]{16})"', tag).group(1).decode()
        outdated = EventReader(url, "?page=/alpha/&version=0000000000000000")
        assert outdated.next("hello")["stale"] is True  # that page changed since it was served: reload
        outdated.close()
        events = EventReader(url, f"?page=/alpha/&version={version}")
        try:
            assert events.headers["Content-Type"].startswith("text/event-stream")
            assert events.headers["Cross-Origin-Resource-Policy"] == "same-origin"
            assert events.next("hello") == {"build": dev.build_id, "error": None, "stale": False, "training": []}
        finally:
            events.close()

    static = make_server(root / "_site", 0)  # the plain server (`--no-build`) adds nothing
    threading.Thread(target=static.serve_forever, daemon=True).start()
    try:
        assert get(url_of(static) + "alpha/")[2] == (root / "_site" / "alpha" / "index.html").read_bytes()
    finally:
        static.shutdown()
        static.server_close()


TRAVERSALS = [
    "/../secret.txt", "/../../../../../../etc/passwd", "/%2e%2e/secret.txt", "/%2E%2E/%2E%2E/etc/passwd",
    "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt", "/alpha/../../secret.txt", "/alpha/%2e%2e/%2e%2e/secret.txt",
    "/.%2e/secret.txt", "/%2e./secret.txt", "/..%5csecret.txt", "/..\\secret.txt", "/%252e%252e/secret.txt",
    "//../secret.txt", "/%00/../secret.txt", "/secret.txt%00.html", "../secret.txt", "/leak/secret.txt",
    "/leak/",
]


@pytest.mark.parametrize("kind", ["dev", "static"])
def test_paths_outside_the_site_are_refused(tmp_path, kind):
    root = tiny_project(tmp_path)
    (root / "secret.txt").write_text("TOP-SECRET-TOKEN")
    with running(root) as (dev, dev_url):
        (root / "_site" / "leak").symlink_to(root, target_is_directory=True)  # a link out of the site
        static = make_server(root / "_site", 0)
        threading.Thread(target=static.serve_forever, daemon=True).start()
        url = dev_url if kind == "dev" else url_of(static)
        try:
            for target in TRAVERSALS:
                status, response = raw_request(url, target)
                assert status in (400, 404), (target, status)
                assert b"TOP-SECRET-TOKEN" not in response and b"root:x:0:0" not in response, target
                assert b"Index of" not in response, target
            assert raw_request(url, "/alpha/")[0] == 200  # and the server is still fine
        finally:
            static.shutdown()
            static.server_close()


# -- errors -----------------------------------------------------------------------------------------

def test_the_front_page_follows_an_articles_first_figure(tmp_path):
    """The front page pictures each article's first figure: an edit that changes that figure re-renders
    it too, an edit elsewhere in the article does not."""
    spec = ('[run.{}]\ndataset = "{}"\ncell = "gru"\nlayers = 1\nhidden = 4\nsequences = 25\nbatch = 25\n'
            'window = 8\nepochs = 1\n\n')
    root = tiny_project(tmp_path)
    write(root / "content" / "alpha" / "runs.toml", spec.format("sq", "square") + spec.format("saw", "sawtooth"))
    figures = "```{predictions}\nrun: sq\n```\n\n```{predictions}\nrun: saw\n```"
    write(root / "content" / "alpha" / "index.md", article("Alpha", figures, extra="runs: runs.toml\n"))
    with running(root) as (dev, _):
        assert dev.attempts[0].ok, dev.attempts[0].error
        front = (dev.project.out_dir / "index.html").read_text()
        assert "thumb-alpha-title" in front and "Predictions of run sq" in front
        attempt = edit(dev, root / "content" / "alpha" / "index.md",
                       article("Alpha", figures + "\n\nA new paragraph.", extra="runs: runs.toml\n"))
        assert attempt.ok and attempt.rendered == ["alpha/index.html"]
        swapped = "```{predictions}\nrun: saw\n```\n\n```{predictions}\nrun: sq\n```"
        attempt = edit(dev, root / "content" / "alpha" / "index.md", article("Alpha", swapped, extra="runs: runs.toml\n"))
        assert attempt.ok and attempt.rendered == ["index.html", "alpha/index.html"]
        assert "Predictions of run saw" in (dev.project.out_dir / "index.html").read_text()
        assert_same_as_plain_build(dev)


def test_a_spec_edit_that_breaks_a_claim_is_shown_with_the_measured_values(tmp_path):
    """A claim is checked on every rebuild: retraining a run so the data no longer backs the sentence
    pushes the claim's line and numbers to the overlay, and the last good page stays served."""
    spec = ('[run.r]\ndataset = "sine"\nlayers = 1\nhidden = 4\nsequences = 25\nbatch = 5\nwindow = 6\n'
            'optimizer = "adam"\nepochs = 3\nlr = {lr}\n')
    root = tiny_project(tmp_path)
    runs, source = root / "content" / "alpha" / "runs.toml", root / "content" / "alpha" / "index.md"
    write(runs, spec.format(lr=0.05))
    text = article("Alpha", "The loss falls from {val}`r.loss.validation[0]:.3f`.\n\n```{claim}\n"
                   "r.loss.final < 0.9 * r.loss.validation[0]\n```", extra="runs: runs.toml\n")
    write(source, text)
    line = text.split("\n").index("r.loss.final < 0.9 * r.loss.validation[0]") + 1
    with running(root) as (dev, url):
        assert dev.attempts[0].ok, dev.attempts[0].error
        events = EventReader(url)
        try:
            events.next("hello")
            attempt = edit(dev, runs, spec.format(lr=0.000001))
            assert not attempt.ok and attempt.error["rule"] == "claim-false", attempt.error
            pushed = events.next("builderror")
            assert (pushed["file"], pushed["line"]) == ("content/alpha/index.md", line)
            assert "r.loss.final = " in pushed["message"] and "compared: " in pushed["message"]
            assert b"The loss falls from" in get(url + "alpha/")[2]  # the last good page
            attempt = edit(dev, runs, spec.format(lr=0.05))
            assert attempt.ok and dev.error is None
        finally:
            events.close()


def test_build_error_is_printed_pushed_and_cleared_by_the_fix(tmp_path):
    root = tiny_project(tmp_path)
    source = root / "content" / "alpha" / "index.md"
    with running(root) as (dev, url):
        events = EventReader(url)
        try:
            events.next("hello")
            broken = article("Alpha", "Some text.\n\n```{nosuch}\nx: 1\n```")
            line = broken.split("\n").index("```{nosuch}") + 1
            attempt = edit(dev, source, broken)
            expected = {"file": "content/alpha/index.md", "line": line, "rule": "directive-unknown"}
            assert not attempt.ok and {k: attempt.error[k] for k in expected} == expected
            assert "unknown directive {nosuch}" in attempt.error["message"] and attempt.error["hint"]
            pushed = events.next("builderror")
            assert {k: pushed[k] for k in expected} == expected and pushed["hint"] == attempt.error["hint"]
            assert f"content/alpha/index.md:{line}: error[directive-unknown]" in dev.log_err.getvalue()

            status, _, body = get(url + "alpha/")  # the last good page is still served, with the client
            assert status == 200 and b"First draft of alpha." in body and CLIENT_PATH.encode() in body
            state = json.loads(get(url + "__unrolled/state")[2])
            assert state["error"]["line"] == line
            late = EventReader(url)  # a page opened now learns about the error at once
            try:
                assert late.next("hello")["error"]["rule"] == "directive-unknown"
            finally:
                late.close()

            attempt = edit(dev, root / "content" / "beta" / "index.md", article("Beta", "Beta, edited.", order=2))
            assert not attempt.ok  # other work retries the failed page too, so the error stays
            assert events.next("builderror")["line"] == line

            attempt = edit(dev, source, article("Alpha", "Fixed text."))
            assert attempt.ok and dev.error is None
            assert events.next("reload")["changed"] == ["/alpha/", "/beta/"]
            assert b"Fixed text." in get(url + "alpha/")[2] and b"Beta, edited." in get(url + "beta/")[2]
            assert json.loads(get(url + "__unrolled/state")[2])["error"] is None
            assert_same_as_plain_build(dev)
        finally:
            events.close()


def test_failed_first_build_still_serves_and_recovers(tmp_path):
    root = tiny_project(tmp_path, alpha="```{nosuch}\n```")
    with running(root) as (dev, url):
        assert not dev.attempts[0].ok and dev.attempts[0].error["rule"] == "directive-unknown"
        assert not (root / "_site").exists()
        for page in ["", "alpha/", "beta/index.html"]:
            status, _, body = get(url + page)
            assert status == 200 and b"data-unrolled-placeholder" in body and CLIENT_PATH.encode() in body
        with pytest.raises(urllib.error.HTTPError) as missing:
            get(url + "data/none.json")
        assert missing.value.code == 404

        attempt = edit(dev, root / "content" / "alpha" / "index.md", article("Alpha", "Now it builds."))
        assert attempt.ok and attempt.kind == "full"
        assert b"Now it builds." in get(url + "alpha/")[2]
        assert_same_as_plain_build(dev)


def test_cli_serve_keeps_serving_after_a_failed_first_build(tmp_path):
    root = tiny_project(tmp_path, alpha="```{nosuch}\n```")
    proc = subprocess.Popen([sys.executable, "-m", "unrolled.generator", "--project", str(root), "serve", "--port", "0",
                             "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        state = json.loads(get(url + "__unrolled/state")[2])
        assert state["error"]["rule"] == "directive-unknown" and state["error"]["file"] == "content/alpha/index.md"
        assert b"data-unrolled-placeholder" in get(url + "alpha/")[2]
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "content/alpha/index.md:" in err and "error[directive-unknown]" in err


# -- atomicity --------------------------------------------------------------------------------------

def test_burst_of_requests_during_rebuilds_sees_only_complete_files(tmp_path):
    """8 threads x (at least) 50 requests while the page they read is rebuilt again and again."""
    def long_text(version: str, paragraphs: int) -> str:
        return "\n\n".join(f"Paragraph {i} of version {version}, " + "padding words " * 40 for i in range(paragraphs))

    versions = {"A": 400, "B": 150}  # very different lengths: a torn file could not pass for either
    root = tiny_project(tmp_path, alpha=long_text("A", versions["A"]))
    source = root / "content" / "alpha" / "index.md"
    with running(root) as (dev, url):
        css = next((root / "_site").rglob("*.css")).relative_to(root / "_site").as_posix()
        targets = ["alpha/", "alpha/index.html", "", "beta/", css]
        failures: list[str] = []
        counts = [0] * 8
        rebuilds_at_start = len(dev.attempts)
        enough = threading.Event()

        def client(k: int):
            while counts[k] < 50 or not enough.is_set():
                target = targets[counts[k] % len(targets)]
                counts[k] += 1
                try:
                    status, headers, body = get(url + target)
                except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                    failures.append(f"{target}: {exc!r}")
                    continue
                if status != 200 or headers.get("Content-Length") != str(len(body)):
                    failures.append(f"{target}: status {status}, {len(body)} bytes")
                elif target.startswith("alpha"):
                    version = re.search(rb"of version ([AB]),", body).group(1).decode()
                    if not body.endswith(b"</html>\n") or body.count(b"Paragraph ") != versions[version]:
                        failures.append(f"{target}: torn page")
                elif target != css and not body.endswith(b"</html>\n"):
                    failures.append(f"{target}: incomplete page")
                if counts[k] > 2000:
                    return

        threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
        for thread in threads:
            thread.start()
        version = "A"
        while any(t.is_alive() for t in threads):
            version = "B" if version == "A" else "A"
            attempt = edit(dev, source, article("Alpha", long_text(version, versions[version])))
            assert attempt.ok and "alpha/index.html" in attempt.written
            if len(dev.attempts) - rebuilds_at_start >= 4:
                enough.set()
        for thread in threads:
            thread.join()
        assert failures == []
        assert min(counts) >= 50 and len(dev.attempts) - rebuilds_at_start >= 4
