"""The {loss} widget in real Chromium: it plots exactly the run documents' loss values (static and live, log
and linear), and its marked epoch is the page's shared `epoch` (click, keyboard, URL, other widgets)."""
import math

import numpy as np
import pytest

from tests.browser.test_network_widget import RUNS_TOML, document
from tests.conftest import add_axe

pytestmark = pytest.mark.browser

PAGE = """---
title: Loss
runs: runs.toml
---

```{loss}
run: lr-good
```

```{loss}
runs: lr-low, lr-good, lr-high
scale: linear
snapshot: 2
caption: Three learning rates.
```

```{predictions}
run: lr-good
```

```{explain}
for: loss
title: Loss

How wrong the network is, on average.
```
"""
ONE, MANY = "#w1-loss", "#w2-loss"


@pytest.fixture(scope="module")
def loss_site(make_site):
    return make_site("loss", {"net/runs.toml": RUNS_TOML, "net/index.md": PAGE})


def scale_of(svg) -> list[float]:
    """The chart's domain and the pixels it maps to, as the <svg> records them."""
    return [float(svg.get_attribute(f"data-{k}")) for k in ("x0", "x1", "y0", "y1", "px0", "px1", "py0", "py1")]


def curves(page, figure: str) -> dict:
    """Invert the chart's recorded scale to recover (epochs, values) per run and series."""
    svg = page.locator(f"{figure} svg.loss-plot")
    x0, x1, y0, y1, px0, px1, py0, py1 = scale_of(svg)
    log = svg.get_attribute("data-scale") == "log"
    t0, t1 = (math.log10(y0), math.log10(y1)) if log else (y0, y1)
    out = {}
    for line in svg.locator("polyline").all():
        pts = [tuple(map(float, p.split(","))) for p in line.get_attribute("points").split()]
        epochs = [x0 + (x - px0) / (px1 - px0) * (x1 - x0) for x, _ in pts]
        ts = [t0 + (y - py0) / (py1 - py0) * (t1 - t0) for _, y in pts]
        out[(line.get_attribute("data-run"), line.get_attribute("data-series"))] = (
            epochs, [10 ** t for t in ts] if log else ts)
    return out


def assert_curves(page, project, figure, runs):
    shown = curves(page, figure)
    assert sorted(shown) == sorted((r, s) for r in runs for s in ("train", "validation"))
    for run in runs:
        doc = document(project, run, "run")
        for series in ("train", "validation"):
            epochs, values = shown[(run, series)]
            np.testing.assert_allclose(epochs, doc["loss"]["epoch"], atol=1e-2)
            np.testing.assert_allclose(values, doc["loss"][series], rtol=2e-3, err_msg=f"{run} {series}")


def marker(page, figure) -> str:
    return page.locator(f"{figure} .marker").get_attribute("data-epoch")


def test_static_first_frames_show_the_documents_numbers(page_without_js, loss_site):
    project, base = loss_site
    page_without_js.goto(base + "net/")
    assert_curves(page_without_js, project, ONE, ["lr-good"])
    assert_curves(page_without_js, project, MANY, ["lr-low", "lr-good", "lr-high"])
    assert page_without_js.locator(f"{ONE} svg").get_attribute("data-scale") == "log"
    assert page_without_js.locator(f"{MANY} svg").get_attribute("data-scale") == "linear"
    assert (marker(page_without_js, ONE), marker(page_without_js, MANY)) == ("4", "2")
    doc = document(project, "lr-good", "run")
    row = page_without_js.locator(f"{ONE} .data-table tbody tr").nth(3).locator("td").all_text_contents()
    assert row == [f"{doc['loss']['train'][3]:.4g}", f"{doc['loss']['validation'][3]:.4g}"]
    assert page_without_js.locator(f"{MANY} figcaption").text_content() == "Three learning rates."


def test_live_charts_show_the_same_numbers(page, loss_site):
    project, base = loss_site
    page.goto(base + "net/")
    page.wait_for_selector(f'{MANY}[data-state="ready"]')
    page.wait_for_selector(f'{ONE}[data-state="ready"]')
    assert_curves(page, project, ONE, ["lr-good"])
    assert_curves(page, project, MANY, ["lr-low", "lr-good", "lr-high"])
    assert (marker(page, ONE), marker(page, MANY)) == ("4", "2")
    doc = document(project, "lr-good", "run")
    readout = page.locator(f"{ONE} output").text_content()
    assert readout == f"epoch 4 · train {doc['loss']['train'][4]:.4g} · validation {doc['loss']['validation'][4]:.4g}"
    svg = page.locator(f"{ONE} svg.loss-plot")
    assert svg.get_attribute("role") == "img"
    desc = page.locator(f"#{svg.get_attribute('aria-labelledby').split()[1]}").text_content()
    assert f"marked epoch 4: lr-good: train {doc['loss']['train'][4]:.4g}" in desc
    cells = page.locator(f"{ONE} .data-table tbody tr").nth(3).locator("td").all_text_contents()
    assert cells == [f"{doc['loss']['train'][3]:.4g}", f"{doc['loss']['validation'][3]:.4g}"]
    assert page.locator(f"{MANY} .loss-legend li").count() == 4  # key + three runs


def click_epoch(page, figure, epoch):
    svg = page.locator(f"{figure} svg.loss-plot")
    svg.scroll_into_view_if_needed()  # the mouse reaches only what is on screen
    box = svg.bounding_box()
    x0, x1, _, _, px0, px1, _, _ = scale_of(svg)
    w = float(svg.get_attribute("viewBox").split()[2])
    x = px0 + (epoch - x0) / (x1 - x0) * (px1 - px0)
    page.mouse.click(box["x"] + x / w * box["width"], box["y"] + box["height"] / 2)


def test_clicking_the_chart_sets_the_page_epoch(page, loss_site):
    project, base = loss_site
    page.goto(base + "net/")
    page.wait_for_selector('[data-widget="predictions"][data-state="ready"]')
    page.wait_for_selector(f'{MANY}[data-state="ready"]')
    click_epoch(page, MANY, 0)
    assert marker(page, MANY) == "0"
    assert marker(page, ONE) == "0"  # linked
    assert page.locator("#w3-predictions output").text_content() == "epoch 0"
    assert page.evaluate("location.search") == "?epoch=0"
    click_epoch(page, ONE, 3)
    assert (marker(page, ONE), marker(page, MANY)) == ("3", "3")


def test_keyboard_moves_the_epoch_and_external_changes_move_the_marker(page, loss_site):
    project, base = loss_site
    page.goto(base + "net/")
    page.wait_for_selector(f'{ONE}[data-state="ready"]')
    page.wait_for_selector('[data-widget="predictions"][data-state="ready"]')
    slider = page.get_by_role("slider", name="Epoch").first
    slider.focus()
    page.keyboard.press("ArrowLeft")
    assert marker(page, ONE) == "3" and slider.get_attribute("aria-valuetext").startswith("epoch 3: train ")
    page.keyboard.press("Home")
    assert (marker(page, ONE), marker(page, MANY)) == ("0", "0")
    # the predictions widget's snapshot slider is another view of the same key
    snapshot = page.get_by_role("slider", name="Snapshot")
    snapshot.focus()
    page.keyboard.press("End")
    assert (marker(page, ONE), marker(page, MANY)) == ("4", "4")


def test_url_state_round_trips(page, loss_site):
    project, base = loss_site
    page.goto(base + "net/?epoch=1")
    page.wait_for_selector(f'{ONE}[data-state="ready"]')
    page.wait_for_selector(f'{MANY}[data-state="ready"]')
    assert (marker(page, ONE), marker(page, MANY)) == ("1", "1")
    page.get_by_role("slider", name="Epoch").nth(1).focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("location.search") == "?epoch=2"
    page.reload()
    page.wait_for_selector(f'{ONE}[data-state="ready"]')
    assert marker(page, ONE) == "2"


def test_explanation_and_accessibility(page, loss_site):
    project, base = loss_site
    page.goto(base + "net/")
    page.wait_for_selector(f'{ONE}[data-state="ready"]')
    page.wait_for_selector(f'{MANY}[data-state="ready"]')
    page.get_by_role("button", name="Explain: Loss").first.click()
    assert page.get_by_role("dialog", name="Loss").is_visible()
    page.keyboard.press("Escape")
    add_axe(page)
    result = page.evaluate("""async () => (await axe.run({include: [['#w1-loss'], ['#w2-loss']]},
        {resultTypes: ['violations']})).violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target).join(', '))""")
    assert result == []


def test_narrow_screen_has_no_horizontal_overflow(browser, loss_site):
    project, base = loss_site
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(base + "net/")
    page.wait_for_selector(f'{MANY}[data-state="ready"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator(f"{MANY} svg.loss-plot").bounding_box()["width"] <= 390
    context.close()
    assert errors == []
