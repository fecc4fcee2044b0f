"""The {network} widget in real Chromium over a small grid of really trained runs: every control picks the
matching run and shows exactly its precomputed numbers; phases play in order; URL and linked views work."""
import numpy as np
import pytest

from tests.conftest import add_axe, polyline_values

pytestmark = pytest.mark.browser

BASE = {"dataset": '"sine"', "cell": '"lstm"', "layers": 1, "hidden": 4, "window": 6, "sequences": 25, "batch": 25,
        "epochs": 4, "snapshots": "[0, 2, 4]", "lr": 0.01}
GRID = {"lr-good": {}, "lr-low": {"lr": 0.001}, "lr-high": {"lr": 0.1}, "layers-2": {"layers": 2},
        "batch-5": {"batch": 5}, "noisy": {"noise": 0.2}, "saw": {"dataset": '"sawtooth"'}, "gru": {"cell": '"gru"'}}
RUNS_TOML = "\n".join(f"[run.{name}]\n" + "".join(f"{k} = {v}\n" for k, v in {**BASE, **extra}.items())
                      for name, extra in GRID.items())
NETWORK_PAGE = """---
title: Network
runs: runs.toml
---

A grid of runs.

```{network}
runs: lr-good, lr-low, lr-high, layers-2, batch-5, noisy, saw, gru
caption: Eight precomputed runs.
```

```{loss}
runs: lr-low, lr-good, lr-high
```

```{explain}
for: network.lr
title: Learning rate

How far each update moves the weights.
```
"""
FIG = "#w1-network"
READY = f'{FIG}[data-state="ready"]'


CELL_PAGE = """---
title: Network and cell
runs: runs.toml
---

```{network}
runs: lr-good, layers-2
```

```{cell}
run: layers-2
```
"""


@pytest.fixture(scope="module")
def grid_site(make_site):
    return make_site("network", {"net/runs.toml": RUNS_TOML, "net/index.md": NETWORK_PAGE,
                                 "cellnet/runs.toml": RUNS_TOML, "cellnet/index.md": CELL_PAGE})


def document(project, run: str, kind: str = "predictions") -> dict:
    from unrolled.generator.build import discover
    from unrolled.precompute.cache import entry_dir
    from unrolled.precompute.documents import load

    (page,) = [p for p in discover(project) if p.slug == "net"]
    return load(entry_dir(project.cache_dir, page.specs[run]) / f"{kind}.json")


def plotted(page, scope: str) -> dict:
    svg = page.locator(f"{scope} svg.plot").first
    attrs = {k: svg.get_attribute(k) for k in ("data-y0", "data-y1", "data-py0", "data-py1")}
    return {line.get_attribute("data-series"): polyline_values(line.get_attribute("points"), attrs)
            for line in svg.locator("polyline").all()}


def assert_shows(series, snap):
    tol = 3e-3
    for name, values in [("input", snap["input"]), ("target", snap["target"]), ("prediction", snap["prediction"]),
                         ("rollout", snap["rollout"]["prediction"]), ("rollout-target", snap["rollout"]["target"])]:
        np.testing.assert_allclose(series[name], values, atol=tol, err_msg=name)


def assert_run(page, project, run: str, epoch: int):
    figure = page.locator(FIG)
    assert figure.get_attribute("data-run") == run
    assert figure.get_attribute("data-epoch") == str(epoch)
    assert page.locator(f"{FIG} .net-epoch-value").text_content() == str(epoch)
    doc = document(project, run)
    (snap,) = [s for s in doc["snapshots"] if s["epoch"] == epoch]
    assert_shows(plotted(page, f"{FIG} .net-plot-box"), snap)


def open_page(page, base, query=""):
    page.goto(base + "net/" + query)
    page.wait_for_selector(READY)


def test_static_first_frame_shows_the_initial_run(page_without_js, grid_site):
    project, base = grid_site
    page_without_js.goto(base + "net/")
    snap = document(project, "lr-good")["snapshots"][0]
    assert_shows(plotted(page_without_js, FIG), snap)
    text = page_without_js.locator(f"{FIG} .net-summary").text_content()
    assert text == "Run lr-good: sine, LSTM, 1 layer of 4 units, learning rate 0.01, batch size 25, noise 0."
    assert page_without_js.locator(f"{FIG} .net-epoch").text_content() == "Epoch0of 4"
    assert page_without_js.locator(f"{FIG} .net-layer").count() == 1
    assert page_without_js.locator(f"{FIG} .net-dataset").count() == 6
    table = page_without_js.locator(f"{FIG} .net-grid-table tbody tr")
    assert table.count() == 8


def test_live_view_plots_the_documents_numbers(page, grid_site):
    project, base = grid_site
    open_page(page, base)
    assert_run(page, project, "lr-good", 0)
    svg = page.locator(f"{FIG} .net-plot-box svg.plot")
    assert svg.get_attribute("role") == "img"
    assert page.locator(f"#{svg.get_attribute('aria-labelledby').split()[0]}").text_content() == \
        "Predictions of run lr-good after epoch 0"
    run, first = document(project, "lr-good", "run"), document(project, "lr-good")["snapshots"][0]
    window = float(np.mean((np.asarray(first["prediction"], np.float64) - np.asarray(first["target"], np.float64)) ** 2))
    lines = page.locator(f"{FIG} .net-loss-text > span").all_text_contents()  # two numbers, each named
    assert lines == [f"Validation loss (all 25 sequences): {run['loss']['validation'][0]:.4g}",
                     f"Error on the plotted window: {window:.4g}"]
    summary = page.locator(f"{FIG} .net-summary").text_content()
    assert "Run lr-good: sine, LSTM, 1 layer of 4 units, learning rate 0.01, batch size 25, noise 0." == summary
    cells = page.locator(f"{FIG} .widget-data .data-table tbody tr").first.locator("td").all_text_contents()
    snap = document(project, "lr-good")["snapshots"][0]
    assert cells == [f"{v:.4f}".replace("-", "\u2212") for v in (snap["input"][0], snap["target"][0], snap["prediction"][0])]


def test_input_selector_picks_the_run_and_disables_inputs_without_one(page, grid_site):
    project, base = grid_site
    open_page(page, base)
    page.get_by_role("radio", name="sawtooth").check()
    assert_run(page, project, "saw", 0)
    thumb = page.locator(f'{FIG} .thumb-line[data-dataset="sawtooth"]')
    assert thumb.count() == 1
    square = page.get_by_role("radio", name="square")
    assert square.is_disabled() and "no precomputed run" in page.locator(f"{FIG} label.is-missing").first.text_content()
    page.get_by_role("radio", name="sine").check()
    assert_run(page, project, "lr-good", 0)
    # an input whose run has other settings too moves them to that run's, and says so
    page.get_by_role("slider", name="Learning rate").focus()
    page.keyboard.press("End")
    assert_run(page, project, "lr-high", 0)
    page.get_by_role("radio", name="sawtooth").check()
    assert_run(page, project, "saw", 0)
    assert page.locator(FIG).get_attribute("data-missing") is None
    assert "sawtooth was precomputed only with learning rate 0.01" in \
        page.locator(f"{FIG} [aria-live=polite]").text_content()


def test_layers_add_and_remove(page, grid_site):
    project, base = grid_site
    open_page(page, base)
    stack = page.locator(f"{FIG} .net-layer")
    assert stack.count() == 1
    assert page.get_by_role("button", name="Remove layer 1").count() == 0  # at least one layer
    page.get_by_role("button", name="Add a layer after layer 1").click()
    assert stack.count() == 2
    assert_run(page, project, "layers-2", 0)
    # focus stays on the "+" that was pressed, so the keyboard can keep going
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == \
        "Add a layer after layer 2 (3 layers: not precomputed)"
    # three layers were not precomputed: the "+" buttons say so and do nothing
    add = page.get_by_role("button", name="Add a layer between layers 1 and 2 (3 layers: not precomputed)")
    assert add.get_attribute("aria-disabled") == "true"
    add.focus()
    page.keyboard.press("Enter")
    assert stack.count() == 2 and page.locator(FIG).get_attribute("data-missing") is None
    page.get_by_role("button", name="Remove layer 1").click()
    assert stack.count() == 1
    assert_run(page, project, "lr-good", 0)
    page.evaluate("document.querySelector('#w1-network').dataset.live = 'python'")  # a live trainer: 1 to 7
    page.wait_for_function("() => document.querySelector('#w1-network .net-add').getAttribute('aria-disabled') === null")
    for _ in range(6):
        page.locator(f"{FIG} .net-add").first.click()
    assert stack.count() == 7 and page.locator(f"{FIG} .net-add").count() == 0  # 7 is the most


def test_cell_type_select_appears_when_the_grid_has_several(page, grid_site):
    project, base = grid_site
    open_page(page, base)
    cell = page.get_by_label("Cell", exact=True)
    assert cell.evaluate("(s) => [...s.options].map((o) => o.textContent)") == ["GRU", "LSTM"]
    cell.select_option("gru")
    assert_run(page, project, "gru", 0)
    assert page.locator(f"{FIG} .net-layer-kind").text_content() == "GRU · 4 units"
    assert page.get_by_label("Units per layer").is_hidden()  # one value only: no control


def test_sliders_snap_to_the_grid_by_keyboard_and_pointer(page, grid_site):
    project, base = grid_site
    open_page(page, base)
    lr = page.get_by_role("slider", name="Learning rate")
    assert lr.get_attribute("aria-valuetext") == "learning rate 0.01"
    lr.focus()
    page.keyboard.press("ArrowLeft")
    assert lr.get_attribute("aria-valuetext") == "learning rate 0.001"
    assert_run(page, project, "lr-low", 0)
    page.keyboard.press("End")
    assert_run(page, project, "lr-high", 0)
    lr.fill("-1.8")  # a pointer drop between ticks snaps to the closest precomputed value (log scale)
    assert lr.get_attribute("aria-valuetext") == "learning rate 0.01"
    assert_run(page, project, "lr-good", 0)
    batch = page.get_by_role("slider", name="Batch size")
    batch.focus()
    page.keyboard.press("Home")
    assert batch.get_attribute("aria-valuetext") == "batch size 5"
    assert_run(page, project, "batch-5", 0)
    page.keyboard.press("ArrowRight")
    assert_run(page, project, "lr-good", 0)
    noise = page.get_by_role("slider", name="Noise")
    noise.focus()
    page.keyboard.press("ArrowRight")
    assert noise.get_attribute("aria-valuetext") == "noise 0.2"
    assert_run(page, project, "noisy", 0)
    # the noisy input is visible in the thumbnail of the selected function
    assert page.locator(f'{FIG} .thumb-line[data-dataset="sine"]').get_attribute("points") != \
        page.locator(f'{FIG} .thumb-line[data-dataset="square"]').get_attribute("points")
    page.evaluate("document.querySelector('#w1-network').dataset.live = 'python'")  # abab has no run here
    page.get_by_role("radio", name="abab").check()
    assert noise.is_disabled()
    assert "text data has no input noise" in page.locator(f"{FIG} .net-slider-note").all_text_contents()


def grid_settings() -> set[tuple]:
    """Every precomputed combination of the fixture grid, as (dataset, cell, layers, hidden, lr, batch, noise)."""
    def value(v):
        return v.strip('"') if isinstance(v, str) else float(v)
    combos = set()
    for extra in GRID.values():
        spec = {"noise": 0, **BASE, **extra}
        combos.add(tuple(value(spec[k]) for k in ("dataset", "cell", "layers", "hidden", "lr", "batch", "noise")))
    return combos


OFFERED = """(fig) => {
  const ticks = (dim, f) => { const s = fig.querySelector(`#${fig.id}-${dim}`);
    return s.disabled ? [] : Array.from(s.list.options, (o) => f(Number(o.value))); };
  const options = (dim) => { const s = fig.querySelector(`#${fig.id}-${dim}`);
    return s.closest('.net-select').hidden ? [] : Array.from(s.options).filter((o) => !o.disabled).map((o) => o.value); };
  const enabled = (sel) => Array.from(fig.querySelectorAll(sel)).some((b) => b.getAttribute('aria-disabled') !== 'true');
  const layers = fig.querySelectorAll('.net-layer').length;
  return {
    lr: ticks('lr', (x) => Number((10 ** x).toPrecision(6))), batch: ticks('batch', (x) => x), noise: ticks('noise', (x) => x),
    cell: options('cell'), hidden: options('hidden').map(Number),
    layers: [...(enabled('.net-add') ? [layers + 1] : []), ...(enabled('.net-remove') ? [layers - 1] : [])],
  };
}"""


def assert_no_dead_combination(page, fig: str, combos: set[tuple], names: list[str], url: str):
    """From every run of the grid, every value a control offers (slider ticks, enabled options and layer
    buttons) together with the other settings as they are is a precomputed combination."""
    dims = ("dataset", "cell", "layers", "hidden", "lr", "batch", "noise")
    for name in names:
        page.goto(url + f"?run={name}")
        page.locator(fig).scroll_into_view_if_needed()  # widgets hydrate as they come near the viewport
        page.wait_for_selector(f'{fig}[data-state="ready"][data-run="{name}"]')
        state = page.evaluate("""async (id) => {
            const mod = await import(document.querySelector('script[type=module]').src);
            return mod.controllers.get(id).settings();
        }""", fig.lstrip("#"))
        now = tuple(state[k] if k in ("dataset", "cell") else float(state[k]) for k in dims)
        assert now in combos, (name, now)
        for dim, values in page.locator(fig).evaluate(OFFERED).items():
            for v in values:
                combo = tuple((v if k == "cell" else float(v)) if k == dim else now[i] for i, k in enumerate(dims))
                assert combo in combos, f"run {name} offers {dim} = {v}, but no run has {combo}"


def test_controls_offer_only_precomputed_combinations(page, grid_site):
    project, base = grid_site
    open_page(page, base)
    lr = page.get_by_role("slider", name="Learning rate")
    lr.focus()
    page.keyboard.press("End")
    assert_run(page, project, "lr-high", 0)
    add = page.locator(f"{FIG} .net-add").first
    assert add.get_attribute("aria-disabled") == "true"
    assert "2 layers: precomputed only with learning rate 0.01" in add.get_attribute("aria-label")
    batch = page.get_by_role("slider", name="Batch size")
    assert batch.is_disabled()
    assert page.locator(f"#{batch.get_attribute('aria-describedby')}").text_content() == \
        "only 25 was precomputed; 5: precomputed only with learning rate 0.01"
    gru = page.locator(f"{FIG} #w1-network-cell option[value=gru]")
    assert gru.is_disabled() and gru.get_attribute("title") == "precomputed only with learning rate 0.01"
    assert lr.get_attribute("aria-describedby") is None  # every learning rate was precomputed with the rest
    assert_no_dead_combination(page, FIG, grid_settings(), list(GRID), base + "net/")


def test_play_shows_the_phases_in_order_through_every_snapshot(page, grid_site):
    project, base = grid_site
    open_page(page, base)
    page.evaluate("""() => {
        window.phases = [];
        const fig = document.querySelector('#w1-network');
        new MutationObserver(() => window.phases.push(fig.dataset.phase))
            .observe(fig, {attributes: true, attributeFilter: ['data-phase']});
    }""")
    play = page.get_by_role("button", name="Play")
    play.click()
    assert page.locator(FIG).get_attribute("data-playing") == "true"
    assert page.get_by_role("button", name="Pause").is_visible()
    page.wait_for_selector(f'{FIG}[data-epoch="4"][data-playing="false"]', timeout=15000)
    phases = [p for p in page.evaluate("window.phases") if p]
    assert phases == ["forward", "validation", "backward"] * 2
    assert_run(page, project, "lr-good", 4)
    assert "epoch=4" in page.evaluate("location.search")
    # the active phase is marked for assistive technology too
    page.get_by_role("button", name="Reset").click()
    page.get_by_role("button", name="Step").click()
    page.wait_for_selector(f'{FIG} .net-phase-validation[aria-current="step"]')
    page.wait_for_selector(f'{FIG}[data-epoch="2"]')
    assert page.locator(f"{FIG} [aria-current]").count() == 0


def test_keyboard_only_step_pause_and_reset(page, grid_site):
    project, base = grid_site
    open_page(page, base)
    page.get_by_role("button", name="Play").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Step"
    page.keyboard.press("Enter")
    page.wait_for_selector(f'{FIG}[data-epoch="2"]')
    page.wait_for_function("() => document.querySelector('#w1-network .net-step')"
                           ".getAttribute('aria-disabled') === 'false'")
    assert_run(page, project, "lr-good", 2)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")  # play
    assert page.locator(FIG).get_attribute("data-playing") == "true"
    page.keyboard.press("Space")  # pause
    assert page.locator(FIG).get_attribute("data-playing") == "false"
    assert page.locator(FIG).get_attribute("data-phase") == ""
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # reset
    assert_run(page, project, "lr-good", 0)


def test_url_state_round_trips(page, grid_site):
    project, base = grid_site
    open_page(page, base, "?run=layers-2&epoch=2")
    assert_run(page, project, "layers-2", 2)
    assert page.locator(f"{FIG} .net-layer").count() == 2
    page.get_by_role("button", name="Remove layer 2").click()
    assert page.evaluate("location.search") == "?run=lr-good&epoch=2"
    page.reload()
    page.wait_for_selector(READY)
    assert_run(page, project, "lr-good", 2)


def test_events_for_live_training_and_the_cell_view(page, grid_site):
    project, base = grid_site
    # a stand-in {cell} figure for run lr-good (the real widget listens for cell-open)
    page.add_init_script("""document.addEventListener('DOMContentLoaded', () => {
        const fig = document.createElement('figure');
        fig.dataset.widget = 'cell';
        fig.dataset.options = JSON.stringify({run: 'lr-good'});
        fig.dataset.state = 'ready';
        fig.id = 'fake-cell';
        document.querySelector('main').append(fig);
        window.events = [];
        fig.addEventListener('cell-open', (e) => window.events.push(
            {type: 'cell-open', ...e.detail, source: e.detail.source.dataset.focus}));
        document.addEventListener('network-control', (e) => window.events.push({type: e.type, ...e.detail}));
    });""")
    open_page(page, base)
    page.get_by_role("button", name="Layer 1 LSTM · 4 units, open the cell view").click()
    page.get_by_role("slider", name="Learning rate").focus()
    page.keyboard.press("ArrowRight")
    page.get_by_role("button", name="Step").click()
    page.get_by_role("button", name="Reset").click()
    events = page.evaluate("window.events")
    assert events[0] == {"type": "cell-open", "layer": 0, "step": 0, "run": "lr-good", "epoch": 0,
                         "source": "layer-0"}
    assert [e["action"] for e in events[1:]] == ["settings", "step", "reset"]
    assert events[1]["settings"] == {"dataset": "sine", "cell": "lstm", "layers": 1, "hidden": 4, "lr": 0.1,
                                     "batch": 25, "noise": 0} and events[1]["run"] == "lr-high"
    # lr-high has no {cell} figure: its layers are not buttons
    assert page.locator(f"{FIG} button.net-layer-body").count() == 0


def test_layer_opens_the_real_cell_view_of_the_same_run(page, grid_site):
    project, base = grid_site
    page.goto(base + "cellnet/")
    page.wait_for_selector(READY)
    page.wait_for_selector('[data-widget="cell"][data-state="ready"]')
    assert page.locator(f"{FIG} button.net-layer-body").count() == 0  # lr-good has no {cell} on this page
    page.get_by_role("button", name="Add a layer after layer 1").click()
    assert page.locator(FIG).get_attribute("data-run") == "layers-2"
    layer = page.get_by_role("button", name="Layer 2 LSTM · 4 units, open the cell view")
    layer.click()
    dialog = page.locator('[data-widget="cell"] dialog[open], [data-widget="cell"] [role=dialog]:visible').first
    dialog.wait_for(state="visible")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == \
        "Layer 2 LSTM · 4 units, open the cell view"


def test_controller_update_accepts_streamed_runs(page, grid_site):
    project, base = grid_site
    open_page(page, base)
    entry = page.evaluate("""async () => {
        const src = document.querySelector('#w1-network').dataset.src;
        const data = await (await fetch(src)).json();
        return data.runs[0];
    }""")
    entry["run"] = "live"
    entry["settings"]["layers"] = 3
    page.evaluate("""async (entry) => {
        const mod = await import(document.querySelector('script[type=module]').src);
        mod.controllers.get('w1-network').update({data: {runs: [entry]}});
    }""", entry)
    assert page.locator(FIG).get_attribute("data-run") == "live"
    assert page.locator(f"{FIG} .net-layer").count() == 3
    assert page.locator(FIG).get_attribute("data-epoch") == "4"


def test_linked_with_the_loss_chart(page, grid_site):
    project, base = grid_site
    open_page(page, base)
    page.wait_for_selector('#w2-loss[data-state="ready"]')
    page.get_by_role("button", name="Step").click()
    page.wait_for_selector('#w2-loss[data-epoch="2"]')
    assert page.locator("#w2-loss .marker").get_attribute("data-epoch") == "2"
    loss = page.get_by_role("slider", name="Epoch")
    loss.focus()
    page.keyboard.press("End")
    assert page.locator(FIG).get_attribute("data-epoch") == "4"
    page.keyboard.press("ArrowLeft")  # epoch 3 was not exported: the network shows the closest snapshot
    assert page.locator(FIG).get_attribute("data-epoch") in {"2", "4"}
    page.get_by_role("slider", name="Learning rate").focus()
    page.keyboard.press("End")
    assert page.locator('#w2-loss polyline.is-current[data-run="lr-high"]').count() == 2


def test_explanations_open_from_info_buttons(page, grid_site):
    project, base = grid_site
    open_page(page, base)
    button = page.get_by_role("button", name="Explain: Learning rate")
    button.click()
    assert page.get_by_role("dialog", name="Learning rate").is_visible()
    assert page.locator(f"{FIG} .info-button").count() == 1  # only keys the author explained get a button


def test_accessibility_of_the_widget(page, grid_site):
    project, base = grid_site
    open_page(page, base)
    add_axe(page)
    result = page.evaluate("""async () => (await axe.run('#w1-network', {resultTypes: ['violations']})).violations
        .map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '))""")
    assert result == []
    for name in ("Learning rate", "Batch size", "Noise"):
        assert page.get_by_role("slider", name=name).get_attribute("aria-valuetext")
    assert page.locator(f"{FIG} [aria-live=polite]").count() == 1


def test_narrow_screen_stacks_the_columns(browser, grid_site):
    project, base = grid_site
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(base + "net/")
    page.wait_for_selector(READY)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    boxes = {name: page.locator(f"{FIG} .net-{name}").bounding_box() for name in ("input", "network", "prediction")}
    assert boxes["input"]["y"] + boxes["input"]["height"] <= boxes["network"]["y"] + 1
    assert boxes["network"]["y"] + boxes["network"]["height"] <= boxes["prediction"]["y"] + 1
    page.evaluate("document.querySelector('#w1-network').dataset.live = 'python'")  # any number of layers
    for _ in range(6):
        page.locator(f"{FIG} .net-add").first.click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
    assert errors == []


def test_a_live_trainer_can_take_over_the_controls(page, grid_site):
    """A listener that cancels `network-control` (as a Python cell's on_control handler does) takes over
    Play, Step and Reset: the widget stands back instead of moving through precomputed snapshots."""
    project, base = grid_site
    open_page(page, base)
    page.evaluate("""() => {
      window.actions = [];
      document.querySelector('#w1-network').addEventListener('network-control', (e) => {
        window.actions.push(e.detail.action);
        if (e.cancelable) e.preventDefault();
      });
    }""")
    epoch = page.locator(FIG).get_attribute("data-epoch")
    page.get_by_role("button", name="Step").click()
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(500)
    assert page.evaluate("window.actions") == ["step", "play"]
    assert page.locator(FIG).get_attribute("data-epoch") == epoch
    # a play taken over shows Pause until the trainer says it stopped; Pause goes to the trainer too
    assert page.locator(FIG).get_attribute("data-playing") == "true"
    page.get_by_role("button", name="Pause").click()
    assert page.evaluate("window.actions") == ["step", "play", "pause"]
    assert page.locator(FIG).get_attribute("data-playing") == "false"
    assert page.locator(FIG).get_attribute("data-epoch") == epoch


def live_entry(page, name, **settings):
    """The first grid run's payload entry, renamed and with other settings: what a live trainer sends."""
    entry = page.evaluate("""async () => {
        const src = document.querySelector('#w1-network').dataset.src;
        return (await (await fetch(src)).json()).runs[0];
    }""")
    entry["run"] = name
    entry["settings"].update(settings)
    return entry


def publish(page, data):
    page.evaluate("""async (data) => {
        const mod = await import(document.querySelector('script[type=module]').src);
        mod.controllers.get('w1-network').update({data});
    }""", data)


def test_python_trainer_trains_settings_without_a_precomputed_run(page, grid_site):
    """With `data-live="python"` (a cell handles the controls) a missing combination can be played; the
    trainer's runs stream in, `select: null` leaves the view alone, `playing: false` ends the Pause."""
    project, base = grid_site
    open_page(page, base)
    figure, play = page.locator(FIG), page.locator(f"{FIG} .net-play")
    assert page.get_by_role("radio", name="square").is_disabled()  # no run, no trainer: not offered
    page.evaluate("""() => {
      window.events = [];
      const fig = document.querySelector('#w1-network');
      fig.addEventListener('network-control', (e) => { window.events.push(e.detail); e.preventDefault(); });
      fig.dataset.live = 'python';
    }""")
    page.get_by_role("radio", name="square").check()
    assert play.get_attribute("aria-disabled") == "false"
    assert "train it here" in page.locator(f"{FIG} .net-missing").text_content()
    # the controls offer values no run has: any combination can be asked for
    hidden = page.locator("#w1-network-hidden")
    assert hidden.is_visible() and hidden.locator("option").all_text_contents() == ["4", "8", "16", "32"]
    batch_ticks = page.locator(f"{FIG} #w1-network-batch").evaluate("(s) => Array.from(s.list.options, (o) => o.value)")
    assert batch_ticks == ["5", "10", "25", "50"]
    play.click()
    (event,) = page.evaluate("window.events.filter((e) => e.action === 'play')")
    assert event["run"] is None and event["settings"]["dataset"] == "square"
    assert figure.get_attribute("data-playing") == "true" and play.text_content().strip() == "Pause"
    square = live_entry(page, "yours-1", dataset="square")
    publish(page, {"runs": [square], "select": "yours-1", "playing": True})
    assert figure.get_attribute("data-run") == "yours-1" and figure.get_attribute("data-missing") is None
    assert figure.get_attribute("data-playing") == "true"
    assert "Run yours-1: square" in page.locator(f"{FIG} .net-summary").text_content()
    publish(page, {"runs": [square], "select": "yours-1", "playing": False})
    assert figure.get_attribute("data-playing") == "false" and play.text_content().strip() == "Play"
    # another missing combination; a late message about yours-1 (select: null) does not pull the view back
    page.get_by_role("radio", name="composite").check()
    publish(page, {"runs": [square], "select": None, "playing": False})
    assert figure.get_attribute("data-missing") == "" and "composite" in page.locator(f"{FIG} .net-summary").text_content()
    page.get_by_role("radio", name="square").check()  # the trained combination picks the trainer's run
    assert figure.get_attribute("data-run") == "yours-1"
    # a live run with a grid run's settings is the one those settings pick from now on
    publish(page, {"runs": [live_entry(page, "yours-2")], "select": None})
    page.get_by_role("radio", name="sine").check()
    assert figure.get_attribute("data-run") == "yours-2"
    page.get_by_role("radio", name="composite").check()
    assert figure.get_attribute("data-missing") == ""
    page.evaluate("delete document.querySelector('#w1-network').dataset.live")  # Python went away
    page.wait_for_function("() => document.getElementById('w1-network-hidden').closest('.net-select').hidden")
    # without a trainer the view moves to a run that exists, and inputs without one are not offered
    page.wait_for_function("() => !document.querySelector('#w1-network').hasAttribute('data-missing')")
    assert page.get_by_role("radio", name="composite").is_disabled()
    assert play.get_attribute("aria-disabled") == "false" and page.locator(f"{FIG} .net-missing").is_hidden()
