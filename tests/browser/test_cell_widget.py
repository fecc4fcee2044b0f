"""The {cell} widget in real Chromium: its heat strips carry exactly the traced numbers (static and live),
stepping, playing, the expanded view, linked URL state and a phone-sized viewport."""
import numpy as np
import pytest

from unrolled.generator.build import discover
from unrolled.generator.directives.cell import NODE_TEXT
from unrolled.precompute.cache import entry_dir
from unrolled.precompute.documents import load

from tests.browser.test_first_frames import assert_same_first_frames, static_and_hydrated
from tests.unit.test_cell_directive import short

pytestmark = pytest.mark.browser

RUNS = """
[run.c-lstm]
dataset = "sine"
cell = "lstm"
layers = 2
hidden = 4
window = 6
sequences = 25
batch = 25
epochs = 3
snapshots = [0, 3]

[run.c-gru]
dataset = "sine"
cell = "gru"
layers = 1
hidden = 3
window = 5
sequences = 25
batch = 25
epochs = 2

[run.c-rnn]
dataset = "square"
cell = "rnn"
layers = 1
hidden = 3
window = 5
sequences = 25
batch = 25
epochs = 2
"""
PAGE = """---
title: Cells
runs: runs.toml
---

An LSTM, layer 2, before training:

```{cell}
run: c-lstm
layer: 1
snapshot: 0
step: 2
```

A GRU, backward:

```{cell}
run: c-gru
step: 2
phase: backward
```

```{cell}
run: c-rnn
```

```{explain}
for: cell.forget
title: Forget gate

It decides how much of $c_{t-1}$ to keep.
```

```{explain}
for: cell
title: The cell

What happens inside one layer.
```
"""
LSTM, GRU, RNN = "#w1-cell", "#w2-cell", "#w3-cell"
CELLS = {LSTM: ("c-lstm", "lstm"), GRU: ("c-gru", "gru"), RNN: ("c-rnn", "rnn")}


@pytest.fixture(scope="module")
def cell_site(make_site):
    project, url = make_site("cells", {"cells/index.md": PAGE, "cells/runs.toml": RUNS})
    (page,) = [p for p in discover(project) if p.slug == "cells"]
    docs = {name: load(entry_dir(project.cache_dir, page.specs[name]) / "cell-trace.json")
            for name in ("c-lstm", "c-gru", "c-rnn")}
    return url + "cells/", docs


def strips(page, figure):
    return page.evaluate("""(sel) => Array.from(document.querySelectorAll(sel + ' .cell-diagram .node[data-key]'))
        .map((g) => ({key: g.dataset.key,
                      values: Array.from(g.querySelectorAll('rect.unit'), (r) => r.getAttribute('data-value')),
                      titles: Array.from(g.querySelectorAll('rect.unit title'), (t) => t.textContent)}))""", figure)


def position(page, figure):
    return page.evaluate("""(sel) => { const v = document.querySelector(sel + ' .cell-view');
        return {phase: v.dataset.phase, stage: Number(v.dataset.stage), step: Number(v.dataset.step),
                layer: Number(v.dataset.layer), epoch: Number(v.dataset.epoch)}; }""", figure)


def assert_shows(page, figure, docs, *, epoch, layer, step, phase):
    """Every strip of the diagram holds the document's float32 values of that position, nothing else."""
    run, cell = CELLS[figure]
    doc = docs[run]
    (snap,) = [s for s in doc["snapshots"] if s["epoch"] == epoch]
    values = snap["sequences"][0]["layers"][layer]
    got = strips(page, figure)
    column = 3 if phase == "forward" else 5
    assert {s["key"] for s in got} == {n[column] for n in NODE_TEXT[cell].values() if n[column]}
    for s in got:
        expected = np.float32(values[s["key"]][step])
        np.testing.assert_array_equal(np.float32([float(v) for v in s["values"]]), expected, err_msg=s["key"])
        assert [t.split(": ")[-1].split(" (")[0] for t in s["titles"]] == [short(float(v)) for v in expected]
    svg = page.locator(f"{figure} svg.cell-diagram")
    assert (svg.get_attribute("data-phase"), svg.get_attribute("data-step")) == (phase, str(step))


def ready(page, url=None):
    """Load the page (unless url is None) and hydrate all three figures (page.js hydrates near the viewport)."""
    if url:
        page.goto(url)
    for figure in CELLS:
        page.locator(figure).scroll_into_view_if_needed()
        page.wait_for_selector(f'{figure}[data-state="ready"]')
    page.evaluate("window.scrollTo(0, 0)")


def test_static_frames_show_the_traced_numbers(page_without_js, cell_site):
    url, docs = cell_site
    page_without_js.goto(url)
    assert_shows(page_without_js, LSTM, docs, epoch=0, layer=1, step=2, phase="forward")
    assert_shows(page_without_js, GRU, docs, epoch=2, layer=0, step=2, phase="backward")
    assert_shows(page_without_js, RNN, docs, epoch=2, layer=0, step=0, phase="forward")
    row = page_without_js.locator(f'{LSTM} .cell-table tr[data-key="f"] td').all_text_contents()
    f = docs["c-lstm"]["snapshots"][0]["sequences"][0]["layers"][1]["f"][2]
    assert row == [short(float(v)) for v in np.float32(f)]
    assert page_without_js.locator(f"{LSTM} .cell-plot").get_attribute("data-step") == "2"
    assert page_without_js.locator(f"{LSTM} .cell-legend").is_visible()


@pytest.mark.parametrize("width", [1000, 390])
def test_first_frames_are_the_hydrated_views(browser, page, cell_site, width):
    """LSTM (second layer), GRU (backward) and RNN: the page's figure is the live view, element for element,
    and hydrating does not move the text below it."""
    before, after = static_and_hydrated(browser, page, cell_site[0], {"width": width, "height": 900})
    assert list(before) == ["w1-cell", "w2-cell", "w3-cell"]
    assert_same_first_frames(before, after)


def test_live_view_shows_the_same_numbers(page, cell_site):
    url, docs = cell_site
    ready(page, url)
    assert_shows(page, LSTM, docs, epoch=0, layer=1, step=2, phase="forward")
    assert_shows(page, GRU, docs, epoch=2, layer=0, step=2, phase="backward")
    assert_shows(page, RNN, docs, epoch=2, layer=0, step=0, phase="forward")
    legend = page.locator(f"{GRU} .cell-legend-ticks span").all_text_contents()
    peak = max(float(np.max(np.abs(np.float32(docs["c-gru"]["snapshots"][-1]["sequences"][0]["layers"][0][k]))))
               for k in ("dh", "d_pre_z", "d_pre_r", "d_gh_n", "d_pre_n"))
    assert legend == [f"−{short(peak)}", "0", f"+{short(peak)}"]
    assert page.locator(f"{GRU} .cell-legend-mark").count() == 4
    assert page.locator(f"{LSTM} .cell-plot").get_attribute("data-step") == "2"


def test_stepping_with_buttons_and_keyboard(page, cell_site):
    url, docs = cell_site
    ready(page, url)
    fig = page.locator(LSTM)
    nxt = fig.get_by_role("button", name="Next compute step")
    nxt.click()
    assert position(page, LSTM)["stage"] == 1
    assert fig.locator('.cell-stages [aria-current="step"]').text_content().strip().endswith("Gate activations")
    nxt.focus()
    for _ in range(3):
        page.keyboard.press("Enter")
    assert position(page, LSTM) | {"epoch": 0} == {"phase": "forward", "stage": 0, "step": 3, "layer": 1, "epoch": 0}
    assert_shows(page, LSTM, docs, epoch=0, layer=1, step=3, phase="forward")
    fig.get_by_role("button", name="Previous compute step").focus()
    page.keyboard.press("Space")
    assert position(page, LSTM)["step"] == 2 and position(page, LSTM)["stage"] == 3
    assert "Forward pass, time step 2 of 5, compute step 4 of 4: Output." in fig.locator(".cell-status").text_content()
    # the time-step slider by keyboard keeps the compute step
    slider = fig.get_by_role("slider", name="Time step t")
    slider.focus()
    page.keyboard.press("End")
    assert position(page, LSTM)["step"] == 5 and position(page, LSTM)["stage"] == 3
    assert_shows(page, LSTM, docs, epoch=0, layer=1, step=5, phase="forward")
    # the end of the forward pass leads into the backward pass at the last step
    nxt.click()
    assert position(page, LSTM)["phase"] == "backward" and position(page, LSTM)["step"] == 5
    assert_shows(page, LSTM, docs, epoch=0, layer=1, step=5, phase="backward")
    for _ in range(3):
        nxt.click()
    assert position(page, LSTM) | {"epoch": 0} == {"phase": "backward", "stage": 0, "step": 4, "layer": 1, "epoch": 0}
    assert_shows(page, LSTM, docs, epoch=0, layer=1, step=4, phase="backward")
    # jump to a pass; jump to a compute step
    fig.get_by_role("button", name="Forward pass").click()
    assert position(page, LSTM)["phase"] == "forward" and position(page, LSTM)["step"] == 4
    assert fig.get_by_role("button", name="Forward pass").get_attribute("aria-pressed") == "true"
    fig.locator(".cell-stage", has_text="Cell update").click()
    assert position(page, LSTM)["stage"] == 2
    assert fig.locator(".node-c").get_attribute("class").split()[-1] == "is-active"
    assert fig.locator(".cell-equations li.is-active").count() == 1


def test_first_and_last_positions_disable_the_step_buttons(page, cell_site):
    url, _ = cell_site
    ready(page, url)
    fig = page.locator(RNN)
    assert fig.get_by_role("button", name="Previous compute step").is_disabled()
    fig.get_by_role("button", name="Backward pass").click()
    fig.get_by_role("slider", name="Time step t").fill("0")
    fig.get_by_role("button", name="Next compute step").click()
    assert position(page, RNN) | {"epoch": 0} == {"phase": "backward", "stage": 1, "step": 0, "layer": 0, "epoch": 0}
    assert fig.get_by_role("button", name="Next compute step").is_disabled()


def test_play_pause_and_speed(page, cell_site):
    url, docs = cell_site
    ready(page, url)
    fig = page.locator(RNN)
    view = fig.locator(".cell-view")
    fig.get_by_role("combobox", name="Speed").select_option("4")
    assert view.get_attribute("data-interval") == "250"
    play = fig.get_by_role("button", name="Play")
    play.click()
    assert view.get_attribute("data-playing") == "true"
    page.wait_for_function("() => document.querySelector('#w3-cell .cell-view').dataset.step >= '2'", timeout=20000)
    fig.get_by_role("button", name="Pause").click()
    assert view.get_attribute("data-playing") == "false"
    before = position(page, RNN)
    page.wait_for_timeout(700)
    assert position(page, RNN) == before
    assert_shows(page, RNN, docs, epoch=2, layer=0, step=before["step"], phase=before["phase"])
    fig.get_by_role("combobox", name="Speed").select_option("0.5")
    assert view.get_attribute("data-interval") == "2000"


def test_expanded_view_closes_on_escape_and_outside_click(page, cell_site):
    url, _ = cell_site
    ready(page, url)
    fig = page.locator(LSTM)
    expand = fig.get_by_role("button", name="Expand the cell view")
    expand.click()
    dialog = page.locator("dialog.cell-dialog[open]")
    assert dialog.is_visible() and dialog.locator(".cell-diagram").is_visible()
    assert page.evaluate("document.activeElement.className") == "cell-expand"
    assert fig.get_attribute("data-expanded") == "true"
    page.keyboard.press("Escape")
    assert dialog.count() == 0
    assert page.evaluate("document.activeElement === document.querySelector('#w1-cell .cell-expand')")
    page.wait_for_selector("#w1-cell .widget-frame .cell-view")  # back in the page
    assert fig.locator(".cell-placeholder").count() == 0
    # a click outside the dialog box closes it too
    expand.click()
    page.mouse.click(3, 3)
    assert dialog.count() == 0
    assert page.evaluate("document.activeElement === document.querySelector('#w1-cell .cell-expand')")
    # clicks inside keep it open
    expand.click()
    page.locator("dialog.cell-dialog").get_by_role("button", name="Next compute step").click()
    assert dialog.count() == 1
    page.locator("dialog.cell-dialog").get_by_role("button", name="Close the expanded cell view").click()
    assert dialog.count() == 0


def test_other_widgets_open_the_cell_view_at_a_layer_and_step(page, cell_site):
    url, docs = cell_site
    ready(page, url)
    page.evaluate("""() => { const b = document.createElement('button'); b.id = 'layer-button';
        b.textContent = 'Layer 1'; document.querySelector('main').prepend(b); b.focus(); }""")
    page.evaluate("""() => { const fig = document.querySelector('[data-widget="cell"][data-run="c-lstm"]');
        fig.dispatchEvent(new CustomEvent('cell-open', {detail: {layer: 0, step: 4, phase: 'backward',
                                                             source: document.getElementById('layer-button')}})); }""")
    assert page.locator("dialog.cell-dialog[open]").count() == 1
    assert position(page, LSTM) | {"epoch": 0} == {"phase": "backward", "stage": 0, "step": 4, "layer": 0, "epoch": 0}
    assert_shows(page, LSTM, docs, epoch=0, layer=0, step=4, phase="backward")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "layer-button"
    # the exported open() does the same
    page.evaluate("""async () => { const { open } = await import('unrolled/widgets/cell.js');
        open(document.querySelector('#w1-cell .cell-where'), {layer: 1, step: 1,
                                                             source: document.getElementById('layer-button')}); }""")
    assert page.locator("dialog.cell-dialog[open]").count() == 1
    assert position(page, LSTM)["layer"] == 1 and position(page, LSTM)["step"] == 1
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "layer-button"


def test_open_hydrates_a_figure_that_has_not_started_yet(page, cell_site):
    url, docs = cell_site
    page.set_viewport_size({"width": 1000, "height": 300})
    page.goto(url)
    page.wait_for_selector(f'{LSTM}[data-state="ready"]')
    assert page.locator(RNN).get_attribute("data-state") is None  # far below: not hydrated yet
    page.evaluate("""async () => { const { open } = await import('unrolled/widgets/cell.js');
        open(document.querySelector('#w3-cell'), {step: 3, phase: 'backward'}); }""")
    page.wait_for_selector('#w3-cell dialog.cell-dialog[open]')
    assert position(page, RNN)["step"] == 3 and position(page, RNN)["phase"] == "backward"
    assert_shows(page, RNN, docs, epoch=2, layer=0, step=3, phase="backward")
    page.keyboard.press("Escape")
    assert page.locator("dialog.cell-dialog").count() == 0


def test_zoom_respects_reduced_motion(page, cell_site):
    url, _ = cell_site
    ready(page, url)
    page.locator(LSTM).get_by_role("button", name="Expand the cell view").click()
    assert page.evaluate("document.querySelector('dialog.cell-dialog').getAnimations().length") >= 1
    page.keyboard.press("Escape")
    page.emulate_media(reduced_motion="reduce")
    page.locator(LSTM).get_by_role("button", name="Expand the cell view").click()
    assert page.evaluate("document.querySelector('dialog.cell-dialog').getAnimations().length") == 0
    page.keyboard.press("Escape")


def test_url_state_round_trips_and_links_the_views(page, cell_site):
    url, docs = cell_site
    ready(page, url + "?epoch=3&step=3&layer=0")
    assert_shows(page, LSTM, docs, epoch=3, layer=0, step=3, phase="forward")
    assert position(page, GRU)["step"] == 3 and position(page, RNN)["step"] == 3
    slider = page.locator(GRU).get_by_role("slider", name="Time step t")
    slider.focus()
    page.keyboard.press("ArrowLeft")
    assert "step=2" in page.evaluate("location.search")
    assert position(page, LSTM)["step"] == 2  # linked view
    assert_shows(page, LSTM, docs, epoch=3, layer=0, step=2, phase="forward")
    page.locator(LSTM).get_by_role("combobox", name="Layer").select_option("1")
    page.locator(LSTM).get_by_role("combobox", name="Epoch").select_option("0")
    search = page.evaluate("location.search")
    assert "layer=1" in search and "epoch=0" in search
    assert_shows(page, LSTM, docs, epoch=0, layer=1, step=2, phase="forward")
    page.reload()
    ready(page)
    assert_shows(page, LSTM, docs, epoch=0, layer=1, step=2, phase="forward")


def test_units_read_out_on_focus_and_arrow_keys(page, cell_site):
    url, docs = cell_site
    ready(page, url)
    fig = page.locator(LSTM)
    first = fig.locator('.cell-diagram rect.unit[tabindex="0"]')
    assert first.count() == 1
    first.focus()
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert fig.locator(".cell-readout").text_content().startswith(label + "; as stored (float32): ")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.unit") == "1"
    page.keyboard.press("ArrowDown")
    node = page.evaluate("document.activeElement.closest('.node').dataset.key")
    value = float(page.evaluate("document.activeElement.dataset.value"))
    expected = docs["c-lstm"]["snapshots"][0]["sequences"][0]["layers"][1][node][2][1]
    assert np.float32(value) == np.float32(expected)
    assert short(float(np.float32(expected))) in fig.locator(".cell-readout").text_content()


def test_explanations_open_from_heading_and_equations(page, cell_site):
    url, _ = cell_site
    ready(page, url)
    fig = page.locator(LSTM)
    fig.get_by_role("button", name="Explain: LSTM cell").click()
    assert page.get_by_role("dialog", name="The cell").is_visible()
    page.keyboard.press("Escape")
    fig.get_by_role("button", name="Next compute step").click()  # gate activations: the gates' equations
    fig.get_by_role("button", name="Explain: the forget gate").click()
    assert page.get_by_role("dialog", name="Forget gate").is_visible()
    page.keyboard.press("Escape")
    # inside the expanded (modal) view the explanations stay usable
    fig.get_by_role("button", name="Expand the cell view").click()
    expanded = page.locator("dialog.cell-dialog")
    expanded.get_by_role("button", name="Explain: LSTM cell").click()
    popover = page.get_by_role("dialog", name="The cell")
    assert popover.is_visible()
    popover.get_by_role("button", name="Close").click()
    assert not popover.is_visible() and expanded.count() == 1
    expanded.get_by_role("button", name="Close the expanded cell view").click()
    assert expanded.count() == 0 and fig.get_by_role("button", name="Explain: LSTM cell").count() == 1


def test_phone_viewport_has_no_horizontal_overflow(page, cell_site):
    url, _ = cell_site
    page.set_viewport_size({"width": 390, "height": 844})
    ready(page, url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for figure in (LSTM, GRU, RNN):  # a diagram wider than its box scrolls sideways inside it
        box = page.locator(f"{figure} .cell-diagram-wrap").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.locator(LSTM).get_by_role("button", name="Expand the cell view").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("dialog.cell-dialog").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390


def test_a_narrow_diagram_keeps_its_width_and_scrolls_to_every_node(page, cell_site):
    """On a phone the LSTM diagram keeps its own width (its labels stay at 11 px) and its box scrolls
    sideways; the keyboard reaches the output h_t, which scrolls into view."""
    url, _ = cell_site
    page.set_viewport_size({"width": 390, "height": 844})
    ready(page, url)
    wrap = page.locator(f"{LSTM} .cell-diagram-wrap")
    assert wrap.evaluate("(w) => w.scrollWidth > w.clientWidth && getComputedStyle(w).overflowX === 'auto'")
    assert page.locator(f"{LSTM} .cell-scroll-hint").is_visible()
    assert not page.locator(f"{RNN} .cell-scroll-hint").count()  # the RNN's diagram fits
    page.locator(f'{LSTM} .cell-diagram rect.unit[tabindex="0"]').focus()
    page.keyboard.press("ArrowDown")  # c_{t-1} -> c_t -> h_t, to the right
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('.node').dataset.node") == "h"
    inside = """(w) => { const a = w.getBoundingClientRect(); const r = w.querySelector('.node-h').getBoundingClientRect();
        return r.left >= a.left - 1 && r.right <= a.right + 1; }"""
    assert wrap.evaluate(inside)


def test_unit_buttons_step_through_every_unit(page, cell_site):
    """The Previous / Next unit buttons (24 px targets, the small squares' equivalent) reach every unit that
    carries a value, in reading order, and read it out like focus does."""
    url, _ = cell_site
    page.set_viewport_size({"width": 390, "height": 844})
    ready(page, url)
    fig = page.locator(LSTM)
    nxt, prev = fig.get_by_role("button", name="Next unit"), fig.get_by_role("button", name="Previous unit")
    for button in (nxt, prev):
        box = button.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24
    svg = fig.locator("svg.cell-diagram")
    assert svg.get_attribute("data-target-alternative") == fig.locator(".cell-unit-nav").get_attribute("id")
    units = fig.locator(".cell-diagram .node[data-key] rect.unit").count()
    where = "() => [document.activeElement.closest('.node').dataset.node, document.activeElement.dataset.unit]"
    seen = []
    for _ in range(units):
        nxt.click()
        seen.append(tuple(page.evaluate(where)))
        label = page.evaluate("document.activeElement.getAttribute('aria-label')")
        assert fig.locator(".cell-readout").text_content().startswith(label + "; as stored (float32): ")
    assert len(set(seen)) == units and seen[0][1] == "0"
    nxt.click()  # round to the first unit again
    assert tuple(page.evaluate(where)) == seen[0]
    prev.click()
    assert tuple(page.evaluate(where)) == seen[-1]


@pytest.mark.parametrize("size", [(390, 844), (1280, 900)])
def test_the_expanded_view_fits_and_next_keeps_the_diagram_in_view(page, cell_site, size):
    url, _ = cell_site
    page.set_viewport_size({"width": size[0], "height": size[1]})
    ready(page, url)
    page.locator(LSTM).get_by_role("button", name="Expand the cell view").click()
    dialog = page.locator("dialog.cell-dialog[open]")
    page.wait_for_timeout(400)  # the zoom ends
    for _ in range(4):
        dialog.get_by_role("button", name="Next compute step").click()
        for part in (".cell-diagram-wrap", ".cell-next", ".cell-unit-nav"):
            box = dialog.locator(part).bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= size[1], (part, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= size[0], (part, box)
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= size[0] and box["y"] + box["height"] <= size[1]
    if size[0] > 1000:  # a desktop's dialog shows everything without scrolling
        assert dialog.evaluate("(d) => d.scrollHeight <= d.clientHeight")


def test_a_trace_computed_in_python_replaces_the_precomputed_one(page, cell_site):
    """What a Python cell publishes (unrolled_lite.live.cell_panel, nested lists in JSON) is drawn unit for
    unit; a trace of a network of another shape is refused with a message that says why."""
    import json

    from unrolled_lite import init_model
    from unrolled_lite.live import cell_panel

    url, _ = cell_site
    ready(page, url)
    x = np.sin(0.4 * np.arange(6))
    to_json = lambda p: json.loads(json.dumps(p, default=lambda a: a.tolist()))  # noqa: E731
    model = init_model("gru", 1, 3, 1, 1, np.random.default_rng(3))
    panel = to_json(cell_panel("in your browser", model, x[:5, None], x[1:], "mse", epoch=7))
    update = """async ([sel, data]) => {
        const mod = await import(document.querySelector('script[type=module]').src);
        try { mod.controllers.get(sel.slice(1)).update({data}); return null; } catch (e) { return e.message; }
    }"""
    assert page.evaluate(update, [GRU, panel]) is None
    where = position(page, GRU)
    assert where["epoch"] == 7
    values = panel["snapshots"][0]["layers"][0]
    for strip in strips(page, GRU):
        expected = np.asarray(values[strip["key"]])[where["step"]]
        np.testing.assert_allclose([float(v) for v in strip["values"]], expected, rtol=1e-6, atol=1e-9,
                                   err_msg=strip["key"])
    lstm = init_model("lstm", 1, 3, 1, 1, np.random.default_rng(3))
    message = page.evaluate(update, [GRU, to_json(cell_panel("x", lstm, x[:5, None], x[1:], "mse", epoch=1))])
    assert "this figure draws a 1-layer GRU with 1→3 units" in message and "LSTM" in message
    assert position(page, GRU)["epoch"] == 7  # the figure keeps what it showed
