"""{tour}: offered on a first visit, steps through the author's explanations, gone for good once finished
or skipped, restartable; a step without an explanation is a build error."""
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


def test_first_visit_tour_steps_through_the_explanations(page, site):
    page.goto(site)
    dialog = page.get_by_role("dialog", name="The input")
    dialog.wait_for()
    assert "Step 1 of 3" in dialog.inner_text() and "What the network reads." in dialog.inner_text()
    assert page.locator(".tour-target[data-explain-key='network.input']").count() == 1
    page.get_by_role("button", name="Next").click()
    page.get_by_role("dialog", name="Learning rate").wait_for()
    page.get_by_role("button", name="Back").click()
    page.get_by_role("dialog", name="The input").wait_for()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("dialog", name="The loss").wait_for()
    page.get_by_role("button", name="Finish").click()
    assert page.locator(".tour-dialog").count() == 0 and page.locator(".tour-target").count() == 0
    page.reload()
    page.get_by_role("button", name="Restart the tour").wait_for()
    assert page.locator(".tour-dialog").count() == 0


def test_escape_skips_for_good_and_the_tour_restarts(page, site):
    page.goto(site)
    page.get_by_role("dialog", name="The input").wait_for()
    page.keyboard.press("Escape")
    assert page.locator(".tour-dialog").count() == 0
    assert page.evaluate("document.activeElement.textContent") == "Restart the tour"
    page.reload()
    start = page.get_by_role("button", name="Restart the tour")
    start.wait_for()
    assert page.locator(".tour-dialog").count() == 0
    start.click()
    assert "Step 1 of 3" in page.get_by_role("dialog", name="The input").inner_text()


def test_without_javascript_the_tour_is_a_list_of_links(page_without_js, site):
    page_without_js.goto(site)
    links = page_without_js.locator(".tour-steps a")
    assert links.all_text_contents() == ["network.input", "network.lr", "loss"]
    assert links.first.get_attribute("href") == "#explain-network.input"


def test_step_without_explanation_is_a_build_error(tmp_path):
    error = build_error(tmp_path, HEAD + "```{tour}\nsteps: cell.forget\n```\n")
    assert error.rule == "ref-explain" and error.line == 5 and "cell.forget" in error.message
