"""A project's own widgets in Chromium: the first frame is in the page with scripts off, the module
hydrates onto it unchanged, and it is a linked view of the page store like the built-in widgets."""
import threading

import pytest

from unrolled.generator.build import build
from unrolled.generator.config import load_project
from unrolled.generator.serve import make_server, url_of

from tests.browser.test_first_frames import HYDRATE, READ, assert_same_first_frames
from tests.integration.test_own_widgets import PAGE, STRIP_PAGE, bars_project, strip_project

pytestmark = pytest.mark.browser

OWN = '[data-widget="bars"], [data-widget="error-strip"]'


@pytest.fixture(scope="module")
def own_site(tmp_path_factory, built_project):
    """The slice fixture's trained run with {predictions} and the scaffold's {error-strip} on one page, and
    a page with two {bars} figures drawn from data files."""
    root = strip_project(tmp_path_factory.mktemp("own-widgets"), built_project, STRIP_PAGE)
    bars_project(root, PAGE)
    project = load_project(root)
    build(project, show_progress=False)
    server = make_server(project.out_dir, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield url_of(server)
    server.shutdown()
    server.server_close()


def read(pg) -> dict:
    return {f["id"]: f for f in (pg.evaluate(READ, el) for el in pg.locator(OWN).element_handles())}


@pytest.mark.parametrize("path, ids", [("a/", ["w1-bars", "w2-bars"]), ("slice/", ["w2-error-strip"])])
def test_first_frames_without_scripts_are_what_hydration_draws(browser, page, own_site, path, ids):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1000, "height": 900})
    static = context.new_page()
    static.goto(own_site + path)
    before = read(static)
    bars = static.locator('[data-widget="bars"] rect, [data-widget="error-strip"] rect').count()
    context.close()
    assert list(before) == ids and bars == (5 if path == "a/" else 15)
    page.goto(own_site + path)
    page.evaluate(HYDRATE, OWN)
    assert page.locator(OWN).evaluate_all("fs => fs.every((f) => f.dataset.state === 'ready')")
    assert_same_first_frames(before, read(page))


def test_own_widgets_are_linked_views_of_the_page_store(page, own_site):
    page.goto(own_site + "a/")
    page.evaluate(HYDRATE, OWN)
    first, second = page.locator("#w1-bars"), page.locator("#w2-bars")
    first.locator("rect").nth(1).click()  # a bar of one figure sets `step` ...
    assert second.locator(".bars-readout").text_content() == "step 1"  # ... which the other one shows
    assert second.locator("rect.is-current").count() == 1 and "step=1" in page.url
    page.evaluate("async () => (await import('unrolled/lib/state.js')).set({ step: 0 })")  # the store itself
    assert first.locator(".bars-readout").text_content() == "step 0" == second.locator(".bars-readout").text_content()


def test_a_run_widget_follows_the_epoch_another_widget_sets(page, own_site):
    page.goto(own_site + "slice/")
    page.evaluate(HYDRATE, '[data-widget]')
    strip = page.locator('[data-widget="error-strip"]')
    assert strip.get_attribute("data-epoch") == "0"
    before = strip.locator("rect").evaluate_all("rs => rs.map((r) => r.getAttribute('height'))")
    page.locator('[data-widget="predictions"] input[type=range]').fill("1")  # the {predictions} slider: epoch 20
    page.wait_for_function("() => document.querySelector('[data-widget=\"error-strip\"]').dataset.epoch === '20'")
    assert "epoch 20 · mean distance" in strip.locator(".error-strip-readout").text_content()
    assert strip.locator("rect").evaluate_all("rs => rs.map((r) => r.getAttribute('height'))") != before
