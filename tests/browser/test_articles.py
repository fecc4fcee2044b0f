"""The bundled articles, read the way a reader would: open, play, step into a cell, scrub snapshots,
read an explanation; no console errors, no request leaving 127.0.0.1 (checked by the `page` fixture)."""
import pytest

from tests.conftest import ROOT, add_axe

pytestmark = pytest.mark.browser


def ready(page, selector):
    figure = page.locator(selector).first
    figure.scroll_into_view_if_needed()
    page.wait_for_selector(f"{selector}[data-state=ready]")
    return figure


def test_front_page_lists_the_articles(page, bundled):
    page.goto(bundled)
    titles = page.locator(".article-list .article-title").all_text_contents()
    assert titles == ["How a recurrent network learns", "Where the gradient goes", "Retrain it yourself",
                      "Sunspots, one year ahead", "Bring your own cell"]


def test_how_a_recurrent_network_learns(page, bundled):
    page.goto(bundled + "how-rnns-learn/")
    page.wait_for_selector('[data-widget="tour"][data-state="ready"]')  # the tour is offered, and waits to be asked
    assert page.locator(".tour-dialog").count() == 0 and page.evaluate("window.scrollY") == 0
    page.get_by_role("link", name="Take the tour").click()
    page.get_by_role("dialog", name="The input").wait_for()
    page.get_by_role("button", name="Skip tour").click()
    network = ready(page, '[data-widget="network"]')
    at_epoch = "e => new URLSearchParams(location.search).get('epoch') === e"
    for epoch in ("1", "2"):  # each step plays the forward, validation and backward phases first
        network.get_by_role("button", name="Step").click()
        page.wait_for_function(at_epoch, arg=epoch, timeout=30000)
    network.get_by_role("button", name="Reset").click()
    page.wait_for_function(at_epoch, arg="0")
    network.get_by_role("button", name="Play").click()
    page.wait_for_function(at_epoch, arg="20", timeout=120000)
    # read an explanation: the (i) next to the network's input opens the author's text
    network.get_by_role("button", name="Explain: Input").click()
    assert page.get_by_role("dialog", name="The input").is_visible()
    page.keyboard.press("Escape")
    # step into a cell: the first LSTM layer, forward then backward
    cell = ready(page, '[data-widget="cell"]')
    cell.get_by_role("button", name="Next compute step").click()
    cell.get_by_role("button", name="Backward pass", exact=True).click()
    assert "backward" in cell.inner_text().lower()
    assert page.locator("math").count() > 5 and page.locator(".references li").count() >= 4


def test_how_a_recurrent_network_learns_offers_no_dead_combination(page, bundled):
    """Every value the network view's controls offer, from every run of its grid, picks a trained run."""
    import re

    from unrolled.precompute.spec import load_specs
    from tests.browser.test_network_widget import assert_no_dead_combination

    article = ROOT / "content" / "how-rnns-learn"
    names = re.search(r"```\{network\}\nruns: (.*)\n", (article / "index.md").read_text()).group(1).split(", ")
    specs = {s.name: s.values for s in load_specs(article / "runs.toml")}
    dims = ("dataset", "cell", "layers", "hidden", "lr", "batch", "noise")
    combos = {tuple(specs[n][k] if k in ("dataset", "cell") else float(specs[n][k]) for k in dims) for n in names}
    page.add_init_script("localStorage.setItem('unrolled-tour:/how-rnns-learn/', 'done')")
    figure = page.locator('[data-widget="network"]').first
    page.goto(bundled + "how-rnns-learn/")
    fig = "#" + figure.get_attribute("id")
    assert_no_dead_combination(page, fig, combos, names, bundled + "how-rnns-learn/")


def test_where_the_gradient_goes(page, bundled):
    page.goto(bundled + "where-the-gradient-goes/")
    grads = ready(page, '[data-widget="gradients"]')
    assert grads.locator("svg").count() >= 3  # rnn, lstm and gru side by side
    slider = grads.get_by_role("slider").first
    slider.focus()
    page.keyboard.press("Home")
    page.wait_for_function("location.search.includes('epoch=0')")  # read in the page: Playwright's page.url lags replaceState
    page.keyboard.press("End")
    page.wait_for_function("location.search.includes('epoch=160')")
    step = grads.get_by_role("toolbar").first.get_by_role("button").nth(10)
    step.focus()
    assert "step=10" in page.url or step.get_attribute("aria-pressed") is not None
    ready(page, '[data-widget="cell"]')


def test_retrain_it_yourself_is_readable_before_python(page, bundled):
    page.goto(bundled + "retrain-it-yourself/")
    ready(page, '[data-widget="predictions"]')
    ready(page, '[data-widget="loss"]')
    cells = page.locator('[data-widget="pyodide"]')
    assert cells.count() == 5
    assert "unrolled_lite" in cells.first.inner_text()
    requested = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert not [url for url in requested if "pyodide" in url.split("/")[-1] and url.endswith((".wasm", ".mjs"))]


@pytest.mark.parametrize("slug", ["how-rnns-learn/", "where-the-gradient-goes/", "retrain-it-yourself/",
                                  "sunspots/", "your-own-cell/"])
def test_articles_fit_a_phone(browser, bundled, slug):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.goto(bundled + slug)
    for _ in range(20):
        phone.mouse.wheel(0, 1200)
        phone.wait_for_timeout(100)
    phone.wait_for_timeout(1500)
    width = phone.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 390


def serious_violations(page) -> list:
    """axe-core at its defaults (every rule, no options) over the whole document: the serious and
    critical violations, with a few of the elements each one names."""
    result = page.evaluate("axe.run(document)")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
@pytest.mark.parametrize("slug", ["", "how-rnns-learn/", "where-the-gradient-goes/", "retrain-it-yourself/",
                                  "sunspots/", "your-own-cell/"])
def test_pages_have_no_serious_accessibility_violations(page, bundled, slug, viewport):
    """Every widget live, then with the tour's dialog open (pages with a tour) and with an explanation
    popover open (pages with an (i) button)."""
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto(bundled + slug)
    for figure in page.locator("[data-widget]").all():  # every widget live, not just its first frame
        figure.scroll_into_view_if_needed()
        page.wait_for_function("f => f.dataset.state === 'ready'", arg=figure.element_handle())
    add_axe(page)
    found = {"page": serious_violations(page)}
    if page.locator('[data-widget="tour"]').count():
        page.get_by_role("link", name="Take the tour").click()
        page.locator(".tour-dialog .tour-heading:not(:empty)").wait_for()
        page.wait_for_timeout(500)  # the step's smooth scroll settles
        found["tour"] = serious_violations(page)
        page.keyboard.press("Escape")
        page.locator(".tour-dialog").wait_for(state="detached")
    buttons = page.locator(".info-button")
    if buttons.count():
        buttons.first.scroll_into_view_if_needed()
        buttons.first.click()
        page.locator(".explain-popover:popover-open").wait_for()
        found["popover"] = serious_violations(page)
    assert not any(found.values()), found
