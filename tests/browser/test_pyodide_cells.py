"""{pyodide} cells in real Chromium with the real npm Pyodide core, served from 127.0.0.1.

Pyodide takes 5-10 s to start, so the tests share one page (one interpreter) per server where they can
and run in file order. Requests that leave 127.0.0.1 are blocked; only the NumPy test expects one (the
package CDN), and checks that it failed plainly. Stop latencies are recorded (`data-stop-ms`, printed
with -s and kept in the test report's user properties), never asserted: speed lives in bench/.
"""
from __future__ import annotations

import os
import shutil
import threading
from http.server import SimpleHTTPRequestHandler

import pytest

from unrolled.generator.serve import SiteHandler, make_server, url_of
from tests.conftest import READER_SIZES, _open_context, add_axe

pytestmark = pytest.mark.browser
FILLER = "\n\n".join(f"Filler paragraph {i}: prose that pushes the autorun cell below the fold." for i in range(80))

ARTICLE = f"""---
title: Python cells
---

Cells run in the reader's browser.

```{{pyodide}}
id: stream

import time
print("first", flush=True)
time.sleep(1.0)
print("second")
```

```{{pyodide}}
id: boom

def ratio(a, b):
    return a / b

ratio(1, 0)
```

```{{pyodide}}
id: keep

kept = 5
"kept"
```

```{{pyodide}}
id: spin

while True:
    pass
```

```{{pyodide}}
id: limit
timeout: 1.5

while True:
    pass
```

```{{pyodide}}
id: after

print("alive", globals().get("kept"))
```

```{{pyodide}}
id: keys

print("from the author")
```

```{{pyodide}}
id: needs-numpy
packages: numpy

import numpy as np
print(np.arange(3))
```

{FILLER}

```{{pyodide}}
id: late
autorun: true

print("autorun ran")
```
"""


class PlainHandler(SiteHandler):
    """The same site without COOP/COEP: not cross-origin isolated, so Stop must kill the worker."""

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        SimpleHTTPRequestHandler.end_headers(self)


@pytest.fixture(scope="module")
def cells_site(make_site):
    project, url = make_site("pyodide-cells", {"py/index.md": ARTICLE})
    return project, url + "py/"


@pytest.fixture(scope="module")
def plain_url(cells_site):
    project, _ = cells_site
    server = make_server(project.out_dir, 0, handler_class=PlainHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield url_of(server) + "py/"
    server.shutdown()
    server.server_close()


def open_page(browser, url, **options):
    context, page, watch = _open_context(browser, viewport={"width": 1000, "height": 900}, **options)
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto(url)
    for name in ("stream", "needs-numpy"):  # widgets hydrate as they come near the viewport
        page.wait_for_selector(f'#cell-{name}[data-state="ready"]')
    return context, page, watch


@pytest.fixture(scope="module")
def shared(browser, cells_site):
    """One isolated page for most tests: Python starts once."""
    context, page, watch = open_page(browser, cells_site[1])
    yield page
    context.close()
    assert watch.external == [], f"requests left 127.0.0.1: {watch.external}"
    assert watch.errors == [], f"console errors: {watch.errors}"


@pytest.fixture(scope="module")
def plain(browser, plain_url):
    context, page, watch = open_page(browser, plain_url)
    yield page
    context.close()
    assert watch.external == [] and watch.errors == [], (watch.external, watch.errors)


def cell(page, name):
    return page.locator(f"#cell-{name}")


def run_state(page, name):
    return cell(page, name).get_attribute("data-run")


def wait_run(page, name, states, timeout=60_000):
    states = [states] if isinstance(states, str) else states
    page.wait_for_function("([id, states]) => states.includes(document.getElementById(id).dataset.run)",
                           arg=[f"cell-{name}", states], timeout=timeout)
    return run_state(page, name)


def output(page, name):
    return cell(page, name).locator(".py-output").text_content()


def python_requests(page):
    return [u for u in page.requests if "/pyodide/" in u or "/runtime/worker." in u or u.endswith(".zip")]


def record(request, key, value):
    request.node.user_properties.append((key, value))
    print(f"\n{key}: {value}")


# -- the shared, cross-origin isolated page ------------------------------------------------------------
def test_nothing_loads_before_run_and_autorun_waits_for_view(shared):
    assert shared.evaluate("crossOriginIsolated") is True
    assert cell(shared, "stream").locator(".py-run").is_enabled()
    shared.mouse.wheel(0, 400)
    shared.wait_for_timeout(800)
    assert python_requests(shared) == [] and shared.workers == []
    assert run_state(shared, "late") in (None, "idle")  # not even hydrated yet, or waiting
    cell(shared, "late").scroll_into_view_if_needed()
    assert wait_run(shared, "late", ["done", "error", "unavailable"]) == "done", output(shared, "late")
    assert "autorun ran" in output(shared, "late")
    loaded = python_requests(shared)
    assert any(u.endswith("pyodide.asm.wasm") for u in loaded) and len(shared.workers) == 1


def test_output_streams_while_the_cell_runs(shared, request):
    cell(shared, "stream").locator(".py-run").click()
    start = shared.evaluate("performance.now()")
    shared.wait_for_function("() => document.querySelector('#cell-stream .py-output').textContent.includes('first')")
    first_ms = shared.evaluate("performance.now()") - start
    assert run_state(shared, "stream") == "running"
    assert "second" not in output(shared, "stream")
    assert wait_run(shared, "stream", ["done", "error"]) == "done"
    assert output(shared, "stream").split() == ["first", "second"]
    record(request, "warm run to first output (ms)", round(first_ms, 1))


def test_traceback_names_the_cells_own_lines(shared):
    cell(shared, "boom").locator(".py-run").click()
    assert wait_run(shared, "boom", ["done", "error"]) == "error"
    text = output(shared, "boom")
    assert 'File "<cell-boom>", line 4, in <module>' in text and "ratio(1, 0)" in text
    assert 'File "<cell-boom>", line 2, in ratio' in text and "return a / b" in text
    assert text.strip().endswith("ZeroDivisionError: division by zero")
    assert "_runner" not in text and "pyodide" not in text.lower()


def test_stop_interrupts_and_keeps_the_interpreter(shared, request):
    cell(shared, "keep").locator(".py-run").click()
    assert wait_run(shared, "keep", ["done", "error"]) == "done"
    assert "'kept'" in output(shared, "keep")
    spin = cell(shared, "spin")
    spin.locator(".py-run").click()
    wait_run(shared, "spin", "running")
    shared.wait_for_timeout(300)
    assert spin.locator(".py-stop").is_enabled()
    spin.locator(".py-stop").click()
    assert wait_run(shared, "spin", ["stopped", "done", "error", "timeout"], timeout=10_000) == "stopped"
    assert "restarted" not in spin.locator(".py-status").text_content()
    record(request, "stop latency, isolated (ms)", float(spin.get_attribute("data-stop-ms")))
    cell(shared, "after").locator(".py-run").click()
    assert wait_run(shared, "after", ["done", "error"]) == "done"
    assert output(shared, "after").strip() == "alive 5"  # same interpreter: `kept` survived


def test_time_limit_stops_the_run(shared, request):
    limit = cell(shared, "limit")
    limit.locator(".py-run").click()
    assert wait_run(shared, "limit", ["timeout", "stopped", "done", "error"], timeout=15_000) == "timeout"
    assert "time limit of 1.5 s" in limit.locator(".py-status").text_content()
    record(request, "time-limit stop latency, isolated (ms)", float(limit.get_attribute("data-stop-ms")))
    cell(shared, "after").locator(".py-run").click()
    assert wait_run(shared, "after", ["done", "error"]) == "done"
    assert output(shared, "after").strip() == "alive 5"


def test_ctrl_enter_runs_the_edited_code_and_reset_restores_it(shared):
    keys = cell(shared, "keys")
    editor = keys.locator("textarea")
    author = editor.input_value()
    assert author == 'print("from the author")'
    assert keys.locator(".py-reset").is_disabled()
    editor.click()
    shared.keyboard.press("Control+a")
    shared.keyboard.type("for i in range(2):\nprint('edited', i * 21)")  # Enter keeps the block's indent
    assert editor.input_value() == "for i in range(2):\n    print('edited', i * 21)"
    assert "edited" in keys.locator(".py-view").text_content()  # highlighted layer follows the text
    shared.keyboard.press("Control+Enter")
    assert wait_run(shared, "keys", ["done", "error"]) == "done"
    assert output(shared, "keys").split("\n")[:2] == ["edited 0", "edited 21"]
    assert keys.locator(".py-reset").is_enabled()
    keys.locator(".py-reset").click()
    assert editor.input_value() == author
    assert keys.locator(".py-view").text_content().strip() == author
    assert keys.locator(".py-reset").is_disabled()


def test_controls_are_reachable_by_keyboard_and_fit_390px(shared):
    shared.set_viewport_size({"width": 390, "height": 800})
    keys = cell(shared, "keys")
    keys.locator("textarea").focus()
    shared.keyboard.press("Shift+Tab")  # leaves the editor backwards: the Reset, Stop or Run button
    focused = shared.evaluate("document.activeElement.className")
    assert "py-button" in focused
    box = keys.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    wide = shared.evaluate("""() => [...document.querySelectorAll('.widget-pyodide')]
        .filter((f) => f.scrollWidth > f.clientWidth + 1).map((f) => f.id)""")
    assert wide == []
    shared.set_viewport_size({"width": 1000, "height": 900})


def test_cells_pass_axe_with_output_shown(shared):
    add_axe(shared)
    violations = shared.evaluate("""async () => (await axe.run({include: [['.widget-pyodide']]},
        {runOnly: ['wcag2a', 'wcag2aa']})).violations.map((v) => `${v.id}: ${v.nodes.length} (${v.help})`)""")
    assert violations == []


# -- not cross-origin isolated: Stop terminates the worker, the next run starts a new one ------------
def test_stop_without_isolation_restarts_python(plain, request):
    assert plain.evaluate("crossOriginIsolated") is False
    cell(plain, "keep").locator(".py-run").click()
    assert wait_run(plain, "keep", ["done", "error"]) == "done"
    spin = cell(plain, "spin")
    spin.locator(".py-run").click()
    wait_run(plain, "spin", "running")
    plain.wait_for_timeout(300)
    spin.locator(".py-stop").click()
    assert wait_run(plain, "spin", ["stopped", "done", "error"], timeout=10_000) == "stopped"
    assert "Python was restarted" in spin.locator(".py-status").text_content()
    record(request, "stop latency, terminate fallback (ms)", float(spin.get_attribute("data-stop-ms")))
    cell(plain, "after").locator(".py-run").click()
    assert wait_run(plain, "after", ["done", "error"]) == "done"
    assert output(plain, "after").strip() == "alive None"  # a fresh interpreter


def test_time_limit_without_isolation(plain, request):
    limit = cell(plain, "limit")
    limit.locator(".py-run").click()
    assert wait_run(plain, "limit", ["timeout", "stopped", "done", "error"], timeout=30_000) == "timeout"
    record(request, "time-limit stop latency, terminate fallback (ms)", float(limit.get_attribute("data-stop-ms")))
    cell(plain, "after").locator(".py-run").click()
    assert wait_run(plain, "after", ["done", "error"]) == "done"


# -- NumPy from the (blocked) CDN ----------------------------------------------------------------------
def test_missing_numpy_is_said_plainly(browser, cells_site):
    context, page, watch = open_page(browser, cells_site[1])
    try:
        numpy = cell(page, "needs-numpy")
        numpy.locator(".py-run").click()
        assert wait_run(page, "needs-numpy", ["done", "error", "unavailable"]) == "unavailable"
        assert numpy.locator(".py-status").text_content() == "NumPy could not be loaded."
        message = output(page, "needs-numpy")
        assert message.startswith("NumPy could not be loaded: ")
        assert "the package source https://cdn.jsdelivr.net/pyodide/v0.29.5/full/ is unreachable" in message
        cell(page, "after").locator(".py-run").click()  # pure Python still runs in the same session
        assert wait_run(page, "after", ["done", "error"]) == "done"
    finally:
        context.close()
    assert watch.external and all(u.startswith("https://cdn.jsdelivr.net/pyodide/v0.29.5/full/")
                                  for u in watch.external), watch.external
    uncaught = [e for e in watch.errors if not e.startswith("Failed to load resource")]
    assert uncaught == [], uncaught


def test_missing_runtime_is_said_plainly(browser, cells_site, tmp_path):
    project, _ = cells_site
    broken = tmp_path / "site"
    shutil.copytree(project.out_dir, broken)
    (wasm,) = broken.glob("pyodide/*/pyodide.asm.wasm")
    wasm.unlink()
    server = make_server(broken, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context, page, watch = open_page(browser, url_of(server) + "py/")
    try:
        cell(page, "stream").locator(".py-run").click()
        assert wait_run(page, "stream", ["done", "error", "unavailable"]) == "unavailable"
        assert cell(page, "stream").locator(".py-status").text_content() == "Python could not be loaded."
        assert "pyodide.asm.wasm (HTTP 404) could not be fetched" in output(page, "stream")
        cell(page, "after").locator(".py-run").click()  # one notice says why; a later cell points to it
        assert wait_run(page, "after", ["done", "error", "unavailable", "not-run"]) == "not-run"
        assert output(page, "after").strip() == "Not run: setup failed (Python could not be loaded; see cell stream)."
        for name in ("stream", "after"):
            assert cell(page, name).locator(".py-run").is_enabled()  # the reader may try again
    finally:
        context.close()
        server.shutdown()
        server.server_close()
    assert watch.external == [] and watch.errors == [], (watch.external, watch.errors)


# -- publishing to a widget, and a figure's controls -----------------------------------------------------
RUNS = """[run.tiny]
dataset = "sine"
cell = "rnn"
layers = 1
hidden = 2
window = 5
epochs = 1
sequences = 4
batch = 4
trace = 0
snapshots = [0, 1]
"""

PUBLISH = f"""---
title: Publishing
runs: runs.toml
---

```{{pyodide}}
id: feed
drives: w3-predictions

import math
import unrolled_page

xs = [0.5 * i for i in range(5)]
snap = {{"epoch": 99, "input": [math.sin(x) for x in xs], "target": [math.sin(x + 0.5) for x in xs],
        "prediction": [0.25] * 5, "error": [0.25 - math.sin(x + 0.5) for x in xs]}}
unrolled_page.publish("w3-predictions", {{"run": "browser", "kind": "function", "x": {{"start": 0, "step": 0.5}},
                                          "snapshots": [snap]}})

@unrolled_page.on_control
def control(action, settings, event):
    print("control", action, settings, event.get("epoch"))
    snap["epoch"] += 1
    unrolled_page.publish("w3-predictions", {{"run": "browser", "x": {{"start": 0, "step": 0.5}}, "snapshots": [snap]}})
```

```{{pyodide}}
id: player
drives: w3-predictions

import asyncio
import unrolled_page

@unrolled_page.on_control
async def play(action, settings):
    if action != "play":
        return
    while True:
        snap["epoch"] = max(snap["epoch"], 1000) + 1
        unrolled_page.publish("w3-predictions", {{"run": "browser", "x": {{"start": 0, "step": 0.5}},
                                                  "snapshots": [snap]}})
        await asyncio.sleep(0.05)
```

{FILLER}

```{{predictions}}
run: tiny
```
"""


def test_cell_publishes_to_a_widget_and_hears_its_controls(browser, make_site):
    _, url = make_site("pyodide-publish", {"p/index.md": PUBLISH, "p/runs.toml": RUNS})
    context, page, watch = _open_context(browser, viewport={"width": 1000, "height": 900})
    try:
        page.goto(url + "p/")
        page.wait_for_selector('#cell-feed[data-state="ready"]')
        assert page.get_attribute("#w3-predictions", "data-state") is None  # far below: not hydrated yet
        cell(page, "feed").locator(".py-run").click()
        assert wait_run(page, "feed", ["done", "error", "unavailable"]) == "done", output(page, "feed")
        title = "#w3-predictions svg.plot title"
        page.wait_for_function(f"() => document.querySelector('{title}').textContent.endsWith('after epoch 99')")
        first = page.locator("#w3-predictions .data-table tbody tr").first.locator("td").all_text_contents()
        assert first == ["0.0000", "0.4794", "0.2500"]
        handled = page.evaluate("""() => document.getElementById('w3-predictions').dispatchEvent(new CustomEvent(
            'network-control', {detail: {action: 'step', settings: {lr: 0.1}, epoch: 7}, cancelable: true}))""")
        assert handled is False  # a Python handler took the event (preventDefault)
        page.wait_for_function("() => document.querySelector('#cell-feed .py-output').textContent.includes('control')")
        assert "control step {'lr': 0.1} 7" in output(page, "feed")
        page.wait_for_function(f"() => document.querySelector('{title}').textContent.endsWith('after epoch 100')")
        # an async handler keeps playing while events still arrive; Stop cancels it
        player = cell(page, "player")
        player.locator(".py-run").click()
        assert wait_run(page, "player", ["done", "error"]) == "done", output(page, "player")
        assert player.locator(".py-stop").is_disabled()
        page.evaluate("""() => document.getElementById('w3-predictions').dispatchEvent(new CustomEvent(
            'network-control', {detail: {action: 'play'}, cancelable: true}))""")
        page.wait_for_function(f"() => /epoch 10(0[3-9]|[1-9][0-9])$/"
                               f".test(document.querySelector('{title}').textContent)")
        assert player.locator(".py-stop").is_enabled()
        player.locator(".py-stop").click()
        page.wait_for_function("() => document.querySelector('#cell-player .py-stop').disabled")
        stopped = page.locator(title).text_content()
        page.wait_for_timeout(300)
        assert page.locator(title).text_content() == stopped
        assert "control play {} None" in output(page, "feed")
    finally:
        context.close()
    assert watch.external == [] and watch.errors == [], (watch.external, watch.errors)


TRAINER = """---
title: Trainer
runs: runs.toml
---

```{network}
runs: tiny
```

```{pyodide}
id: trainer
drives: w1-network

import asyncio
import math
import unrolled_page

def entry(settings, epochs):
    xs = [0.2 * i for i in range(5)]
    snaps = [{"epoch": e, "input": [math.sin(x) for x in xs], "target": [math.sin(x + 0.2) for x in xs],
              "prediction": [0.1 * e] * 5, "error": [0.1 * e - math.sin(x + 0.2) for x in xs]}
             for e in range(epochs + 1)]
    return {"run": "yours-1", "settings": settings, "kind": "function", "x": {"start": 0, "step": 0.2},
            "loss": {"epoch": list(range(epochs + 1)), "train": [1.0] * (epochs + 1),
                     "validation": [1.0 / (e + 1) for e in range(epochs + 1)]}, "snapshots": snaps}

@unrolled_page.on_control
async def control(action, settings, event):
    print("control", action, event["run"], settings["dataset"])
    if action != "play":
        return
    for epoch in range(1, 4):
        unrolled_page.publish("w1-network", {"runs": [entry(settings, epoch)], "select": "yours-1", "playing": True})
        await asyncio.sleep(0.2)
    unrolled_page.publish("w1-network", {"runs": [entry(settings, 3)], "select": "yours-1", "playing": False})
```
"""


def test_a_cell_trains_network_settings_that_were_not_precomputed(browser, make_site):
    """The runtime marks a figure whose controls a cell handles; its Play then reaches Python even for
    settings without a precomputed run, shows Pause while Python trains and Play when it is done."""
    _, url = make_site("pyodide-trainer", {"t/index.md": TRAINER, "t/runs.toml": RUNS})
    context, page, watch = _open_context(browser, viewport={"width": 1000, "height": 900})
    fig, play = "#w1-network", page.locator("#w1-network .net-play")
    try:
        page.goto(url + "t/")
        page.wait_for_selector(f'{fig}[data-state="ready"]')
        square = page.get_by_role("radio", name="square")
        assert square.is_disabled() and page.get_attribute(fig, "data-live") is None  # no run, no trainer
        page.wait_for_selector('#cell-trainer[data-state="ready"]')
        cell(page, "trainer").locator(".py-run").click()
        assert wait_run(page, "trainer", ["done", "error", "unavailable"]) == "done", output(page, "trainer")
        page.wait_for_selector(f'{fig}[data-live="python"]')
        square.check()
        assert play.get_attribute("aria-disabled") == "false" and page.locator(f"{fig} .net-missing").is_visible()
        play.click()
        page.wait_for_selector(f'{fig}[data-run="yours-1"][data-playing="true"]')
        assert "control play None square" in output(page, "trainer")
        assert page.locator(f"{fig} .net-play").text_content().strip() == "Pause"
        page.wait_for_selector(f'{fig}[data-epoch="3"][data-playing="false"]')
        assert "Run yours-1: square" in page.locator(f"{fig} .net-summary").text_content()
    finally:
        context.close()
    assert watch.external == [] and watch.errors == [], (watch.external, watch.errors)


# -- NumPy and unrolled_lite inside Pyodide: needs a full Pyodide distribution ----------------------------
DIST = os.environ.get("UNROLLED_PYODIDE_DIST", "")


@pytest.mark.skipif(not DIST, reason="UNROLLED_PYODIDE_DIST is not set: no full Pyodide distribution (with its "
                    "NumPy wheel) on this machine, and the CDN is out of reach")
def test_numpy_cells_run_in_pyodide_with_a_vendored_distribution(browser, tmp_path):
    from unrolled.generator.build import build
    from unrolled.generator.config import load_project
    from unrolled.generator.vendor import vendor_pyodide

    article = tmp_path / "content" / "n" / "index.md"
    article.parent.mkdir(parents=True)
    article.write_text("---\ntitle: NumPy\n---\n\n```{pyodide}\nid: np\npackages: numpy\n\nimport numpy as np\n"
                       "import unrolled_lite as ul\nrng = np.random.default_rng(0)\n"
                       "model = ul.init_model('lstm', 1, 4, 1, 1, rng)\nx = rng.standard_normal((2, 5, 1))\n"
                       "print('shape', model.forward(x).shape)\n```\n")
    project = load_project(tmp_path)
    vendor_pyodide(project, DIST)
    build(project, show_progress=False)
    server = make_server(project.out_dir, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context, page, watch = _open_context(browser)
    try:
        page.goto(url_of(server) + "n/")
        page.wait_for_selector('#cell-np[data-state="ready"]')
        cell(page, "np").locator(".py-run").click()
        assert wait_run(page, "np", ["done", "error", "unavailable"], timeout=120_000) == "done", output(page, "np")
        assert "shape (2, 5, 1)" in output(page, "np")
    finally:
        context.close()
        server.shutdown()
        server.server_close()
    assert watch.external == [] and watch.errors == []


SETUP_FAILS = """---
title: Setup
runs: runs.toml
---

```{network}
runs: tiny
```

```{pyodide}
id: setup
packages: numpy
drives: w1-network

import numpy as np
datasets = np.arange(3)
```

```{pyodide}
id: uses

print(datasets)
```

```{pyodide}
id: numpy-again
packages: numpy

import numpy as np
```
"""


@pytest.mark.parametrize("size", list(READER_SIZES))
def test_a_failed_setup_is_said_once_and_later_cells_are_not_run(browser, make_site, size):
    """NumPy cannot load here (no network): the first cell says why, a cell that needs what it would have
    defined says it was not run instead of raising NameError, and the figure it drives stays precomputed."""
    _, url = make_site("pyodide-setup", {"s/index.md": SETUP_FAILS, "s/runs.toml": RUNS})
    context, page, watch = _open_context(browser, viewport=READER_SIZES[size])
    try:
        page.goto(url + "s/")
        for name in ("setup", "uses", "numpy-again"):
            page.wait_for_selector(f'#cell-{name}[data-state="ready"]')
        cell(page, "setup").locator(".py-run").click()
        assert wait_run(page, "setup", ["done", "error", "unavailable"]) == "unavailable"
        assert output(page, "setup").startswith("NumPy could not be loaded: ")
        note = page.locator("#w1-network .live-note")
        assert page.get_attribute("#w1-network", "data-live") == "unavailable"
        assert note.text_content().startswith("Live training could not start (NumPy could not be loaded)")
        cell(page, "uses").locator(".py-run").click()
        assert wait_run(page, "uses", ["done", "error", "unavailable", "not-run"]) == "not-run"
        assert cell(page, "uses").locator(".py-status").text_content() == "Not run: setup failed."
        text = output(page, "uses")
        assert "`datasets`" in text and "cell setup could not run (NumPy could not be loaded)" in text
        assert "NameError" not in text
        cell(page, "numpy-again").locator(".py-run").click()
        assert wait_run(page, "numpy-again", ["done", "error", "unavailable", "not-run"]) == "not-run"
        assert output(page, "numpy-again").strip() == "Not run: setup failed (NumPy could not be loaded; see cell setup)."
    finally:
        context.close()
    assert all(u.startswith("https://cdn.jsdelivr.net/pyodide/") for u in watch.external), watch.external
    assert [e for e in watch.errors if not e.startswith("Failed to load resource")] == [], watch.errors


LONG_LINES = """---
title: Long lines
---

```{pyodide}
id: long

def train(network, data):
    for epoch in range(10):
        loss = network.step(data, learning_rate=0.01, batch_size=25, gradient_clip=1.0, shuffle=True)
    return loss
```
"""


@pytest.mark.parametrize("size", list(READER_SIZES))
def test_long_code_lines_keep_their_indentation(browser, make_site, size):
    """Code never wraps (a wrapped line would lose its indentation): a line wider than the column scrolls
    sideways inside the editor, on a phone; on a desktop the same lines fit."""
    _, url = make_site("pyodide-long", {"l/index.md": LONG_LINES})
    width = READER_SIZES[size]["width"]
    context, page, watch = _open_context(browser, viewport=READER_SIZES[size], is_mobile=size == "phone")
    try:
        page.goto(url + "l/")
        page.wait_for_selector('#cell-long[data-state="ready"]')
        editor = page.locator("#cell-long .py-editor")
        view, text = page.locator("#cell-long .py-view"), page.locator("#cell-long .py-input")
        line = float(view.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
        padding = view.evaluate("e => parseFloat(getComputedStyle(e).paddingTop) + parseFloat(getComputedStyle(e).paddingBottom)")
        borders = view.evaluate("e => parseFloat(getComputedStyle(e).borderTopWidth) + parseFloat(getComputedStyle(e).borderBottomWidth)")
        lines = 4
        assert abs(view.bounding_box()["height"] - (lines * line + padding + borders)) < 2  # no line wrapped
        assert abs(text.bounding_box()["height"] - view.bounding_box()["height"]) < 1  # the layers stay aligned
        if size == "phone":
            assert editor.evaluate("e => e.scrollWidth > e.clientWidth")  # the long line scrolls sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # the page itself does not
        editor.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
        assert text.bounding_box()["x"] == view.bounding_box()["x"]
    finally:
        context.close()
    assert watch.errors == [], watch.errors
