"""A page whose run still trains, in real Chromium: readable, naming the run with its epochs as they pass,
and reloading into the real figure when the run lands.

The `page` fixture fails a test on any console error or request that leaves 127.0.0.1.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import AXE, add_axe
from tests.integration.test_devserver import running
from tests.integration.test_devtraining import entry, project_with_a_slow_run

pytestmark = pytest.mark.browser
EPOCHS = 6000  # long enough to watch its progress move before it lands


@pytest.fixture
def training_site(tmp_path):  # requested before `page`, so the page closes before the server stops
    root = project_with_a_slow_run(tmp_path, epochs=EPOCHS)
    with running(root, background=True) as (dev, url):
        yield root, dev, url


def test_a_page_waiting_for_its_run_is_readable_and_reloads_into_the_figure(training_site, page):
    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/setup (it runs npm ci)")
    root, dev, url = training_site
    page.goto(url + "alpha/")
    main = page.locator("main")
    expect(main).to_contain_text("Prose that stays readable")
    expect(main.locator(".katex").first).to_be_visible()
    expect(main.locator("figure[data-widget]")).to_have_count(1)  # r-fast's figure, drawn
    notice = main.locator("[data-unrolled-training]", has_text="figure appears when it is done")
    expect(notice).to_contain_text("Training: run r-slow")
    epochs = notice.locator("[data-unrolled-epochs]")
    page.evaluate("window.notReloaded = true")
    shown = epochs.text_content()
    expect(epochs).not_to_have_text(shown, timeout=60_000)  # progress arrives live, without a reload
    expect(notice.locator("progress")).to_have_attribute("max", str(EPOCHS))
    assert page.evaluate("window.notReloaded") is True and not entry(root, "r-slow")
    add_axe(page)
    assert page.evaluate("axe.run('main').then(r => r.violations.map(v => v.id + ': ' + v.help))") == []

    expect(main.locator("figure[data-widget]")).to_have_count(2, timeout=600_000)  # the run landed: reloaded
    expect(main.locator("[data-unrolled-training]")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is None
    assert entry(root, "r-slow")
