"""Widgets whose module renders its own first frame: the page's static figure is exactly what the module
draws when it hydrates, and hydrating does not move the content below the figure.

Checked by construction for every such widget on every bundled page, on the slice fixture and on a
small site with {gradients} figures (one run, side-by-side runs, a text run), at two widths: the
figure's DOM read with scripts off equals the DOM right after hydration (same elements, attributes,
numbers and text), and the next element's offset from the figure's top moves by at most a few pixels.
"""
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

CONVERTED = ("predictions", "loss", "horizon", "gradients", "network", "cell",
             "whole-series")  # whole-series: content/widgets/
SELECTOR = ", ".join(f'[data-widget="{name}"]' for name in CONVERTED)
ARTICLES = sorted(p.parent.name for p in (ROOT / "content").glob("*/index.md"))
MAX_SHIFT = 3  # px: hydration may not push the text below a figure further than this

# The figure as a tree of [tag, sorted attributes, children], plus where the next element starts.
# Left out, because hydration legitimately adds them: the figure's own data-state / data-epoch /
# data-phase / data-playing (its progress, the shown epoch, the training phase played and whether it
# plays) and (i) buttons, which open explanations only scripts can show.
READ = """(figure) => {
  const PROGRESS = ['data-state', 'data-epoch', 'data-phase', 'data-playing'];
  const skip = (n) => n.nodeType === 1 && n.classList.contains('info-button');
  const walk = (n) => {
    if (n.nodeType === 3) return n.data;
    const attrs = [...n.attributes].map((a) => [a.name, a.value])
      .filter(([name]) => n !== figure || !PROGRESS.includes(name)).sort();
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


def static_and_hydrated(browser, page, url: str, viewport: dict = VIEWPORT) -> tuple[dict, dict]:
    context = browser.new_context(java_script_enabled=False, viewport=viewport)
    static = context.new_page()
    static.goto(url)
    before = read_figures(static)
    context.close()
    page.set_viewport_size(viewport)
    page.goto(url)
    page.evaluate(HYDRATE, SELECTOR)
    assert page.locator(SELECTOR).evaluate_all("fs => fs.every((f) => f.dataset.state === 'ready')")
    return before, read_figures(page)


def assert_same_first_frames(before: dict, after: dict, max_shift: float = MAX_SHIFT) -> None:
    assert before.keys() == after.keys()
    for key, static in before.items():
        live = after[key]
        assert live["tree"] == static["tree"], f"{key}: the hydrated DOM differs from the first frame"
        if static["below"] is not None:
            assert abs(live["below"] - static["below"]) <= max_shift, (
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


GRADIENT_RUNS = "".join(f"""
[run.{name}]
dataset = "{dataset}"
cell = "{cell}"
layers = {layers}
hidden = 4
window = 8
sequences = 25
batch = 25
epochs = 2
snapshots = [0, 2]
""" for name, dataset, cell, layers in [("g-rnn", "sine", "rnn", 2), ("g-gru", "sine", "gru", 1),
                                         ("g-text", "abab", "lstm", 1)])
GRADIENT_PAGE = """---
title: Gradients
runs: runs.toml
---

```{gradients}
run: g-rnn
```

Text after the first figure.

```{gradients}
runs: g-rnn, g-gru
group: all
scale: relative
snapshot: 0
```

Text after the second figure.

```{gradients}
run: g-text
```

Text after the third figure.

```{explain}
for: gradients
title: Itemized gradients

Each bar is one step's share of the gradient.
```

```{explain}
for: gradients.horizon
title: Gradient horizon

How far back a loss reaches.
```

```{explain}
for: gradients.scale
title: Scale

Absolute norms or shares.
```
"""


@pytest.fixture(scope="module")
def gradients_site(make_site):
    _, url = make_site("first-frames-gradients", {"g/runs.toml": GRADIENT_RUNS, "g/index.md": GRADIENT_PAGE})
    return url + "g/"


@pytest.mark.parametrize("width", [1000, 390])
def test_gradients_figures_hydrate_onto_their_first_frames(browser, page, gradients_site, width):
    """One geometry: the hydrated charts are the first frame's, element for element and number for number,
    and the paragraph after each figure stays within 2 px."""
    before, after = static_and_hydrated(browser, page, gradients_site, {"width": width, "height": 900})
    assert list(before) == ["w1-gradients", "w2-gradients", "w3-gradients"]
    for key, figure in before.items():
        svgs = [node for node in walk(figure["tree"]) if node[0] == "svg:svg"]
        assert len(svgs) == 2 * (2 if key == "w2-gradients" else 1)  # bars and loss strip per panel
        assert figure["below"] > 200
    assert_same_first_frames(before, after, max_shift=2)


def walk(node):
    yield node
    for child in node[2]:
        if isinstance(child, list):
            yield from walk(child)
