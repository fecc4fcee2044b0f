"""Live reload in real Chromium: an edit reloads the open page, a build error shows an accessible overlay
that the fix clears, and a project whose first build fails is still served.

The `page` fixture fails a test on any console error or request that leaves 127.0.0.1.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import AXE, add_axe
from tests.integration.test_devserver import article, edit, running, tiny_project

pytestmark = pytest.mark.browser
BROKEN = article("Alpha", "Text before.\n\n```{nosuch}\nx: 1\n```")
BROKEN_LINE = BROKEN.split("\n").index("```{nosuch}") + 1


@pytest.fixture
def dev_site(tmp_path):  # requested before `page`, so the page closes before the server stops
    root = tiny_project(tmp_path)
    with running(root) as (dev, url):
        yield root, dev, url


def alpha(root):
    return root / "content" / "alpha" / "index.md"


def overlay(page):
    return page.get_by_role("alertdialog", name="Build failed")


def test_saving_an_article_reloads_the_open_page(dev_site, page):
    root, dev, url = dev_site
    page.goto(url + "alpha/")
    expect(page.locator("main")).to_contain_text("First draft of alpha.")
    page.evaluate("window.notReloaded = true")
    attempt = edit(dev, alpha(root), article("Alpha", "Second draft, *now* in the browser."))
    assert attempt.ok
    expect(page.locator("main em")).to_have_text("now")
    expect(page.locator("main")).to_contain_text("Second draft, now in the browser.")
    assert page.evaluate("window.notReloaded") is None  # a real reload, not a patched DOM


def test_an_edit_elsewhere_leaves_the_page_alone(dev_site, page):
    root, dev, url = dev_site
    page.goto(url + "alpha/")
    expect(page.locator("main")).to_contain_text("First draft of alpha.")
    page.evaluate("window.notReloaded = true")
    assert edit(dev, root / "content" / "beta" / "index.md", article("Beta", "Beta, edited.", order=2)).ok
    assert not edit(dev, alpha(root), BROKEN).ok  # events arrive in order: once this shows, `reload` was seen
    expect(overlay(page)).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    assert edit(dev, alpha(root), article("Alpha", "First draft of alpha.")).ok
    expect(overlay(page)).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True  # the fix left this page's bytes as they were


def test_build_error_overlay_appears_and_the_fix_clears_it(dev_site, page):
    root, dev, url = dev_site
    page.goto(url + "alpha/")
    expect(page.locator("main")).to_contain_text("First draft of alpha.")
    page.locator(".site-title").focus()

    assert not edit(dev, alpha(root), BROKEN).ok
    dialog = overlay(page)
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    expect(dialog).to_contain_text(f"content/alpha/index.md:{BROKEN_LINE}")
    expect(dialog).to_contain_text("error[directive-unknown]")
    expect(dialog).to_contain_text("unknown directive {nosuch}")
    expect(dialog).to_contain_text("hint: known directives:")
    close = dialog.get_by_role("button", name="Close")
    expect(close).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(close).to_be_focused()  # focus stays inside the dialog
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page.locator(".site-title")).to_be_focused()  # and goes back where it was

    page.reload()  # the error persists: a page loaded now shows it too
    expect(overlay(page)).to_contain_text(f"content/alpha/index.md:{BROKEN_LINE}")

    assert edit(dev, alpha(root), article("Alpha", "Fixed, and shown.")).ok
    expect(page.locator("main")).to_contain_text("Fixed, and shown.")
    expect(overlay(page)).to_have_count(0)


def test_overlay_has_no_accessibility_violations(dev_site, page):
    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/setup (it runs npm ci)")
    root, dev, url = dev_site
    page.goto(url + "alpha/")
    assert not edit(dev, alpha(root), BROKEN).ok
    expect(overlay(page)).to_be_visible()
    add_axe(page)
    result = page.evaluate("axe.run('#unrolled-dev-overlay').then(r => r.violations.map(v => v.id + ': ' + v.help))")
    assert result == []


@pytest.fixture
def broken_site(tmp_path):
    root = tiny_project(tmp_path, alpha="```{nosuch}\n```")
    with running(root) as (dev, url):
        yield root, dev, url


def test_failed_first_build_shows_the_overlay_then_the_page(broken_site, page):
    root, dev, url = broken_site
    assert not dev.attempts[0].ok
    page.goto(url + "alpha/")
    expect(overlay(page)).to_contain_text("content/alpha/index.md:")
    expect(page.locator("h1")).to_have_text("This page is not built yet")

    assert edit(dev, alpha(root), article("Alpha", "It builds now.")).ok
    expect(page.locator("main")).to_contain_text("It builds now.")
    expect(overlay(page)).to_have_count(0)
