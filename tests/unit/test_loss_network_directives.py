"""{loss} and {network} directives: every bad option or reference is a build error naming file:line, a rule
id and a hint, with no partial output; good blocks carry exactly the documents' numbers."""
import json
import re
import shutil

import numpy as np
import pytest

from unrolled.generator.build import SiteBuild, build, discover
from unrolled.generator.config import load_project
from unrolled.precompute.cache import entry_dir
from unrolled.precompute.documents import load
from unrolled.precompute.errors import UnrolledError

BASE = {"dataset": '"sine"', "cell": '"lstm"', "layers": 1, "hidden": 4, "window": 6, "sequences": 25, "batch": 25,
        "epochs": 4, "snapshots": "[0, 2, 4]"}
RUNS = {"lr-low": {"lr": 0.001}, "lr-good": {"lr": 0.01}, "lr-high": {"lr": 0.1},
        "layers-2": {"lr": 0.01, "layers": 2}, "twin": {"lr": 0.01, "seed": 7},
        "text": {"dataset": '"abab"', "lr": 0.01}}
HEAD = "---\ntitle: A\nruns: runs.toml\n---\n"  # the body starts on line 5


def runs_toml() -> str:
    return "\n".join(f"[run.{name}]\n" + "".join(f"{k} = {v}\n" for k, v in {**BASE, **extra}.items())
                     for name, extra in RUNS.items())


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A project whose runs are trained once (cache only, no _site), copied by every test."""
    root = tmp_path_factory.mktemp("grid")
    (root / "content" / "a").mkdir(parents=True)
    (root / "content" / "a" / "runs.toml").write_text(runs_toml())
    (root / "content" / "a" / "index.md").write_text(HEAD + "Nothing yet.\n")
    project = load_project(root)
    site = SiteBuild(project, show_progress=False)
    site.ensure_precomputed(discover(project))
    return root


def project_with(trained, tmp_path, body: str):
    shutil.copytree(trained / "content", tmp_path / "content")
    shutil.copytree(trained / ".cache", tmp_path / ".cache")
    (tmp_path / "content" / "a" / "index.md").write_text(HEAD + body)
    return load_project(tmp_path)


def build_error(trained, tmp_path, body) -> UnrolledError:
    project = project_with(trained, tmp_path, body)
    with pytest.raises(UnrolledError) as info:
        build(project, show_progress=False)
    assert not (tmp_path / "_site").exists(), "a failed build must not write a site"
    assert not list(tmp_path.glob("_site.*"))
    return info.value


def doc(project, run, kind):
    (page,) = [p for p in discover(project) if p.slug == "a"]
    return load(entry_dir(project.cache_dir, page.specs[run]) / f"{kind}.json")


@pytest.mark.parametrize("body, rule, line, words", [
    ("```{loss}\nrun: lr-good\nruns: lr-low, lr-high\n```\n", "option-conflict", 7, "not both"),
    ("```{loss}\nscale: log\n```\n", "option-missing", 5, "needs option 'run'"),
    ("Intro.\n\n```{loss}\nruns: lr-low, nope\n```\n", "ref-run", 8, "unknown run 'nope'"),
    ("```{loss}\nrun: nope\n```\n", "ref-run", 6, "unknown run 'nope'"),
    ("```{loss}\nruns: lr-low, lr-low\n```\n", "option-value", 6, "listed twice"),
    ("```{loss}\nruns: ,\n```\n", "option-value", 6, "lists no run"),
    ("```{loss}\nrun: lr-good\nsnapshot: 9\n```\n", "ref-snapshot", 7, "outside the loss curves"),
    ("```{loss}\nrun: lr-good\nsnapshot: last\n```\n", "option-type", 7, "expects an integer"),
    ("```{loss}\nrun: lr-good\nscale: cubic\n```\n", "option-choice", 7, "must be one of log, linear"),
    ("```{loss}\nrun: lr-good\ncolour: red\n```\n", "option-unknown", 7, "unknown option 'colour'"),
    ("```{loss}\nruns: lr-good, text\n```\n", "ref-kind", 6, "different losses"),
])
def test_loss_errors(trained, tmp_path, body, rule, line, words):
    error = build_error(trained, tmp_path, body)
    assert (error.rule, error.line) == (rule, line), str(error)
    assert error.file.endswith("content/a/index.md")
    assert words in error.message and error.hint, str(error)


@pytest.mark.parametrize("body, rule, line, words", [
    ("```{network}\nrun: lr-good\n```\n", "option-missing", 5, "needs option 'runs'"),
    ("```{network}\nruns:\n```\n", "option-value", 6, "lists no run"),
    ("\n```{network}\nruns: lr-good, lr-bad\n```\n", "ref-run", 7, "unknown run 'lr-bad'"),
    ("```{network}\nruns: lr-good, lr-low, lr-good\n```\n", "option-value", 6, "listed twice"),
    ("```{network}\nruns: lr-good, lr-low\nrun: lr-high\n```\n", "ref-run", 7, "not one of the grid's runs"),
    ("```{network}\nruns: lr-good, twin\n```\n", "ref-grid", 6, "have the same settings"),
    ("```{network}\nruns: lr-good, lr-low\nsnapshot: 3\n```\n", "ref-snapshot", 7, "no snapshot at epoch 3"),
    ("```{network}\nruns: lr-good\nsnapshot: first\n```\n", "option-type", 7, "expects an integer"),
    ("```{network}\nruns: lr-good\nspeed: 2\n```\n", "option-unknown", 7, "unknown option 'speed'"),
    ("```{network}\nruns: lr-good\n\nbody text\n```\n", "directive-body", 5, "takes no body"),
])
def test_network_errors(trained, tmp_path, body, rule, line, words):
    error = build_error(trained, tmp_path, body)
    assert (error.rule, error.line) == (rule, line), str(error)
    assert error.file.endswith("content/a/index.md")
    assert words in error.message and error.hint, str(error)


def test_grid_error_names_the_setting_without_a_control(trained, tmp_path):
    error = build_error(trained, tmp_path, "```{network}\nruns: lr-good, twin\n```\n")
    assert "seed" in error.hint and "lr-good" in error.message and "twin" in error.message


def payload_of(project, html: str, widget: str) -> dict:
    figure = re.search(rf'<figure [^>]*data-widget="{widget}"[^>]*>', html).group(0)
    src = re.search(r'data-src="\.\./([^"]+)"', figure).group(1)
    return json.loads((project.out_dir / src).read_text())


def test_loss_payload_static_frame_and_table(trained, tmp_path):
    project = project_with(trained, tmp_path, "```{loss}\nruns: lr-low, lr-high\nscale: linear\nsnapshot: 2\n```\n")
    html = build(project, show_progress=False)["a/index.html"].decode()
    data = payload_of(project, html, "loss")
    for entry, name in zip(data["runs"], ["lr-low", "lr-high"]):
        run = doc(project, name, "run")
        assert entry["run"] == name and entry["snapshots"] == [0, 2, 4]
        assert entry["loss"]["train"] == list(run["loss"]["train"])  # exact float64, not rounded
        assert entry["loss"]["validation"] == list(run["loss"]["validation"])
    assert 'data-scale="linear"' in html and '"epoch":2' in html.replace("&quot;", '"')
    assert html.count('data-series="train"') == 2 and html.count('data-series="validation"') == 2
    low = doc(project, "lr-low", "run")
    assert f"<td>{low['loss']['validation'][2]:.4g}</td>" in html
    assert "<figcaption>" in html and "epoch 2 is marked" in html


def test_network_payload_reads_settings_from_provenance(trained, tmp_path):
    project = project_with(trained, tmp_path, "```{network}\nruns: lr-good, layers-2, text\nrun: layers-2\n```\n")
    html = build(project, show_progress=False)["a/index.html"].decode()
    data = payload_of(project, html, "network")
    assert [r["run"] for r in data["runs"]] == ["lr-good", "layers-2", "text"]
    assert data["datasets"] == ["sine", "sawtooth", "square", "composite", "abab", "lorem"]
    two = data["runs"][1]
    spec = doc(project, "layers-2", "run")["provenance"]["spec"]
    assert two["settings"] == {k: spec[k] for k in two["settings"]} and two["settings"]["layers"] == 2
    assert {"dataset", "cell", "layers", "hidden", "lr", "batch", "noise"} <= set(two["settings"])
    pred = doc(project, "layers-2", "predictions")
    snap = two["snapshots"][0]
    assert snap["prediction"]["dtype"] == "float32" and [s["epoch"] for s in two["snapshots"]] == [0, 2, 4]
    from unrolled.precompute.arrays import decode

    np.testing.assert_array_equal(decode(snap["prediction"]), pred["snapshots"][0]["prediction"])
    assert two["loss"]["validation"] == list(doc(project, "layers-2", "run")["loss"]["validation"])
    assert data["runs"][2]["kind"] == "text" and data["runs"][2]["vocab"]
    # first frame: the initial run's settings in words, its layers, its first snapshot's plot
    assert "Run <strong>layers-2</strong>: sine, LSTM, 2 layers of 4 units, learning rate 0.01" in html
    assert html.count('class="net-layer"') == 2
    assert re.search(r'class="net-epoch-value"[^>]*>0</output><span class="net-epoch-of">of 4</span>', html)
    assert "Predictions of run layers-2 after epoch 0" in html
    assert '&quot;run&quot;:&quot;layers-2&quot;' in html and 'data-run="layers-2"' in html
    # the data table: the shown snapshot's values, then one row per run of the grid
    first = pred["snapshots"][0]
    row = "".join(f"<td>{v:.4f}</td>".replace("-", "\u2212") for v in (first["input"][0], first["target"][0],
                                                                       first["prediction"][0]))
    assert f'<tr><th scope="row">0</th>{row}</tr>' in html
    grid = re.search(r'<table class="data-table net-grid-table">.*?</table>', html).group(0)
    assert grid.count('<tr><th scope="row">') == 3 and "<td>lstm</td><td>2</td><td>4</td><td>0.01</td>" in grid


def test_network_layers_open_the_cell_view_of_the_same_run(trained, tmp_path):
    """A layer is a button only when the page has a {cell} figure of the shown run, even one further down."""
    body = "```{network}\nruns: lr-good, layers-2\nrun: layers-2\n```\n\n```{cell}\nrun: layers-2\n```\n"
    project = project_with(trained, tmp_path, body)
    html = build(project, show_progress=False)["a/index.html"].decode()
    assert html.count('<button type="button" class="net-layer-body"') == 2
    other = body.replace("run: layers-2\n```\n\n", "run: lr-good\n```\n\n", 1)
    project = project_with(trained, tmp_path / "other", other)
    html = build(project, show_progress=False)["a/index.html"].decode()
    assert 'class="net-layer-body"' in html and '<button type="button" class="net-layer-body"' not in html


def test_network_thumbnails_follow_the_dataset_formulas(trained, tmp_path):
    """The input thumbnails in the first frame plot the formulas the runs train on."""
    from unrolled_lite.datasets import function_values

    project = project_with(trained, tmp_path, "```{network}\nruns: lr-good\n```\n")
    html = build(project, show_progress=False)["a/index.html"].decode()
    svg = re.search(r'<svg class="net-thumb" viewBox="0 0 (\d+) (\d+)"[^>]*data-span="([^"]+)" data-ymax="([^"]+)">'
                    r'<line [^>]*></line><polyline [^>]*data-dataset="composite"[^>]*points="([^"]+)"', html)
    width, height, span, ymax = (float(v) for v in svg.groups()[:4])
    points = np.array([[float(v) for v in p.split(",")] for p in svg.group(5).split()])
    xs = points[:, 0] / width * span
    ys = ymax - points[:, 1] / height * 2 * ymax
    assert len(xs) > 50 and xs[-1] == pytest.approx(span)
    np.testing.assert_allclose(ys, function_values("composite", xs), atol=0.01)
