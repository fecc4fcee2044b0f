"""The {gradients} directive: every bad option or reference is a build error with rule, file:line and a
hint, and leaves no partial site; a good block carries exactly the numbers the page needs."""
import json
import re
import shutil

import numpy as np
import pytest

from unrolled.generator.build import build, discover
from unrolled.generator.config import load_project
from unrolled.generator import assets
from unrolled.generator.js import NodeWorker
from unrolled.precompute import arrays
from unrolled.precompute.cache import entry_dir
from unrolled.precompute.documents import load
from unrolled.precompute.errors import UnrolledError

RUNS = """
[run.g]
dataset = "sine"
cell = "rnn"
layers = 2
hidden = 4
window = 8
sequences = 25
batch = 25
epochs = 3
snapshots = [0, 3]

[run.h]
dataset = "sine"
cell = "gru"
layers = 1
hidden = 4
window = 6
sequences = 25
batch = 25
epochs = 2
snapshots = [0, 2]

[run.k]
dataset = "sine"
cell = "lstm"
layers = 2
hidden = 4
window = 6
sequences = 25
batch = 25
epochs = 3
snapshots = [0, 3]
trace = 2
"""
HEAD = "---\ntitle: A\nruns: runs.toml\n---\n"  # the body starts on line 5


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A project whose runs are trained once; each test builds a copy with its own page."""
    root = tmp_path_factory.mktemp("gradients-runs")
    article = root / "content" / "a"
    article.mkdir(parents=True)
    (article / "runs.toml").write_text(RUNS)
    (article / "index.md").write_text(HEAD + "Nothing yet.\n")
    build(load_project(root), show_progress=False)
    return root


def project_with(trained, tmp_path, body: str):
    shutil.copytree(trained / "content", tmp_path / "content")
    shutil.copytree(trained / ".cache", tmp_path / ".cache")
    (tmp_path / "content" / "a" / "index.md").write_text(HEAD + body)
    return load_project(tmp_path)


def block(**options) -> str:
    return "```{gradients}\n" + "".join(f"{k}: {v}\n" for k, v in options.items()) + "```\n"


@pytest.mark.parametrize("body, rule, line, words, hint_words", [
    (block(run="g", runs="g, k"), "option-conflict", 7, "either `run` or `runs`", "side by side"),
    (block(layer=1), "option-missing", 5, "needs option 'run'", "run: NAME"),
    (block(runs=""), "option-value", 6, "lists no run", "separated by commas"),
    (block(runs="g, k, g"), "option-value", 6, "listed twice", "each run once"),
    ("Text.\n\n" + block(run="nope"), "ref-run", 8, "unknown run 'nope'", "g, h, k"),
    (block(caption="x", runs="g, nope"), "ref-run", 7, "unknown run 'nope'", "g, h, k"),
    (block(run="g", layer=2), "ref-layer", 7, "has no layer 2", "from 0 to 1"),
    (block(runs="k, h", layer=1), "ref-layer", 7, "run 'h' has no layer 1", "from 0 to 0"),
    (block(run="g", layer=-1), "option-value", 7, "0 or more", "numbered from 0"),
    (block(run="g", layer="top"), "option-type", 7, "expects an integer", "layer: "),
    (block(run="g", group="hx"), "option-choice", 7, "must be one of ih, hh, all", "ih, hh, all"),
    (block(run="g", scale="log"), "option-choice", 7, "one of absolute, relative", "absolute, relative"),
    (block(run="g", sequence=1), "ref-sequence", 7, "no traced sequence 1", "from 0 to 0"),
    (block(runs="k, g", sequence=1), "ref-sequence", 7, "run 'g' has no traced sequence 1", "trace"),
    (block(run="g", sequence=-2), "option-value", 7, "0 or more", "from 0"),
    (block(run="g", snapshot=2), "ref-snapshot", 7, "no snapshot at epoch 2", "[0, 3]"),
    (block(runs="g, h"), "runs-mismatch", 6, "different snapshots", "same `snapshots`"),
    (block(run="g", colour="red"), "option-unknown", 7, "unknown option 'colour'", "runs"),
])
def test_bad_options_and_references(trained, tmp_path, body, rule, line, words, hint_words):
    project = project_with(trained, tmp_path, body)
    with pytest.raises(UnrolledError) as info:
        build(project, show_progress=False)
    error = info.value
    assert (error.rule, error.line) == (rule, line), str(error)
    assert error.file.endswith("content/a/index.md")
    assert words in error.message, error.message
    assert error.hint and hint_words in error.hint, error.hint
    assert not (tmp_path / "_site").exists()
    assert not list(tmp_path.glob("_site.*"))


def figure_of(html: str, index: int = 1):
    match = re.search(rf'<figure class="widget widget-gradients" id="w{index}-gradients"[^>]*>', html)
    assert match, html[:2000]
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(0)))
    return attrs


def doc_of(project, run):
    (page,) = [p for p in discover(project) if p.slug == "a"]
    return load(entry_dir(project.cache_dir, page.specs[run]) / "itemized-gradients.json")


def test_payload_carries_the_sequence_at_every_snapshot_in_float32(trained, tmp_path):
    project = project_with(trained, tmp_path, block(run="k", sequence=1, group="all", scale="relative"))
    files = build(project, show_progress=False)
    html = files["a/index.html"].decode()
    attrs = figure_of(html)
    assert attrs["data-widget"] == "gradients" and attrs["data-snapshot"] == "1"
    assert json.loads(attrs["data-options"].replace("&quot;", '"')) == {"group": "all", "layer": 0,
                                                                        "scale": "relative"}
    payload = json.loads(files[attrs["data-src"].removeprefix("../")])
    assert payload["sequence"] == 1 and len(payload["panels"]) == 1
    panel = payload["panels"][0]
    doc = doc_of(project, "k")
    assert (panel["run"], panel["cell"], panel["kind"]) == ("k", "lstm", "function")
    assert [s["epoch"] for s in panel["snapshots"]] == [0, 3]
    for snap, source in zip(panel["snapshots"], doc["snapshots"]):
        seq = source["sequences"][1]
        assert len(snap["layers"]) == 2 and set(snap["layers"][0]) == {"ih", "hh", "all"}  # no H: unused
        for k, layer in enumerate(snap["layers"]):
            for group in ("ih", "hh", "all"):
                assert layer[group]["dtype"] == "float32"
                np.testing.assert_allclose(arrays.decode(layer[group]), seq["layers"][k][group], rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(arrays.decode(snap["loss"]), seq["loss"], rtol=1e-6)
    np.testing.assert_allclose(arrays.decode(panel["input"]), doc["snapshots"][0]["sequences"][1]["input"], rtol=1e-6)
    assert "vocab" not in panel


def bars_of(html: str) -> dict:
    """Invert the static frame: {(t, s): value} from each rect's height and its group's scale."""
    group = re.search(r'<g class="bars" data-y0="([^"]+)" data-y1="([^"]+)" data-py0="([^"]+)" data-py1="([^"]+)">'
                      r'(.*?)</g></g>', html)
    y0, y1, py0, py1 = map(float, group.groups()[:4])
    return {(int(t), int(s)): float(h) / (py0 - py1) * (y1 - y0)
            for t, s, h in re.findall(r'<rect data-t="(\d+)" data-s="(\d+)"[^>]* height="([^"]+)"', html)}


def test_static_frame_encodes_the_document(trained, tmp_path):
    project = project_with(trained, tmp_path, block(run="g", layer=1, snapshot=0, caption="Gradients <b>"))
    html = build(project, show_progress=False)["a/index.html"].decode()
    doc = doc_of(project, "g")
    matrix = doc["snapshots"][0]["sequences"][0]["layers"][1]["hh"]
    values = bars_of(html)
    top = float(re.search(r'<g class="bars" data-y0="0" data-y1="([^"]+)"', html).group(1))
    assert len(values) == 8 * 9 // 2
    for (t, s), value in values.items():
        assert abs(value - matrix[t, s]) <= 0.01 / 150 * top + 1e-12, (t, s)
    assert "Gradients &lt;b&gt;" in html and 'role="img"' in html and "<details" in html
    row = re.search(r'<tr><th scope="row">t=7 [^<]*</th>((?:<td>[^<]*</td>)+)</tr>', html).group(1)
    cells = re.findall(r"<td>([^<]*)</td>", row)  # L_t, then s = 0 ... 7
    assert abs(float(cells[4].replace("\u2212", "-")) - matrix[7, 3]) <= 6e-4 * abs(matrix[7, 3])  # four digits


def test_side_by_side_renders_one_panel_per_run(trained, tmp_path):
    project = project_with(trained, tmp_path, block(runs="g, k", scale="relative"))
    html = build(project, show_progress=False)["a/index.html"].decode()
    assert re.findall(r'<div class="gradients-panel" data-run="([^"]+)"', html) == ["g", "k"]
    assert html.count('class="plot gradients-chart"') == 2
    for match in re.finditer(r'<g class="bar" data-s="(\d+)">(.*?)</g>', html):
        heights = [float(h) for h in re.findall(r'<rect data-t=[^>]* height="([^"]+)"', match.group(2))]
        assert sum(heights) == pytest.approx(150, abs=0.05) or sum(heights) == 0  # each bar: 100 %


def render_frame(panel: dict, **options) -> tuple[str, str]:
    """The first frame and table that site/js/widgets/gradients.js draws for one panel, rendered in Node."""
    worker = NodeWorker()
    try:
        return worker.frame("gradients", {"sequence": 0, "panels": [panel]},
                            {"layer": 0, "group": "hh", "scale": "absolute"} | options, "w1-gradients",
                            assets.collect().node_imports())
    finally:
        worker.close()


def panel_of(matrix, inputs, loss) -> dict:
    f32 = lambda values: arrays.encode(np.asarray(values, dtype=np.float32), "float32")  # noqa: E731
    return {"run": "r", "cell": "rnn", "kind": "function", "input": f32(inputs), "target": f32(inputs),
            "snapshots": [{"epoch": 1, "loss": f32(loss),
                           "layers": [{g: f32(matrix) for g in ("ih", "hh", "all")}]}]}


def test_number_format():
    """Four significant digits, exponent form outside [0.001, 10000), real minus signs: in the table."""
    matrix = [[1.23456, 0, 0], [0.000123456, 2.0, 0], [12345.6, 0.5, 0.25]]
    _, table = render_frame(panel_of(matrix, [-0.5, 0.0, 0.001], [0.0, 0.001, 1.5]))
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th>((?:<td[^>]*>[^<]*</td>)+)</tr>', table)
    # the steps after t receive nothing from L_t: one empty cell spans them
    assert [(head, re.findall(r"<td(?: colspan=\"\d+\")?>([^<]*)</td>", cells)) for head, cells in rows] == [
        ("t=0 (\u22120.5000)", ["0", "1.235", ""]),
        ("t=1 (0)", ["0.001000", "1.235e\u22124", "2.000", ""]),
        ("t=2 (0.001000)", ["1.500", "1.235e+4", "0.5000", "0.2500"]),
        ("bar total", ["", "1.235e+4", "2.500", "0.2500"])]
    assert re.findall(r'<td colspan="(\d+)">', table) == ["2", "1"]


def test_colour_map_is_viridis_end_to_end():
    def fills(count):
        frame, _ = render_frame(panel_of(np.tril(np.ones((count, count))), np.zeros(count), np.ones(count)))
        bars = dict(re.findall(r'<rect data-t="(\d+)" data-s="0"[^>]* fill="(#[0-9a-f]{6})"', frame))
        ramp = re.findall(r'<span style="background:(#[0-9a-f]{6})"></span>', frame)
        assert [bars[str(t)] for t in range(count)] == ramp  # the legend is the bars' colours
        return ramp

    assert fills(8)[0] == "#440154" and fills(8)[-1] == "#fde725"
    assert fills(1) == ["#440154"]
    lightness = [sum(int(c[k:k + 2], 16) for k in (1, 3, 5)) for c in fills(12)]
    assert lightness[-1] > lightness[0]
