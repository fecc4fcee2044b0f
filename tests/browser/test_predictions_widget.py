"""The {predictions} widget in real Chromium: it plots exactly the precomputed numbers, live and static."""
import numpy as np
import pytest

from tests.conftest import polyline_values
from tests.integration.test_build import predictions_doc

pytestmark = pytest.mark.browser
URL = "slice/"


def plotted(page, figure="#w1-predictions") -> dict:
    svg = page.locator(f"{figure} svg.plot")
    attrs = {k: svg.get_attribute(k) for k in ("data-y0", "data-y1", "data-py0", "data-py1")}
    return {line.get_attribute("data-series"): polyline_values(line.get_attribute("points"), attrs)
            for line in svg.locator("polyline").all()}


def assert_shows(series, snap):
    tol = 3e-3
    np.testing.assert_allclose(series["input"], snap["input"], atol=tol)
    np.testing.assert_allclose(series["target"], snap["target"], atol=tol)
    np.testing.assert_allclose(series["prediction"], snap["prediction"], atol=tol)
    np.testing.assert_allclose(series["rollout"], snap["rollout"]["prediction"], atol=tol)
    np.testing.assert_allclose(series["rollout-target"], snap["rollout"]["target"], atol=tol)


def test_widget_plots_the_json_values(page, site_server, built_project):
    doc = predictions_doc(built_project)
    page.goto(site_server + URL)
    page.wait_for_selector('[data-widget="predictions"][data-state="ready"]')
    assert_shows(plotted(page), doc["snapshots"][-1])
    cells = page.locator("#w1-predictions .data-table tbody tr").first.locator("td").all_text_contents()
    snap = doc["snapshots"][-1]
    assert cells == [f"{snap['input'][0]:.4f}", f"{snap['target'][0]:.4f}", f"{snap['prediction'][0]:.4f}"]


def test_snapshot_slider_by_keyboard_shows_epoch_zero(page, site_server, built_project):
    doc = predictions_doc(built_project)
    page.goto(site_server + URL)
    page.wait_for_selector('[data-state="ready"]')
    slider = page.get_by_role("slider", name="Snapshot")
    slider.focus()
    page.keyboard.press("ArrowLeft")
    assert page.locator("#w1-predictions output").text_content() == "epoch 0"
    assert_shows(plotted(page), doc["snapshots"][0])
    page.keyboard.press("ArrowRight")
    assert_shows(plotted(page), doc["snapshots"][-1])


def test_static_first_frame_without_javascript_matches(page_without_js, site_server, built_project):
    doc = predictions_doc(built_project)
    page_without_js.goto(site_server + URL)
    assert page_without_js.locator("#w1-predictions").get_attribute("data-state") is None
    assert_shows(plotted(page_without_js), doc["snapshots"][-1])
    assert page_without_js.locator("#w1-predictions figcaption").is_visible()


def test_url_state_round_trips(page, site_server, built_project):
    doc = predictions_doc(built_project)
    page.goto(site_server + URL + "?epoch=0")
    page.wait_for_selector('[data-state="ready"]')
    assert page.locator("#w1-predictions output").text_content() == "epoch 0"
    assert_shows(plotted(page), doc["snapshots"][0])
    page.get_by_role("slider", name="Snapshot").focus()
    page.keyboard.press("End")
    assert page.evaluate("location.search") == "?epoch=20"


TEXT_SPEC = ('[run.abab]\ndataset = "abab"\nlayers = 1\nhidden = 8\nwindow = 12\noptimizer = "adam"\nlr = 0.02\n'
             'sequences = 50\nbatch = 25\nepochs = 6\nsnapshots = [0, 6]\n')
TEXT_PAGE = "---\ntitle: T\nruns: runs.toml\n---\n```{predictions}\nrun: abab\n```\n"


def strip_rows(pg):
    return [row.locator("td").all_text_contents() for row in pg.locator("#w1-predictions table.char-strip tr").all()]


def test_text_predictions_show_the_documents_characters(page, browser, make_site):
    from unrolled.generator.build import discover
    from unrolled.precompute.cache import entry_dir
    from unrolled.precompute.documents import load

    project, url = make_site("text-predictions", {"t/index.md": TEXT_PAGE, "t/runs.toml": TEXT_SPEC})
    (pg_spec,) = [p for p in discover(project) if p.slug == "t"][0].specs.values()
    doc = load(entry_dir(project.cache_dir, pg_spec) / "predictions.json")
    shown = lambda ids: ["␣" if doc["vocab"][i] == " " else "⏎" if doc["vocab"][i] == "\n" else doc["vocab"][i]
                         for i in ids]  # noqa: E731
    expected = lambda s: [shown(s["input"]), shown(s["target"]), shown(s["prediction"])]  # noqa: E731
    context = browser.new_context(java_script_enabled=False)
    static = context.new_page()
    static.goto(url + "t/")
    assert strip_rows(static) == expected(doc["snapshots"][-1])
    context.close()
    page.goto(url + "t/")
    page.wait_for_selector('[data-state="ready"]')
    assert strip_rows(page) == expected(doc["snapshots"][-1])
    page.get_by_role("slider", name="Snapshot").focus()
    page.keyboard.press("Home")
    assert strip_rows(page) == expected(doc["snapshots"][0])
    hits = page.locator("#w1-predictions td.hit").count()
    correct = int((doc["snapshots"][0]["prediction"] == doc["snapshots"][0]["target"]).sum())
    assert hits == correct
