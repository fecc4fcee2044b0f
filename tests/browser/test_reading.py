"""Typesetting and the front page in real Chromium, on a phone and a desktop: KaTeX's HTML in its own
(self-hosted) fonts, display equations that scroll inside a focusable box instead of overflowing, real
minus signs, run titles in legends, the articles listed first with a picture each, and no console
warnings or errors and no serious accessibility violation on any page."""
import re

import pytest

from tests.browser.test_network_widget import BASE
from tests.conftest import READER_SIZES, _open_context, add_axe

pytestmark = pytest.mark.browser

RUNS = "".join(f"[run.{name}]\n" + "".join(f"{k} = {v}\n" for k, v in {**BASE, **extra}.items()) + "\n"
               for name, extra in {"sine-lr-good": {"title": '"learning rate 0.01"', "window": 40},
                                   "sine-lr-low": {"lr": 0.001, "title": '"learning rate 0.001"'}}.items())
FRONT = """---
title: Reading
summary: A small site.
---

## About

Some words about the site.

## Write your own

Write Markdown.
"""
WIDE = ("\\frac{\\partial L}{\\partial \\theta} = \\sum_{t=1}^{T} \\sum_{s=1}^{t} \\frac{\\partial L_t}{\\partial h_t}"
        " \\frac{\\partial h_t}{\\partial h_s} \\frac{\\partial h_s}{\\partial \\theta^{(s)}} + W_{ih} x_t + b_{ih}"
        " + W_{hh} h_{t-1} + b_{hh} + \\sum_{t=1}^{T} \\frac{\\partial L_t}{\\partial W_{hh}} + W_{ih} x_{t+1} + b_{ih}"
        " + W_{hh} h_{t} + b_{hh}")  # wider than a desktop's column too
ALPHA = f"""---
title: Alpha
summary: Equations and predictions.
runs: runs.toml
---

The loss over a window of $T$ steps, shifted by {{val}}`0 - sine-lr-good.spec.lr:.3f`, is

$$
L = \\sum_{{t=1}}^{{T}} L_t
$$

and the gates are

$$
\\begin{{aligned}}
i_t &= \\sigma(W_{{ii}} x_t + b_{{ii}} + W_{{hi}} h_{{t-1}} + b_{{hi}}) \\\\
f_t &= \\sigma(W_{{if}} x_t + b_{{if}})
\\end{{aligned}}
$$

A long one:

$$
{WIDE}
$$

```{{predictions}}
run: sine-lr-good
```

```{{loss}}
runs: sine-lr-low, sine-lr-good
```
"""
BETA = """---
title: Beta
summary: Only a loss curve.
runs: runs.toml
order: 2
---

No formulas here.

```{loss}
run: sine-lr-low
```
"""


@pytest.fixture(scope="module")
def reading_site(make_site):
    return make_site("reading", {"index.md": FRONT, "alpha/runs.toml": RUNS, "alpha/index.md": ALPHA,
                                 "beta/runs.toml": RUNS, "beta/index.md": BETA})


def serious_violations(page) -> list[str]:
    add_axe(page)
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => v.id + ': ' + v.nodes.map((n) => n.target).join(', '))""")


def test_front_page_lists_articles_first_each_with_its_first_figure(reader, reading_site):
    _, base = reading_site
    width, height = reader.size["width"], reader.size["height"]
    reader.goto(base)
    reader.wait_for_load_state("networkidle")
    heading = reader.get_by_role("heading", name="Articles")
    write = reader.get_by_role("heading", name="Write your own")
    assert heading.bounding_box()["y"] < write.bounding_box()["y"]
    assert heading.bounding_box()["y"] < height  # on the first screen
    cards = reader.locator(".article-list > li")
    assert cards.count() == 2
    assert cards.locator(".article-title").all_text_contents() == ["Alpha", "Beta"]
    assert [p.strip() for p in cards.locator("p").all_text_contents()] == ["Equations and predictions.",
                                                                           "Only a loss curve."]
    # each picture is its article's first figure, drawn by the widget module from the run's data
    alpha, beta = (cards.nth(k).locator(".article-thumb svg") for k in range(2))
    assert "plot" in alpha.get_attribute("class") and alpha.locator("polyline.series-prediction").count() == 1
    assert "loss-plot" in beta.get_attribute("class") and beta.locator("polyline").count() >= 2
    for svg in (alpha, beta):  # drawn in the widget's own colours, not left unstyled
        strokes = svg.locator("polyline").evaluate_all("(ps) => ps.map((p) => getComputedStyle(p).stroke)")
        assert strokes and "none" not in strokes and "rgb(0, 0, 0)" not in strokes, strokes
    for k in range(2):
        box = cards.nth(k).locator(".article-thumb").bounding_box()
        assert 100 < box["width"] <= width and box["height"] > 40
    assert cards.nth(0).locator("a").get_attribute("href").endswith("alpha/")
    assert reader.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(reader) == []
    assert not [r.url for r in reader.responses if "katex" in r.url]  # no math on this page: no KaTeX


def test_front_page_thumbnail_matches_the_articles_figure(reader, reading_site):
    """One renderer: the thumbnail's curves are the article's first-frame curves, point for point."""
    _, base = reading_site
    reader.goto(base)
    thumb = reader.locator(".article-list > li").nth(0).locator(".article-thumb polyline").evaluate_all(
        "(ps) => ps.map((p) => p.getAttribute('points'))")
    reader.goto(base + "alpha/")
    article = reader.locator("#w1-predictions svg.plot polyline").evaluate_all(
        "(ps) => ps.map((p) => p.getAttribute('points'))")
    assert thumb == article and len(thumb) >= 3


def test_math_is_katex_in_its_fonts_and_wide_equations_scroll(reader, reading_site):
    _, base = reading_site
    width = reader.size["width"]
    reader.goto(base + "alpha/")
    reader.wait_for_load_state("networkidle")
    reader.evaluate("document.fonts.ready")
    loaded = reader.evaluate("""[...document.fonts].filter((f) => f.status === 'loaded').map((f) => f.family)""")
    assert any(family.startswith("KaTeX_") for family in loaded), loaded
    fonts = [r for r in reader.responses if "/katex/fonts/" in r.url]
    assert fonts and all(r.status == 200 and r.url.endswith(".woff2") for r in fonts)
    assert len(fonts) < 20  # only the faces the page's math uses
    # the Σ of a display equation has its limits above and below it, in KaTeX's size fonts
    assert reader.locator(".math-display .op-limits").count() >= 1
    # aligned: the "=" signs of the two rows share one x position
    equals = reader.locator(".math-display").nth(1).locator(".col-align-l .mrel").evaluate_all(
        "(els) => els.map((e) => Math.round(e.getBoundingClientRect().left))")
    assert len(equals) == 2 and equals[0] == equals[1]
    boxes = reader.locator(".math-display")
    assert boxes.count() == 3
    for k in range(3):
        box = boxes.nth(k)
        assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "group"
        assert box.get_attribute("aria-label")
        assert box.bounding_box()["x"] + box.bounding_box()["width"] <= width
    assert reader.evaluate("document.documentElement.scrollWidth") <= width
    wide = boxes.nth(2)
    full, visible = wide.evaluate("(e) => [e.scrollWidth, e.clientWidth]")
    assert full > visible + 50  # the long equation is wider than the column (a phone's or a desktop's): its box scrolls
    # keyboard: Tab reaches the box, the arrow keys scroll it
    for _ in range(40):
        reader.keyboard.press("Tab")
        if reader.evaluate("document.activeElement.classList.contains('math-display') && "
                          "document.activeElement === document.querySelectorAll('.math-display')[2]"):
            break
    else:
        pytest.fail("Tab never reached the wide equation")
    for _ in range(5):
        reader.keyboard.press("ArrowRight")
    reader.wait_for_function("() => document.querySelectorAll('.math-display')[2].scrollLeft > 50")
    assert serious_violations(reader) == []


def test_minus_signs_and_run_titles(reader, reading_site):
    _, base = reading_site
    reader.goto(base + "alpha/")
    value = reader.locator("data").first.text_content()
    assert value == "\u22120.010"
    cells = reader.locator("#w1-predictions .data-table td").all_text_contents()
    numbers = [c for c in cells if re.fullmatch(r"[\u2212]?\d+\.\d{4}", c)]
    assert len(numbers) == len(cells) and any(c.startswith("\u2212") for c in cells)
    assert not any("-" in c for c in cells)
    ticks = reader.locator("#w1-predictions svg.plot .axis text").all_text_contents()
    assert ticks == ["\u22121", "0", "1"]
    figure = reader.locator("#w2-loss")
    figure.scroll_into_view_if_needed()
    reader.wait_for_selector('#w2-loss[data-state="ready"]')
    legend = figure.locator(".loss-legend li").all_text_contents()
    assert legend[1:] == ["learning rate 0.001", "learning rate 0.01"]
    assert "sine-lr-low" not in figure.locator(".loss-legend").text_content()


@pytest.mark.parametrize("size", list(READER_SIZES))
def test_pages_have_no_console_warnings(browser, reading_site, size):
    _, base = reading_site
    width = READER_SIZES[size]["width"]
    context, page, watch = _open_context(browser, viewport=READER_SIZES[size])
    warnings = []
    page.on("console", lambda m: m.type == "warning" and warnings.append(m.text))
    for path in ("", "alpha/", "beta/"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        stylesheets = page.evaluate("[...document.styleSheets].map((s) => s.href || '')")
        assert any("/katex/" in href for href in stylesheets) == (path == "alpha/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
    assert warnings == [] and watch.errors == [] and watch.external == []
