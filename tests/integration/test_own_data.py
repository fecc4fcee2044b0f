"""Real runs on an author's own data: a CSV series and a folder of text files train, export valid
documents, and build a page whose first frames show the series on its real axis and in its units."""
from __future__ import annotations

import html
import re

import numpy as np
import pytest

from unrolled.precompute.cache import cache_key
from unrolled.precompute.documents import load
from unrolled.precompute.inputs import gather, materialise
from unrolled.precompute.spec import load_specs
from unrolled.precompute.tasks import make_task
from tests.conftest import polyline_values

YEARS = range(1900, 1960)
SERIES = "year,level,other\n" + "".join(f"{y},{100 + 40 * np.sin(y / 3):.3f},{y % 7}\n" for y in YEARS)
RUNS = """[run.level]
dataset = "csv"
file = "data/levels.csv"
columns = ["level"]
x_column = "year"
unit = "mm"
normalize = "minmax"
cell = "gru"
layers = 1
hidden = 6
window = 8
optimizer = "adam"
lr = 0.02
batch = 10
sequences = 40
epochs = 12

[run.level-fast]
dataset = "csv"
file = "data/levels.csv"
columns = ["level"]
x_column = "year"
unit = "mm"
normalize = "minmax"
cell = "gru"
layers = 1
hidden = 6
window = 8
optimizer = "adam"
lr = 0.05
batch = 10
sequences = 40
epochs = 2

[run.prose]
dataset = "text"
file = "texts"
vocab = 10
cell = "gru"
layers = 1
hidden = 6
window = 12
optimizer = "adam"
lr = 0.02
batch = 10
sequences = 20
epochs = 2
"""
PAGE = """---
title: Own data
runs: runs.toml
---

```{predictions}
run: level
```

```{predictions}
run: prose
```

```{network}
runs: level, level-fast
```
"""
TEXTS = {"own/texts/a.txt": "the quick brown fox jumps over the lazy dog\n" * 12,
         "own/texts/sub/b.txt": "pack my box with five dozen liquor jugs\n" * 8}


@pytest.fixture(scope="module")
def site(make_site):
    project, url = make_site("own-data", {"own/index.md": PAGE, "own/runs.toml": RUNS,
                                          "own/data/levels.csv": SERIES, **TEXTS})
    return project, url


def entry(project, run):
    (path,) = project.cache_dir.glob(f"{run}@*/*")
    return path


def test_csv_run_exports_its_real_axis_and_units(site):
    project, _ = site
    path = entry(project, "level")
    run, preds = load(path / "run.json"), load(path / "predictions.json")
    for kind in ("weights", "itemized-gradients", "cell-trace"):
        load(path / f"{kind}.json")  # each validates against its schema
    series = run["task"]["series"]
    assert (series["rows"], series["train_rows"], series["validation_rows"]) == (60, 48, 12)
    levels = np.array([100 + 40 * np.sin(y / 3) for y in YEARS])
    train = np.round(levels[:48], 3)
    assert series["shift"][0] == pytest.approx((train.max() + train.min()) / 2)
    assert series["scale"][0] == pytest.approx((train.max() - train.min()) / 2)
    assert preds["x"] == {"start": 1948.0, "step": 1.0, "label": "year"}  # the held-out tail starts at row 48
    assert preds["y"]["unit"] == "mm" and preds["y"]["label"] == "level"
    snap = preds["snapshots"][-1]
    real = snap["target"].astype(np.float64) * preds["y"]["scale"] + preds["y"]["shift"]
    assert real == pytest.approx(np.round(levels[49:57], 3), abs=1e-3)
    assert len(snap["rollout"]["target"]) == 60 - 48 - 8 - 1  # as far as the held-out rows go
    assert run["loss"]["validation"][-1] < run["loss"]["validation"][0]


def test_csv_first_frame_is_drawn_in_real_units(site):
    project, _ = site
    page = (project.out_dir / "own" / "index.html").read_text()
    svg = re.search(r'<figure[^>]*id="w1-predictions".*?<svg class="plot"(?P<attrs>[^>]*)>(?P<body>.*?)</svg>',
                    page, re.S)
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', svg["attrs"]))
    body = svg["body"]
    assert float(attrs["data-x0"]) == 1948.0
    assert "<text class=\"axis-title axis-title-x\"" in body and ">year</text>" in body
    assert ">level (mm)</text>" in body
    x_ticks = [int(t) for t in re.findall(r'class="tick-x"[^>]*>(\d+)</text>', body)]
    assert x_ticks and all(1948 <= t <= 1948 + 8 + 3 for t in x_ticks)
    preds = load(entry(project, "level") / "predictions.json")
    snap = preds["snapshots"][-1]
    points = re.search(r'data-series="target" fill="none" points="([^"]+)"', body)[1]
    drawn = polyline_values(points, attrs)
    expected = snap["target"].astype(np.float64) * preds["y"]["scale"] + preds["y"]["shift"]
    assert drawn == pytest.approx(expected, abs=0.05 * preds["y"]["scale"])
    y_ticks = [float(t) for t in re.findall(r'class="tick-y"[^>]*data-value="([^"]+)"', body)]
    assert min(y_ticks) >= float(attrs["data-y0"]) and max(y_ticks) <= float(attrs["data-y1"]) and min(y_ticks) > 50
    table = re.search(r'<details class="widget-data">.*?</details>', page[svg.end():], re.S)[0]
    assert "<th scope=\"col\">input (mm)</th>" in table and "<th scope=\"row\">1948</th>" in table


def test_text_folder_run_trains_on_every_file_with_a_capped_vocabulary(site):
    project, _ = site
    path = entry(project, "prose")
    run, preds = load(path / "run.json"), load(path / "predictions.json")
    load(path / "itemized-gradients.json")
    vocab = run["task"]["vocab"]
    assert len(vocab) == 10 and "\ufffd" in vocab
    text = TEXTS["own/texts/a.txt"] + TEXTS["own/texts/sub/b.txt"]
    counts = {c: text.count(c) for c in set(text)}
    kept = sorted(counts, key=lambda c: (-counts[c], ord(c)))[:9]
    assert sorted(kept) == [c for c in vocab if c != "\ufffd"]
    page = html.unescape((project.out_dir / "own" / "index.html").read_text())
    strip = re.search(r'<table class="char-strip">.*?</table>', page, re.S)[0]
    held_out = text[len(text) - round(0.2 * len(text)):]  # the window comes from the held-out tail
    shown = "".join(re.findall(r"<td[^>]*>(.)</td>", re.search(r"<th scope=\"row\">target</th>(.*?)</tr>", strip,
                                                                 re.S)[1])).replace("⏎", "\n").replace("␣", " ")
    capped = "".join(c if c in kept else "\ufffd" for c in held_out)
    assert len(shown) == 12 and shown in capped


def test_data_files_are_in_the_cache_key_and_travel_to_workers(site, tmp_path):
    project, _ = site
    spec_file = project.root / "content" / "own" / "runs.toml"
    level, _, prose = load_specs(spec_file, project.root)
    keys = {s.name: cache_key(s) for s in (level, prose)}
    files = gather(prose)
    assert sorted(files) == ["runs.toml", "texts/a.txt", "texts/sub/b.txt"]
    assert sorted(gather(level)) == ["data/levels.csv", "runs.toml"]
    away = materialise(level, gather(level), tmp_path / "worker")
    assert np.array_equal(make_task(away).series.values, make_task(level).series.values)
    assert cache_key(away) == keys["level"]
    b = project.root / "content" / "own" / "texts" / "sub" / "b.txt"
    original = b.read_text()
    try:
        b.write_text(original + "one more line\n")
        assert cache_key(prose) != keys["prose"]
        assert cache_key(level) == keys["level"]
    finally:
        b.write_text(original)
    assert cache_key(prose) == keys["prose"]


def test_hydrated_figures_keep_the_real_axes(site, page):
    """In Chromium, the widgets' modules draw the same real axes: the predictions figure as in its first
    frame, and the {network} figure's prediction plot of the series."""
    project, url = site
    first = re.search(r'id="w1-predictions".*?(<svg class="plot".*?</svg>)', (project.out_dir / "own" /
                                                                              "index.html").read_text(), re.S)[1]
    page.goto(url + "own/")
    figure = page.locator("#w1-predictions")
    figure.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('#w1-predictions').dataset.snapshot !== undefined")
    ticks = figure.locator(".tick-x").all_text_contents()
    assert ticks == re.findall(r'class="tick-x"[^>]*>([^<]+)</text>', first)
    assert figure.locator(".axis-title-y").text_content() == "level (mm)"
    network = page.locator("#w3-network")
    network.scroll_into_view_if_needed()
    network.locator("svg.net-plot .tick-x").first.wait_for()
    assert network.locator("svg.net-plot .axis-title-y").text_content() == "level (mm)"
    assert float(network.locator("svg.net-plot").get_attribute("data-x0")) == 1948.0


def test_several_input_columns_predict_one_target(tmp_path):
    """columns = [a, b], target = a: the network reads both, the documents plot the target's own inputs,
    and no roll-out is made (the other column's future is unknown)."""
    from unrolled.precompute.runner import precompute

    (tmp_path / "levels.csv").write_text(SERIES)
    (tmp_path / "runs.toml").write_text(
        '[run.two]\ndataset = "csv"\nfile = "levels.csv"\ncolumns = ["other", "level"]\ntarget = "level"\n'
        'x_column = "year"\ncell = "lstm"\nlayers = 1\nhidden = 3\nwindow = 5\nbatch = 5\nsequences = 10\n'
        'epochs = 1\n')
    (spec,) = load_specs(tmp_path / "runs.toml", tmp_path)
    (outcome,) = precompute([spec], tmp_path / "cache", show_progress=False)
    assert outcome.status == "done", outcome.error
    run, preds = load(outcome.path / "run.json"), load(outcome.path / "predictions.json")
    assert run["task"]["input_size"] == 2 and run["task"]["series"]["columns"] == ["other", "level"]
    snap = preds["snapshots"][-1]
    assert "rollout" not in snap
    levels = np.round([100 + 40 * np.sin(y / 3) for y in YEARS], 3)
    shown = snap["input"].astype(np.float64) * preds["y"]["scale"] + preds["y"]["shift"]
    assert shown == pytest.approx(levels[48:53], abs=1e-3)
    (seq,) = load(outcome.path / "cell-trace.json")["snapshots"][0]["sequences"]
    assert seq["layers"][0]["x"].shape == (5, 2)


def test_same_data_and_seed_give_identical_documents(site, tmp_path):
    from unrolled.precompute.runner import precompute

    project, _ = site
    spec_file = project.root / "content" / "own" / "runs.toml"
    level = load_specs(spec_file, project.root)[0]
    (outcome,) = precompute([level], tmp_path / "cache", show_progress=False)
    assert outcome.status == "done", outcome.error
    built = entry(project, "level")
    for kind in ("run", "predictions", "weights", "itemized-gradients", "cell-trace"):
        assert (outcome.path / f"{kind}.json").read_bytes() == (built / f"{kind}.json").read_bytes(), kind


def test_network_thumbnail_draws_the_series_itself(site, page):
    project, url = site
    page.goto(url + "own/")
    network = page.locator("#w3-network")
    network.scroll_into_view_if_needed()
    line = network.locator('.net-thumb polyline[data-dataset="csv"]')
    line.wait_for()
    ys = [float(p.split(",")[1]) for p in line.get_attribute("points").split()]
    preds = load(entry(project, "level") / "predictions.json")
    snap = preds["snapshots"][0]
    values = np.concatenate([snap["input"], snap["target"][-1:], snap["rollout"]["target"]]).astype(np.float64)
    assert len(ys) == len(values)
    # drawn upside down (SVG y grows downwards), filling the box: the highest value at the top
    assert int(np.argmin(ys)) == int(np.argmax(values)) and int(np.argmax(ys)) == int(np.argmin(values))
