"""{tour}: starts when the reader asks, steps through the author's explanations, keeps focus, resumes after
a reload; explanations open next to their (i); a step without an explanation is a build error."""
import pytest

from tests.unit.test_directives import HEAD, build_error

pytestmark = pytest.mark.browser

SPEC = ('[run.s]\ndataset = "sine"\nlayers = 1\nhidden = 4\nwindow = 6\nsequences = 25\nepochs = 2\n'
        'snapshots = [0, 2]\n')
PAGE = """---
title: Tour
runs: runs.toml
---
```{tour}
steps: network.input, network.lr, loss
```

```{network}
runs: s
```

```{explain}
for: network.input
title: The input

What the network reads.
```

```{explain}
for: network.lr
title: Learning rate

How far each step moves.
```

```{loss}
run: s
```

```{explain}
for: loss
title: The loss

How wrong the predictions are.
```
"""


@pytest.fixture(scope="module")
def site(make_site):
    return make_site("tour", {"t/index.md": PAGE, "t/runs.toml": SPEC})[1] + "t/"


def start_tour(page, name: str = "Take the tour"):
    """Click the tour's link once its figure has hydrated (before that, the link is the no-script path:
    a jump to the first explanation)."""
    page.wait_for_selector('[data-widget="tour"][data-state="ready"]')
    page.get_by_role("link", name=name).click()


def overlaps(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_the_tour_waits_to_be_asked_then_steps_through_the_explanations(reader, site):
    reader.goto(site)
    start = reader.get_by_role("link", name="Take the tour")
    start.wait_for()
    reader.wait_for_selector('[data-widget="tour"][data-state="ready"]')
    assert reader.locator(".tour-dialog").count() == 0 and reader.evaluate("window.scrollY") == 0
    start.click()
    dialog = reader.get_by_role("dialog", name="The input")
    dialog.wait_for()
    assert dialog.get_attribute("aria-modal") == "true"
    assert "Stop 1 of 3" in dialog.inner_text() and "What the network reads." in dialog.inner_text()
    assert reader.locator(".tour-target[data-explain-key='network.input']").count() == 1
    reader.get_by_role("button", name="Next").click()
    reader.get_by_role("dialog", name="Learning rate").wait_for()
    reader.get_by_role("button", name="Back").click()
    reader.get_by_role("dialog", name="The input").wait_for()
    reader.get_by_role("button", name="Next").click()
    reader.get_by_role("button", name="Next").click()
    reader.get_by_role("dialog", name="The loss").wait_for()
    reader.get_by_role("button", name="Finish").click()
    assert reader.locator(".tour-dialog").count() == 0 and reader.locator(".tour-target").count() == 0
    reader.reload()
    reader.get_by_role("link", name="Take the tour again").wait_for()
    assert reader.locator(".tour-dialog").count() == 0


def test_focus_stays_in_the_dialog_and_escape_always_closes(reader, site):
    reader.goto(site)
    start_tour(reader)
    dialog = reader.get_by_role("dialog", name="The input")
    dialog.wait_for()
    for _ in range(8):  # past Skip and around again: focus never leaves the dialog
        reader.keyboard.press("Tab")
        assert reader.evaluate("document.querySelector('.tour-dialog').contains(document.activeElement)")
    reader.keyboard.press("Shift+Tab")
    assert reader.evaluate("document.querySelector('.tour-dialog').contains(document.activeElement)")
    reader.keyboard.press("Escape")
    assert reader.locator(".tour-dialog").count() == 0
    assert reader.evaluate("document.activeElement.classList.contains('tour-start')")


def test_a_reload_offers_to_resume_where_the_reader_left(reader, site):
    reader.goto(site)
    start_tour(reader)
    reader.get_by_role("dialog", name="The input").wait_for()
    reader.get_by_role("button", name="Next").click()
    reader.get_by_role("dialog", name="Learning rate").wait_for()
    reader.reload()
    reader.get_by_role("link", name="Resume the tour (stop 2 of 3)").wait_for()
    assert reader.locator(".tour-dialog").count() == 0
    start_tour(reader, "Resume the tour (stop 2 of 3)")
    assert "Stop 2 of 3" in reader.get_by_role("dialog", name="Learning rate").inner_text()


def test_on_a_phone_the_dialog_does_not_cover_what_it_points_at(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(site)
        start_tour(page)
        for name in ["The input", "Learning rate", "The loss"]:
            dialog = page.get_by_role("dialog", name=name)
            dialog.wait_for()
            page.wait_for_timeout(700)  # smooth scrolling settles
            box = dialog.bounding_box()
            target = page.locator(".tour-target").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
            assert not overlaps(box, target), (name, box, target)
            if name != "The loss":
                page.get_by_role("button", name="Next").click()
    finally:
        context.close()


def test_without_javascript_the_tour_is_a_list_of_links_named_by_title(page_without_js, site):
    page_without_js.goto(site)
    links = page_without_js.locator(".tour-steps a")
    assert links.all_text_contents() == ["The input", "Learning rate", "The loss"]
    assert links.first.get_attribute("href") == "#explain-network.input"
    assert page_without_js.locator(".tour-start").get_attribute("href") == "#explain-network.input"
    # the explanations themselves are collapsed notes, one line each until opened
    notes = page_without_js.locator("details.explain")
    assert notes.count() == 3 and notes.first.get_attribute("open") is None
    assert notes.first.locator("summary").inner_text() == "The input"


def test_an_explanation_opens_next_to_its_button(browser, site):
    for width, height in [(1280, 900), (390, 844)]:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        try:
            page.goto(site)
            info = page.locator("[data-explain-key='network.lr']")
            info.scroll_into_view_if_needed()
            info.click()
            popover = page.get_by_role("dialog", name="Learning rate")
            popover.wait_for()
            button, box = info.bounding_box(), popover.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["y"] >= 0
            assert box["y"] + box["height"] <= height
            gap = box["y"] - (button["y"] + button["height"]) if box["y"] >= button["y"] else button["y"] - (box["y"] + box["height"])
            assert 0 <= gap <= 12, (width, button, box)
            assert "How far each step moves." in popover.inner_text()
        finally:
            context.close()


def test_step_without_explanation_is_a_build_error(tmp_path):
    error = build_error(tmp_path, HEAD + "```{tour}\nsteps: cell.forget\n```\n")
    assert error.rule == "ref-explain" and error.line == 5 and "cell.forget" in error.message
