"""Stop on a cell that sleeps: the real Pyodide in real Chromium, on a cross-origin isolated page.

`time.sleep` in Pyodide runs outside the bytecode loop where the interrupt buffer is checked, so the
runtime sleeps in short slices and checks it in between: Stop ends the run without killing Python (the
session's variables survive), and without a stray "Exception ignored ... KeyboardInterrupt" in the output.
"""
from __future__ import annotations

import pytest

from tests.browser.test_pyodide_cells import cell, output, record, wait_run
from tests.conftest import _open_context

pytestmark = pytest.mark.browser

ARTICLE = """---
title: Sleeping cells
---

```{pyodide}
id: keep

kept = 7
"kept"
```

```{pyodide}
id: nap

import time
print("napping", flush=True)
while True:
    time.sleep(0.05)
```

```{pyodide}
id: doze

import time
print("dozing", flush=True)
time.sleep(600)
```

```{pyodide}
id: after

print("alive", kept)
```
"""


@pytest.fixture(scope="module")
def sleepy(browser, make_site):
    _, url = make_site("pyodide-stop", {"sleepy/index.md": ARTICLE})
    context, page, watch = _open_context(browser, viewport={"width": 1000, "height": 900})
    page.goto(url + "sleepy/")
    page.wait_for_selector('#cell-keep[data-state="ready"]')
    yield page
    context.close()
    assert watch.external == [] and watch.errors == [], (watch.external, watch.errors)


@pytest.mark.parametrize("name", ["nap", "doze"])
def test_stop_interrupts_sleeping_code_and_keeps_the_interpreter(sleepy, request, name):
    cell(sleepy, "keep").locator(".py-run").click()
    assert wait_run(sleepy, "keep", ["done", "error"]) == "done"
    target = cell(sleepy, name)
    target.locator(".py-run").click()
    wait_run(sleepy, name, "running")
    sleepy.wait_for_function("id => document.getElementById(id).querySelector('.py-output').textContent"
                             ".includes('ing')", arg=f"cell-{name}", timeout=30_000)
    sleepy.wait_for_timeout(300)
    target.locator(".py-stop").click()
    assert wait_run(sleepy, name, ["stopped", "done", "error", "timeout"], timeout=10_000) == "stopped"
    status = target.locator(".py-status").text_content()
    assert "restarted" not in status, status
    text = output(sleepy, name)
    assert "KeyboardInterrupt" not in text and "Exception ignored" not in text, text
    record(request, f"stop latency, sleeping ({name}) (ms)", float(target.get_attribute("data-stop-ms")))
    cell(sleepy, "after").locator(".py-run").click()
    assert wait_run(sleepy, "after", ["done", "error"]) == "done"
    assert output(sleepy, "after").strip() == "alive 7"  # same interpreter
    assert "KeyboardInterrupt" not in output(sleepy, "after")

