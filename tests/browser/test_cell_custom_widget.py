"""{cell} for an author's own cell in real Chromium: the generic view's first frame (drawn by the widget's
JS module at build time) carries exactly the traced numbers of each named value, hydrating changes
nothing, and the live controls show the other steps, phases, layers and epochs, linked through the URL."""
import numpy as np
import pytest

from unrolled.generator.build import discover
from unrolled.precompute.cache import entry_dir
from unrolled.precompute.documents import load
from tests.browser.test_first_frames import READ
from tests.conftest import ROOT
from tests.unit.test_cell_directive import short

pytestmark = pytest.mark.browser

RUNS = """
[run.own]
dataset = "sine"
model = "cells.py:PeepholeLSTM"
hidden = [3, 2]
window = 6
sequences = 25
batch = 25
epochs = 2
snapshots = [0, 2]
"""
PAGE = """---
title: Own cell
runs: runs.toml
---

```{cell}
run: own
step: 2
```

```{cell}
run: own
layer: 1
snapshot: 0
step: 4
phase: backward
```
"""
FIRST, SECOND = "#w1-cell", "#w2-cell"
ORDER = ["i", "f", "g", "c", "o"]


@pytest.fixture(scope="module")
def own_site(make_site):
    cells = (ROOT / "content" / "your-own-cell" / "cells.py").read_text()
    project, url = make_site("owncell", {"own/index.md": PAGE, "own/runs.toml": RUNS, "own/cells.py": cells})
    (page,) = [p for p in discover(project) if p.slug == "own"]
    return url + "own/", load(entry_dir(project.cache_dir, page.specs["own"]) / "cell-trace.json")


def expected(doc, *, epoch, layer, step, phase):
    (snap,) = [s for s in doc["snapshots"] if s["epoch"] == epoch]
    lay = snap["sequences"][0]["layers"][layer]
    if phase == "forward":
        keys = ["x", "h_prev", *ORDER, "h"]
        values = [lay[k] if k in ("x", "h_prev", "h") else lay["custom"]["forward"][k] for k in keys]
    else:
        keys = ["dh", *reversed(ORDER)]
        values = [lay["dh"]] + [lay["custom"]["backward"][k] for k in reversed(ORDER)]
    return keys, [np.float32(v[step]) for v in values]


def assert_shows(page, figure, doc, **where):
    got = page.evaluate("""(sel) => Array.from(document.querySelectorAll(sel + ' .generic-strip'), (li) => ({
        key: li.dataset.key, values: Array.from(li.querySelectorAll('rect.unit'), (r) => r.dataset.value),
        titles: Array.from(li.querySelectorAll('rect.unit title'), (t) => t.textContent)}))""", figure)
    keys, values = expected(doc, **where)
    assert [s["key"] for s in got] == keys
    for strip, want in zip(got, values):
        np.testing.assert_array_equal(np.float32([float(v) for v in strip["values"]]), want, err_msg=strip["key"])
        assert [t.split(": ")[-1] for t in strip["titles"]] == [short(float(v)) for v in want]
    view = page.locator(f"{figure} .cell-view")
    assert (view.get_attribute("data-phase"), view.get_attribute("data-step"), view.get_attribute("data-layer"),
            view.get_attribute("data-epoch")) == (where["phase"], str(where["step"]), str(where["layer"]),
                                                  str(where["epoch"]))


def test_first_frames_carry_the_traced_values(page_without_js, own_site):
    url, doc = own_site
    page_without_js.goto(url)
    assert_shows(page_without_js, FIRST, doc, epoch=2, layer=0, step=2, phase="forward")
    assert_shows(page_without_js, SECOND, doc, epoch=0, layer=1, step=4, phase="backward")
    assert "cells.py:PeepholeLSTM" in page_without_js.locator(f"{FIRST} .cell-title").text_content()
    rows = page_without_js.locator(f"{FIRST} .widget-data tr").all_text_contents()
    assert len(rows) == 8 and rows[2].startswith("i")


def test_hydrating_changes_nothing(browser, page, own_site):
    url, _ = own_site
    context = browser.new_context(java_script_enabled=False)
    static = context.new_page()
    static.goto(url)
    before = [static.evaluate(READ, el)["tree"] for el in static.locator("figure[data-widget=cell]").element_handles()]
    context.close()
    page.goto(url)
    for figure in (FIRST, SECOND):
        page.locator(figure).scroll_into_view_if_needed()
        page.wait_for_selector(f'{figure}[data-state="ready"]')
    after = [page.evaluate(READ, el)["tree"] for el in page.locator("figure[data-widget=cell]").element_handles()]
    assert before == after


def test_controls_step_phase_layer_epoch_and_link_the_views(page, own_site):
    url, doc = own_site
    page.goto(url)
    for figure in (FIRST, SECOND):
        page.locator(figure).scroll_into_view_if_needed()
        page.wait_for_selector(f'{figure}[data-state="ready"]')
    fig = page.locator(FIRST)
    fig.locator("button.generic-phase[data-phase=backward]").click()
    assert_shows(page, FIRST, doc, epoch=2, layer=0, step=2, phase="backward")
    fig.locator("input[name=step]").focus()
    page.keyboard.press("End")
    assert_shows(page, FIRST, doc, epoch=2, layer=0, step=5, phase="backward")
    assert "step=5" in page.url
    # the other view follows the shared step (its own phase, layer and epoch unchanged)
    assert_shows(page, SECOND, doc, epoch=0, layer=1, step=5, phase="backward")
    fig.locator("button.generic-layer[data-layer='1']").click()
    assert_shows(page, FIRST, doc, epoch=2, layer=1, step=5, phase="backward")
    fig.locator("input[name=snapshot]").focus()
    page.keyboard.press("Home")
    assert_shows(page, FIRST, doc, epoch=0, layer=1, step=5, phase="backward")
    assert "epoch=0" in page.url
    legend = fig.locator(".cell-legend-ticks span").all_text_contents()
    snap = doc["snapshots"][0]["sequences"][0]["layers"][1]
    peak = max(float(np.max(np.abs(np.float32(a)))) for a in [snap["dh"], *snap["custom"]["backward"].values()])
    assert legend == [f"−{short(peak)}", "0", f"+{short(peak)}"]
