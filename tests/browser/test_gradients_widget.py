"""The {gradients} widget in real Chromium: its bars encode exactly the itemized-gradients document, static
and live; every control, the keyboard path, linked views and the URL work; it fits a 390 px screen."""
import re

import numpy as np
import pytest

from unrolled.generator.build import discover
from unrolled.precompute.cache import entry_dir
from unrolled.precompute.documents import load

pytestmark = pytest.mark.browser
SPEC = """
[run.{name}]
dataset = "{dataset}"
cell = "{cell}"
layers = {layers}
hidden = 4
window = 8
sequences = 25
batch = 25
epochs = 3
snapshots = [0, 3]
"""
RUNS = "".join(SPEC.format(name=f"grad-{cell}", dataset="sine", cell=cell, layers=2) for cell in ("rnn", "lstm", "gru"))
PAGE = """---
title: Gradients
runs: runs.toml
---

```{gradients}
run: grad-rnn
```

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

```{gradients}
runs: grad-rnn, grad-lstm, grad-gru
group: all
scale: relative
```

```{predictions}
run: grad-rnn
```
"""
SINGLE, MULTI = "#w1-gradients", "#w5-gradients"
T = 8


@pytest.fixture(scope="module")
def site(make_site):
    project, url = make_site("gradients", {"a/runs.toml": RUNS, "a/index.md": PAGE})
    return project, url + "a/"


def documents(project, slug="a") -> dict:
    (page,) = [p for p in discover(project) if p.slug == slug]
    return {name: load(entry_dir(project.cache_dir, spec) / "itemized-gradients.json")
            for name, spec in page.specs.items()}


def expected(doc, snapshot=-1, layer=0, group="hh", scale="absolute", sequence=0) -> dict:
    matrix = np.tril(doc["snapshots"][snapshot]["sequences"][sequence]["layers"][layer][group])
    if scale == "relative":
        totals = matrix.sum(axis=0)
        matrix = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    return {(t, s): matrix[t, s] for t in range(len(matrix)) for s in range(t + 1)}


def attributes(tag: str) -> dict:
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))


def invert(html: str, group: str) -> tuple[dict, float]:
    """{key: value} recovered from the rect heights of one `<g class=group>` and its recorded scale."""
    start = re.search(rf'<g class="{group}"[^>]*>', html)
    scale = attributes(start.group(0))
    y0, y1, py0, py1 = (float(scale[k]) for k in ("data-y0", "data-y1", "data-py0", "data-py1"))
    body = html[start.end():]
    depth, end = 1, 0
    for match in re.finditer(r"<(/?)g\b", body):  # find this group's closing tag
        depth += -1 if match.group(1) else 1
        if depth == 0:
            end = match.start()
            break
    values = {}
    for tag in re.findall(r"<rect\b[^>]*>", body[:end]):
        a = attributes(tag)
        if "data-t" not in a:
            continue
        key = (int(a["data-t"]), int(a["data-s"])) if "data-s" in a else int(a["data-t"])
        values[key] = float(a["height"]) / (py0 - py1) * (y1 - y0)
    return values, y1


def panel_html(page, figure, k=0) -> str:
    return page.locator(f"{figure} .gradients-panel").nth(k).inner_html()


def assert_bars(html, want: dict):
    values, top = invert(html, "bars")
    assert set(values) == set(want)
    tol = 0.011 / 150 * top  # two-decimal pixel heights on a 150 px axis
    for key, value in want.items():
        assert abs(values[key] - value) <= tol + 1e-6 * abs(value), (key, values[key], value)


def assert_loss(html, doc, snapshot=-1):
    values, top = invert(html, "loss-strip")
    loss = doc["snapshots"][snapshot]["sequences"][0]["loss"]
    np.testing.assert_allclose([values[t] for t in range(len(loss))], loss, atol=0.011 / 34 * top)


def ready(page, url):
    page.goto(url)
    page.wait_for_selector(f'{SINGLE}[data-state="ready"]')
    page.wait_for_selector(f'{MULTI}[data-state="ready"]')


def test_live_bars_and_loss_strip_encode_the_document(page, site):
    project, url = site
    docs = documents(project)
    ready(page, url)
    html = panel_html(page, SINGLE)
    assert_bars(html, expected(docs["grad-rnn"]))
    assert_loss(html, docs["grad-rnn"])
    assert page.locator(f"{SINGLE} output").text_content() == "epoch 3"
    for k, run in enumerate(["grad-rnn", "grad-lstm", "grad-gru"]):
        html = panel_html(page, MULTI, k)
        assert_bars(html, expected(docs[run], group="all", scale="relative"))
        assert_loss(html, docs[run])
    row = page.locator(f"{SINGLE} .gradients-table tbody tr").nth(5).locator("td").all_text_contents()
    matrix = docs["grad-rnn"]["snapshots"][-1]["sequences"][0]["layers"][0]["hh"]
    np.testing.assert_allclose([float(v.replace("\u2212", "-")) for v in row[1:7]], matrix[5, :6], rtol=1e-3, atol=1e-9)
    chart = page.locator(f"{SINGLE} svg.gradients-chart")
    assert chart.get_attribute("role") == "img" and "grad-rnn" in chart.locator("title").text_content()
    assert "stacked bars" in chart.locator("desc").text_content()


def test_static_first_frame_without_javascript_matches(page_without_js, site):
    project, url = site
    docs = documents(project)
    page_without_js.goto(url)
    assert page_without_js.locator(SINGLE).get_attribute("data-state") is None
    html = panel_html(page_without_js, SINGLE)
    assert_bars(html, expected(docs["grad-rnn"]))
    assert_loss(html, docs["grad-rnn"])
    for k, run in enumerate(["grad-rnn", "grad-lstm", "grad-gru"]):
        assert_bars(panel_html(page_without_js, MULTI, k), expected(docs[run], group="all", scale="relative"))
    assert page_without_js.locator(f"{SINGLE} svg.gradients-chart").get_attribute("role") == "img"
    assert page_without_js.locator(f"{SINGLE} details.widget-data table").count() == 1
    assert page_without_js.locator(f"{MULTI} details.widget-data table").count() == 3
    assert page_without_js.locator(f"{SINGLE} figcaption").is_visible()


def test_every_control_changes_the_view(page, site):
    project, url = site
    doc = documents(project)["grad-rnn"]
    ready(page, url)
    fig = page.locator(SINGLE)
    fig.get_by_label("Layer", exact=True).select_option("1")
    assert_bars(panel_html(page, SINGLE), expected(doc, layer=1))
    fig.get_by_label("Parameters", exact=True).select_option("ih")
    assert_bars(panel_html(page, SINGLE), expected(doc, layer=1, group="ih"))
    fig.get_by_label("Parameters", exact=True).select_option("all")
    assert_bars(panel_html(page, SINGLE), expected(doc, layer=1, group="all"))
    fig.get_by_role("radio", name="share of each bar").check()
    assert_bars(panel_html(page, SINGLE), expected(doc, layer=1, group="all", scale="relative"))
    slider = fig.get_by_role("slider", name="Snapshot")
    slider.focus()
    page.keyboard.press("ArrowLeft")
    assert fig.locator("output").text_content() == "epoch 0"
    html = panel_html(page, SINGLE)
    assert_bars(html, expected(doc, snapshot=0, layer=1, group="all", scale="relative"))
    assert_loss(html, doc, snapshot=0)
    fig.get_by_role("radio", name="absolute").check()
    assert_bars(panel_html(page, SINGLE), expected(doc, snapshot=0, layer=1, group="all"))
    assert "?epoch=0" in page.evaluate("location.search")


def test_side_by_side_shares_one_control_set(page, site):
    project, url = site
    docs = documents(project)
    ready(page, url)
    fig = page.locator(MULTI)
    assert fig.locator(".gradients-controls").count() == 1
    assert fig.locator("select").count() == 2 and fig.get_by_role("slider").count() == 1
    fig.get_by_label("Parameters", exact=True).select_option("hh")
    fig.get_by_role("radio", name="absolute").check()
    fig.get_by_label("Layer", exact=True).select_option("1")
    tops = set()
    for k, run in enumerate(["grad-rnn", "grad-lstm", "grad-gru"]):
        html = panel_html(page, MULTI, k)
        assert_bars(html, expected(docs[run], layer=1))
        tops.add(invert(html, "bars")[1])
    assert len(tops) == 1  # one y axis for the small multiples
    boxes = [fig.locator(".gradients-panel").nth(k).bounding_box() for k in range(3)]
    assert boxes[0]["y"] == boxes[1]["y"] == boxes[2]["y"] and boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    page.set_viewport_size({"width": 390, "height": 900})
    page.wait_for_function(f"() => document.querySelector('{MULTI} .gradients-panel').offsetWidth < 380")
    boxes = [fig.locator(".gradients-panel").nth(k).bounding_box() for k in range(3)]
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"] and boxes[0]["x"] == boxes[1]["x"]
    for k, run in enumerate(["grad-rnn", "grad-lstm", "grad-gru"]):
        assert_bars(panel_html(page, MULTI, k), expected(docs[run], layer=1))


def active_step(page, figure=SINGLE, k=0):
    return page.locator(f"{figure} .gradients-panel").nth(k).get_attribute("data-active")


def test_keyboard_reaches_the_steps_and_shows_the_horizon(page, site):
    project, url = site
    doc = documents(project)["grad-rnn"]
    ready(page, url)
    page.locator(SINGLE).get_by_role("slider", name="Snapshot").focus()
    for _ in range(4):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('gradients-step')"):
            break
    focused = page.evaluate("[document.activeElement.dataset.t, document.activeElement.closest('figure').id]")
    assert focused == [str(T - 1), "w1-gradients"]
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    assert active_step(page) == str(T - 1)
    readout = page.locator(f"{SINGLE} .gradients-horizon")
    assert readout.text_content().startswith(f"Step {T - 1}: loss")
    assert page.locator(f"{SINGLE} .bars rect.active").count() == T  # loss 7 reaches every bar
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.dataset.t") == "5"
    assert active_step(page) == "5" and readout.text_content().startswith("Step 5")
    assert page.locator(f"{SINGLE} .bars rect.active").count() == 6
    assert page.locator(f"{SINGLE} .gradients-step[aria-pressed=true]").text_content() == "5"
    assert page.evaluate("location.search") == "?step=5"
    assert active_step(page, MULTI, 2) == "5"  # linked: the other widget highlights it too
    # the readout's horizon is the one computed from row 5 of the document
    row = doc["snapshots"][-1]["sequences"][0]["layers"][0]["hh"][5, :6]
    share = np.cumsum(row[::-1]) / row.sum()
    reach = int(np.argmax(share >= 0.9))
    assert f"reaches back {reach} step" in readout.text_content()
    page.keyboard.press("Home")
    assert page.evaluate("document.activeElement.dataset.t") == "0" and active_step(page) == "0"
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.dataset.t") == str(T - 1)
    page.keyboard.press("Escape")
    assert active_step(page) == "" and page.evaluate("location.search") == ""
    page.keyboard.press("Shift+Tab")  # the step group is one tab stop
    assert not page.evaluate("document.activeElement.classList.contains('gradients-step')")


def test_hover_previews_a_horizon_without_selecting(page, site):
    project, url = site
    ready(page, url)
    page.locator(f'{SINGLE} .bars rect[data-t="4"][data-s="2"]').hover()
    assert active_step(page) == "4"
    assert page.locator(f"{SINGLE} .gradients-horizon").text_content().startswith("Step 4")
    assert page.locator(f"{SINGLE} .horizon path").count() == 1
    page.locator(f"{SINGLE} .gradients-title").hover()
    assert active_step(page) == ""
    assert page.evaluate("location.search") == ""
    page.locator(f'{SINGLE} .bars rect[data-t="4"][data-s="2"]').click()
    assert page.evaluate("location.search") == "?step=4"


def test_url_state_round_trips(page, site):
    project, url = site
    docs = documents(project)
    page.goto(url + "?epoch=0&step=3")
    page.wait_for_selector(f'{MULTI}[data-state="ready"]')
    for figure in (SINGLE, MULTI):
        assert page.locator(f"{figure} output").first.text_content() == "epoch 0"
        assert active_step(page, figure) == "3"
    assert_bars(panel_html(page, SINGLE), expected(docs["grad-rnn"], snapshot=0))
    assert page.locator(f"{SINGLE} .gradients-step[aria-pressed=true]").text_content() == "3"
    slider = page.locator(MULTI).get_by_role("slider", name="Snapshot")
    slider.focus()
    page.keyboard.press("End")
    assert page.evaluate("location.search") == "?epoch=3&step=3"
    assert page.locator(f"{SINGLE} output").text_content() == "epoch 3"  # linked
    page.locator(f'{SINGLE} .gradients-step[data-t="6"]').click()
    assert page.evaluate("location.search") == "?epoch=3&step=6"
    page.reload()
    page.wait_for_selector(f'{SINGLE}[data-state="ready"]')
    assert active_step(page) == "6" and page.locator(f"{SINGLE} output").text_content() == "epoch 3"


def test_linked_with_the_predictions_widget(page, site):
    project, url = site
    docs = documents(project)
    ready(page, url)
    page.wait_for_selector('[data-widget="predictions"][data-state="ready"]')
    page.locator('[data-widget="predictions"]').get_by_role("slider", name="Snapshot").focus()
    page.keyboard.press("ArrowLeft")
    assert page.locator(f"{SINGLE} output").text_content() == "epoch 0"
    assert_bars(panel_html(page, SINGLE), expected(docs["grad-rnn"], snapshot=0))
    page.locator(SINGLE).get_by_role("slider", name="Snapshot").focus()
    page.keyboard.press("ArrowRight")
    assert page.locator('[data-widget="predictions"] output').text_content() == "epoch 3"


def test_explanations_open_from_the_widget(page, site):
    project, url = site
    ready(page, url)
    keys = page.locator(f"{SINGLE} .info-button").evaluate_all("bs => bs.map(b => b.dataset.explainKey)")
    assert sorted(keys) == ["gradients", "gradients.horizon", "gradients.scale"]
    page.locator(f'{SINGLE} .info-button[data-explain-key="gradients.horizon"]').click()
    assert page.get_by_role("dialog", name="Gradient horizon").is_visible()


def test_fits_a_390_px_screen(browser, site):
    from tests.conftest import _open_context

    project, url = site
    context, page, watch = _open_context(browser, viewport={"width": 390, "height": 800})
    try:
        ready(page, url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.locator(f"{MULTI} details.widget-data summary").click()
        page.locator(f'{SINGLE} .gradients-step[data-t="2"]').click()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        step = page.locator(f'{SINGLE} .gradients-step[data-t="0"]').bounding_box()
        bar = page.locator(f'{SINGLE} .bar[data-s="0"] rect.bar-outline').bounding_box()
        assert abs((step["x"] + step["width"] / 2) - (bar["x"] + bar["width"] / 2)) < 2  # the axis lines up
    finally:
        context.close()
    assert watch.external == [] and watch.errors == []


def test_text_run_shows_characters(make_site, page):
    runs = SPEC.format(name="grad-text", dataset="abab", cell="lstm", layers=1)
    project, url = make_site("gradients-text", {"t/runs.toml": runs,
                                                "t/index.md": "---\ntitle: T\nruns: runs.toml\n---\n\n"
                                                              "```{gradients}\nrun: grad-text\n```\n"})
    doc = documents(project, "t")["grad-text"]
    seq = doc["snapshots"][-1]["sequences"][0]
    show = {" ": "␣", "\n": "⏎"}
    chars = [show.get(doc["vocab"][i], doc["vocab"][i]) for i in seq["input"]]
    page.goto(url + "t/")
    page.wait_for_selector(f'{SINGLE}[data-state="ready"]')
    assert page.locator(f"{SINGLE} .gradients-step").all_text_contents() == chars
    nexts = [show.get(doc["vocab"][i], doc["vocab"][i]) for i in seq["target"]]
    assert page.locator(f"{SINGLE} .gradients-strip text.step-label").all_text_contents() == nexts
    html = panel_html(page, SINGLE)
    assert_bars(html, expected(doc))
    assert_loss(html, doc)
    page.locator(f'{SINGLE} .gradients-step[data-t="2"]').click()
    assert f"input {chars[2]}, next {nexts[2]}" in page.locator(f"{SINGLE} .gradients-horizon").text_content()
    static = (project.out_dir / "t" / "index.html").read_text()
    assert all(f">{c}</text>" in static for c in set(chars))


def test_axe_finds_no_violations(page, site):
    from tests.conftest import add_axe

    project, url = site
    ready(page, url + "?step=4")
    add_axe(page)
    for figure in (SINGLE, MULTI):
        result = page.evaluate("""async (sel) => (await axe.run(sel, {resultTypes: ['violations']})).violations
            .map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '))""", figure)
        assert result == [], figure


def test_a_panel_computed_in_python_replaces_the_precomputed_one(page, site):
    """What a Python cell publishes (unrolled_lite.live.gradients_panel, as JSON) is drawn bar for bar."""
    import json

    from unrolled_lite import init_model
    from unrolled_lite.live import gradients_panel

    model = init_model("gru", 1, 5, 2, 1, np.random.default_rng(7))
    x = np.sin(0.3 * np.arange(T + 1))
    panel = gradients_panel("in your browser", model, x[:T, None], x[1:], "mse", epoch=12)
    data = json.loads(json.dumps({"sequence": 0, "panels": [panel]}, default=lambda a: a.tolist()))
    ready(page, url=site[1])
    page.evaluate("""async (data) => {
        const mod = await import(document.querySelector('script[type=module]').src);
        mod.controllers.get('w1-gradients').update({data});
    }""", data)
    assert page.locator(f"{SINGLE} output").text_content() == "epoch 12"
    assert page.locator(f"{SINGLE} .gradients-panel").get_attribute("data-run") == "in your browser"
    item = model.itemized_gradients(x[:T, None], x[1:], "mse")
    for layer in (0, 1):
        if layer:
            page.locator(SINGLE).get_by_label("Layer", exact=True).select_option("1")
        matrix = np.tril(item["G"][layer]["hh"])
        assert_bars(panel_html(page, SINGLE), {(t, s): matrix[t, s] for t in range(T) for s in range(t + 1)})


# Each panel's tallest bar as a share of its axis, the axis top, and the top tick's label.
FILL = """(figure) => [...figure.querySelectorAll('.gradients-chart')].map((svg) => {
  const bars = svg.querySelector('g.bars');
  const span = Number(bars.dataset.py0) - Number(bars.dataset.py1);
  const tallest = Math.max(...[...svg.querySelectorAll('rect.bar-outline')].map((r) => Number(r.getAttribute('height'))));
  const ticks = [...svg.querySelectorAll('.axis text')].map((t) => t.textContent);
  return [tallest / span, Number(bars.dataset.y1), ticks[ticks.length - 1]];
})"""


def test_the_absolute_axis_fits_the_shown_snapshot(reader, bundled):
    """At epoch 0 the bundled RNN, LSTM and GRU gradients are a hundred times smaller than after training:
    the shared axis follows the shown snapshot, so the tallest bar still fills most of its panel."""
    page = reader
    page.goto(bundled + "where-the-gradient-goes/?epoch=0")
    figure = page.locator('[data-widget="gradients"]').first
    figure.scroll_into_view_if_needed()
    page.wait_for_selector('[data-widget="gradients"][data-state="ready"]')
    assert figure.locator("output").text_content() == "epoch 0"
    early = figure.evaluate(FILL)
    assert len(early) == 3 and len({top for _, top, _ in early}) == 1  # one axis for the compared runs
    assert max(fill for fill, _, _ in early) > 0.5, early
    slider = figure.get_by_role("slider", name="Snapshot")
    slider.focus()
    page.keyboard.press("End")
    late = figure.evaluate(FILL)
    assert max(fill for fill, _, _ in late) > 0.5, late
    assert late[0][1] > 10 * early[0][1] and late[0][2] != early[0][2]  # the ticks name the new scale
    figure.get_by_role("radio", name="share of each bar").check()  # the relative scale stays a choice
    assert {top for _, top, _ in figure.evaluate(FILL)} == {1}
