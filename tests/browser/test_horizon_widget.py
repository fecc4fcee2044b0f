"""The {horizon} widget in real Chromium over tiny really trained runs: the drawn bands, mean lines and
horizons invert to the horizon documents' numbers (static and live), the first frame is what hydration
draws, the snapshot slider works from the keyboard and is the page's `epoch`, and it fits a phone."""
import numpy as np
import pytest

from tests.browser.test_first_frames import assert_same_first_frames, static_and_hydrated
from tests.conftest import add_axe, polyline_values
from tests.unit.test_horizon_directive import runs_toml

pytestmark = pytest.mark.browser

PAGE = """---
title: Horizon
runs: runs.toml
---

How far back does each loss reach?

```{horizon}
runs: rnn, gru, lstm
caption: Three cells.
```

The state, at the start.

```{horizon}
run: gru
measure: H
snapshot: 0
```

```{explain}
for: horizon
title: Horizon

The first distance at which the mean ratio falls below the threshold.
```
"""
MANY, ONE = "#w1-horizon", "#w2-horizon"
RUNS = ("rnn", "gru", "lstm")


@pytest.fixture(scope="module")
def horizon_site(make_site):
    return make_site("horizon", {"h/runs.toml": runs_toml(RUNS), "h/index.md": PAGE})


def document(project, run: str) -> dict:
    from unrolled.generator.build import discover
    from unrolled.precompute.cache import entry_dir
    from unrolled.precompute.documents import load

    (page,) = [p for p in discover(project) if p.slug == "h"]
    return load(entry_dir(project.cache_dir, page.specs[run]) / "horizon.json")


def drawn(page, figure: str) -> dict:
    """Per run: distances and mean, p10, p90 recovered from the plotted points through the svg's scale."""
    svg = page.locator(f"{figure} svg.horizon-plot")
    attrs = {k: svg.get_attribute(k) for k in ("data-x0", "data-x1", "data-y0", "data-y1", "data-px0", "data-px1",
                                                "data-py0", "data-py1", "data-scale")}
    assert attrs["data-scale"] == "log"
    out = {}
    for line in svg.locator("polyline[data-series=mean]").all():
        points = line.get_attribute("points")
        out[line.get_attribute("data-run")] = {"d": polyline_values(points, attrs, "x"),
                                               "mean": polyline_values(points, attrs)}
    for band in svg.locator("polygon[data-series=band]").all():
        values = polyline_values(band.get_attribute("points"), attrs)
        n = len(values) // 2  # p90 forward, then p10 backward
        out[band.get_attribute("data-run")] |= {"p90": values[:n], "p10": values[n:][::-1]}
    out["y0"] = float(attrs["data-y0"])
    return out


def assert_shows(page, project, figure, runs, epoch, measure="hh"):
    shown = drawn(page, figure)
    assert sorted(k for k in shown if k != "y0") == sorted(runs)
    for run in runs:
        doc = document(project, run)
        (snap,) = [s for s in doc["snapshots"] if s["epoch"] == epoch]
        reach = snap["layers"][0][measure]
        mean, y0 = reach["ratio"]["mean"], shown["y0"]
        below = np.flatnonzero(mean < y0)
        n = len(mean) if not len(below) else below[0] + 1  # a mean line ends where it leaves the axis
        np.testing.assert_allclose(shown[run]["d"], doc["distance"][:n], atol=1e-2)
        np.testing.assert_allclose(shown[run]["mean"], np.maximum(mean[:n], y0), rtol=2e-3, err_msg=f"{run} mean")
        for key in ("p10", "p90"):
            expected = np.maximum(reach["ratio"][key], y0)  # below the axis: the band runs along its bottom
            np.testing.assert_allclose(shown[run][key], expected, rtol=2e-3, err_msg=f"{run} {key} epoch {epoch}")
        dot = page.locator(f'{figure} .horizons circle[data-run="{run}"]')
        if reach["horizon"] is None:
            assert dot.count() == 0
        else:
            assert dot.get_attribute("data-d") == str(reach["horizon"])
            assert reach["ratio"]["mean"][reach["horizon"]] < doc["threshold"]
            assert (reach["ratio"]["mean"][:reach["horizon"]] >= doc["threshold"]).all()


def readout(doc, epoch, run, measure="hh") -> str:
    (snap,) = [s for s in doc["snapshots"] if s["epoch"] == epoch]
    found = snap["layers"][0][measure]["horizon"]
    if found is None:
        return f"{run}: the mean ratio never falls below 0.05 within the measured distances (d ≤ {doc['distance'][-1]})"
    return f"{run}: the mean ratio first falls below 0.05 at d = {found}"


def test_first_frame_shows_the_documents_numbers(page_without_js, horizon_site):
    project, base = horizon_site
    page_without_js.goto(base + "h/")
    assert_shows(page_without_js, project, MANY, RUNS, 3)
    assert_shows(page_without_js, project, ONE, ["gru"], 0, "H")
    legend = page_without_js.locator(f"{MANY} .horizon-legend li").all_text_contents()
    assert legend == [readout(document(project, run), 3, run) for run in RUNS]
    threshold = page_without_js.locator(f"{MANY} .threshold")
    assert threshold.get_attribute("data-threshold") == "0.05"
    labels = page_without_js.locator(f"{MANY} .direct-labels text").all_text_contents()
    assert sorted(labels) == sorted(RUNS)  # short names fit as direct labels
    doc = document(project, "lstm")
    row = page_without_js.locator(f"{MANY} .data-table tbody tr").nth(2).locator("td").all_text_contents()
    ratio = doc["snapshots"][-1]["layers"][0]["hh"]["ratio"]
    assert row[6:] == [f"{ratio[k][2]:.4g}" for k in ("mean", "p10", "p90")]
    assert page_without_js.locator(f"{MANY} figcaption").text_content() == "Three cells."
    assert page_without_js.locator(f"{MANY} output").text_content() == "epoch 3"


def test_hydration_draws_the_first_frame(browser, page, horizon_site):
    project, base = horizon_site
    before, after = static_and_hydrated(browser, page, base + "h/")
    assert sorted(before) == ["w1-horizon", "w2-horizon"]
    assert_same_first_frames(before, after)
    assert_shows(page, project, MANY, RUNS, 3)


def test_keyboard_moves_the_snapshot_and_the_page_epoch(page, horizon_site):
    project, base = horizon_site
    page.goto(base + "h/")
    page.wait_for_selector(f'{MANY}[data-state="ready"]')
    page.wait_for_selector(f'{ONE}[data-state="ready"]')
    slider = page.get_by_role("slider", name="Snapshot").first
    slider.focus()
    page.keyboard.press("Home")
    assert slider.get_attribute("aria-valuetext") == "epoch 0"
    assert page.evaluate("document.activeElement.id") == "w1-horizon-snapshot"  # focus stays on the slider
    assert_shows(page, project, MANY, RUNS, 0)
    assert page.evaluate("location.search") == "?epoch=0"
    page.keyboard.press("ArrowRight")
    assert_shows(page, project, MANY, RUNS, 1)
    assert_shows(page, project, ONE, ["gru"], 1, "H")  # linked through the page's epoch
    legend = page.locator(f"{MANY} .horizon-legend li").all_text_contents()
    assert legend == [readout(document(project, run), 1, run) for run in RUNS]
    doc = document(project, "rnn")
    first = page.locator(f"{MANY} .data-table tbody tr").first.locator("td").all_text_contents()
    assert first[:3] == [f"{doc['snapshots'][1]['layers'][0]['hh']['ratio'][k][0]:.4g}" for k in ("mean", "p10", "p90")]
    page.reload()
    page.wait_for_selector(f'{MANY}[data-state="ready"]')
    assert page.get_by_role("slider", name="Snapshot").first.get_attribute("aria-valuetext") == "epoch 1"


def test_accessibility(page, horizon_site):
    project, base = horizon_site
    page.goto(base + "h/")
    page.wait_for_selector(f'{MANY}[data-state="ready"]')
    page.wait_for_selector(f'{ONE}[data-state="ready"]')
    page.get_by_role("button", name="Explain: Horizon").first.click()
    assert page.get_by_role("dialog", name="Horizon").is_visible()
    page.keyboard.press("Escape")
    add_axe(page)
    result = page.evaluate("""async () => (await axe.run({include: [['#w1-horizon'], ['#w2-horizon']]},
        {resultTypes: ['violations']})).violations.filter((v) => ['serious', 'critical'].includes(v.impact))
        .map((v) => v.id + ': ' + v.nodes.map((n) => n.target).join(', '))""")
    assert result == []


def test_narrow_screen_has_no_horizontal_overflow(browser, horizon_site):
    project, base = horizon_site
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "h/")
    page.wait_for_selector(f'{MANY}[data-state="ready"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator(f"{MANY} svg.horizon-plot").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.locator(f"{MANY} .horizon-legend").bounding_box()["width"] <= 390
    context.close()
    assert errors == []
