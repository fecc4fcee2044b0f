"""Shared fixtures: a copy of the bundled project built once per session, and real Chromium pages.

Browser pages block every request that leaves 127.0.0.1 and fail the test on any console error.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import math
import os
import shutil
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKOUT_PATH = [str(ROOT / "tests" / "pythonpath"), str(ROOT / "site" / "py")]  # `unrolled.*` from this checkout
sys.path[:0] = [p for p in CHECKOUT_PATH if p not in sys.path]
import unrolled.precompute  # noqa: E402,F401 - before torch or NumPy load: pins their code paths (numerics.py)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

os.environ.setdefault("OMP_NUM_THREADS", "1")


def run_async(coro):
    """asyncio.run(coro) in a thread of its own: browser tests leave Playwright's event loop running in
    the main one, where asyncio.run refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


SLICE = Path(__file__).resolve().parent / "fixtures" / "slice"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def add_axe(page) -> None:
    """axe-core in the page, evaluated over the DevTools protocol: a <script> tag would be an inline script,
    which the pages' Content-Security-Policy refuses."""
    page.evaluate(AXE.read_text(encoding="utf-8"))


def copy_project(dest: Path, source: Path = SLICE) -> Path:
    """A private copy of a project's content (by default the slice fixture), so tests never touch the
    real project."""
    shutil.copytree(source / "content", dest / "content")
    return dest


@pytest.fixture(scope="session")
def built_project(tmp_path_factory):
    """The slice fixture (one small LSTM on a sine wave), precomputed and built once."""
    from unrolled.generator.build import build
    from unrolled.generator.config import load_project

    root = copy_project(tmp_path_factory.mktemp("bundled"))
    project = load_project(root)
    build(project, show_progress=False)
    return project


@pytest.fixture(scope="session")
def site_server(built_project):
    from unrolled.generator.serve import make_server, url_of

    server = make_server(built_project.out_dir, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url_of(server)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup --browser (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


class PageWatch:
    """Records what a page did that a test must not allow: external requests and console errors."""

    def __init__(self):
        self.external: list[str] = []
        self.errors: list[str] = []


def _open_context(browser, **options):
    watch = PageWatch()
    context = browser.new_context(**options)

    def route(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            watch.external.append(url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and watch.errors.append(m.text))
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    return context, page, watch


@pytest.fixture
def page(browser):
    context, pg, watch = _open_context(browser, viewport={"width": 1000, "height": 900})
    pg.watch = watch
    yield pg
    context.close()
    assert watch.external == [], f"requests left 127.0.0.1: {watch.external}"
    assert watch.errors == [], f"console errors: {watch.errors}"


READER_SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture(params=list(READER_SIZES))
def reader(browser, request):
    """A page at a phone's size (390 x 844, touch) and at a desktop's (1280 x 900): `reader.size` is its
    viewport. It records every response (`reader.responses`) and fails the test on a console error or
    warning (an ignored import map entry is one) or a request that leaves 127.0.0.1."""
    size = READER_SIZES[request.param]
    context, pg, watch = _open_context(browser, viewport=size, has_touch=request.param == "phone")
    warnings, responses = [], []
    pg.on("console", lambda m: m.type == "warning" and warnings.append(m.text))
    pg.on("response", lambda r: responses.append(r))
    pg.size, pg.responses, pg.watch = size, responses, watch
    yield pg
    context.close()
    assert watch.external == [], f"requests left 127.0.0.1: {watch.external}"
    assert watch.errors == [], f"console errors: {watch.errors}"
    assert warnings == [], f"console warnings: {warnings}"


@pytest.fixture
def page_without_js(browser):
    context, pg, watch = _open_context(browser, java_script_enabled=False)
    yield pg
    context.close()
    assert watch.external == []


def polyline_values(points: str, svg_attrs: dict, axis: str = "y") -> list[float]:
    """Invert a plot's scale to the plotted data values, from the scale the <svg> records: values
    data-y0/y1 at pixel rows data-py0/py1 (`axis="x"`: data-x0/x1 at pixel columns data-px0/px1), and
    for data-scale="log" a y axis linear in log10 of the value."""
    k = 0 if axis == "x" else 1
    v0, v1 = float(svg_attrs[f"data-{axis}0"]), float(svg_attrs[f"data-{axis}1"])
    p0, p1 = float(svg_attrs[f"data-p{axis}0"]), float(svg_attrs[f"data-p{axis}1"])
    log = axis == "y" and svg_attrs.get("data-scale") == "log"
    if log:
        v0, v1 = math.log10(v0), math.log10(v1)
    values = [v0 + (float(p.split(",")[k]) - p0) / (p1 - p0) * (v1 - v0) for p in points.split()]
    return [10 ** v for v in values] if log else values


# Training every bundled run from cold takes minutes on two cores; the one test that first asks for the
# bundled project pays for it, so tests that use it get a timeout that covers that set-up.
BUNDLED_TIMEOUT = 2400


def pytest_collection_modifyitems(items):
    for item in items:
        if "bundled_project" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.timeout(BUNDLED_TIMEOUT))


@pytest.fixture(scope="session")
def bundled_project(tmp_path_factory):
    """The real bundled content in a private copy: all its runs precomputed, built with --strict (no broken
    links); trained once per session for every test that reads it."""
    from unrolled.generator.build import build
    from unrolled.generator.config import load_project

    project = load_project(copy_project(tmp_path_factory.mktemp("bundled-site"), ROOT))
    seed = os.environ.get("UNROLLED_TEST_SEED_CACHE")
    if seed:  # a local convenience: start from a filled cache; its entries are keyed by content, stale ones retrain
        shutil.copytree(seed, project.cache_dir)
    build(project, show_progress=False, jobs=2, strict=True)
    return project


def copy_bundled(dest: Path, bundled_project) -> Path:
    """Another private copy of the bundled content, with the session's precompute cache already filled."""
    root = copy_project(dest, ROOT)
    shutil.copytree(bundled_project.cache_dir, root / bundled_project.cache_dir.relative_to(bundled_project.root))
    return root


@pytest.fixture(scope="session")
def bundled(bundled_project):
    """The bundled site, served."""
    from unrolled.generator.serve import make_server, url_of

    project = bundled_project
    server = make_server(project.out_dir, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield url_of(server)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def make_site(tmp_path_factory):
    """Build a small real site from Markdown and run specs: `make_site(name, {"a/index.md": ..., ...})`.

    Runs are really trained (keep them tiny). Returns (project, base URL of a server for its _site).
    """
    from unrolled.generator.build import build
    from unrolled.generator.config import load_project
    from unrolled.generator.serve import make_server, url_of

    servers = []

    def make(name: str, files: dict[str, str]):
        root = tmp_path_factory.mktemp(name)
        for rel, text in files.items():
            path = root / "content" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        project = load_project(root)
        build(project, show_progress=False)
        server = make_server(project.out_dir, 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return project, url_of(server)

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()
