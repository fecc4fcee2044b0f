"""Widgets whose module renders its own first frame: the page's static figure is exactly what the module
draws when it hydrates, and hydrating does not move the content below the figure.

Checked by construction for every such widget on every bundled page and on the slice fixture: the
figure's DOM read with scripts off equals the DOM right after hydration (same elements, attributes,
numbers and text), and the next element's offset from the figure's top moves by at most a few pixels.
"""
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

CONVERTED = ("predictions", "loss", "horizon")
SELECTOR = ", ".join(f'[data-widget="{name}"]' for name in CONVERTED)
ARTICLES = sorted(p.parent.name for p in (ROOT / "content").glob("*/index.md"))
MAX_SHIFT = 3  # px: hydration may not push the text below a figure further than this

# The figure as a tree of [tag, sorted attributes, children], plus where the next element starts.
# Left out, because hydration legitimately adds them: the figure's own data-state / data-epoch (its
# progress and the shown epoch) and (i) buttons, which open explanations only scripts can show.
READ = """(figure) => {
  const skip = (n) => n.nodeType === 1 && n.classList.contains('info-button');
  const walk = (n) => {
    if (n.nodeType === 3) return n.data;
    const attrs = [...n.attributes].map((a) => [a.name, a.value])
      .filter(([name]) => n !== figure || !['data-state', 'data-epoch'].includes(name)).sort();
    return [n.namespaceURI.endsWith('svg') ? `svg:${n.localName}` : n.localName, attrs,
      [...n.childNodes].filter((c) => (c.nodeType === 1 && !skip(c)) || c.nodeType === 3).map(walk)];
  };
  const next = figure.nextElementSibling;
  const top = figure.getBoundingClientRect().top;
  return { id: figure.id, tree: walk(figure), below: next ? next.getBoundingClientRect().top - top : null };
}"""
HYDRATE = """async (selector) => {
  const { ready } = await import('unrolled/page.js');
  await Promise.all([...document.querySelectorAll(selector)].map((f) => ready(f.id)));
}"""
VIEWPORT = {"width": 1000, "height": 900}


def read_figures(pg) -> dict:
    return {f["id"]: f for f in (pg.evaluate(READ, el) for el in pg.locator(SELECTOR).element_handles())}


def static_and_hydrated(browser, page, url: str) -> tuple[dict, dict]:
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORT)
    static = context.new_page()
    static.goto(url)
    before = read_figures(static)
    context.close()
    page.goto(url)
    page.evaluate(HYDRATE, SELECTOR)
    assert page.locator(SELECTOR).evaluate_all("fs => fs.every((f) => f.dataset.state === 'ready')")
    return before, read_figures(page)


def assert_same_first_frames(before: dict, after: dict) -> None:
    assert before.keys() == after.keys()
    for key, static in before.items():
        live = after[key]
        assert live["tree"] == static["tree"], f"{key}: the hydrated DOM differs from the first frame"
        if static["below"] is not None:
            assert abs(live["below"] - static["below"]) <= MAX_SHIFT, (
                f"{key}: hydration moved the next element by {live['below'] - static['below']:.1f} px")


@pytest.mark.parametrize("slug", ARTICLES)
def test_bundled_pages_hydrate_onto_their_first_frames(browser, page, bundled, slug):
    before, after = static_and_hydrated(browser, page, f"{bundled}{slug}/")
    assert_same_first_frames(before, after)


def test_slice_fixture_hydrates_onto_its_first_frame(browser, page, site_server):
    before, after = static_and_hydrated(browser, page, site_server + "slice/")
    assert list(before) == ["w1-predictions"]
    assert_same_first_frames(before, after)


def test_the_comparison_sees_a_changed_frame(browser, page, site_server):
    """The check can fail: a figure whose first frame is altered after load no longer matches."""
    before, _ = static_and_hydrated(browser, page, site_server + "slice/")
    page.locator("#w1-predictions polyline").first.evaluate("p => p.setAttribute('points', '0,0 1,1')")
    with pytest.raises(AssertionError, match="differs from the first frame"):
        assert_same_first_frames(before, read_figures(page))
