"""{horizon} directive: every bad option or reference is a build error naming file:line, a rule id and a hint,
with no partial output; a good block's payload carries exactly the horizon documents' numbers."""
import json
import re
import shutil

import numpy as np
import pytest

from unrolled.generator.build import SiteBuild, build, discover
from unrolled.generator.config import load_project
from unrolled.precompute.arrays import decode
from unrolled.precompute.cache import entry_dir
from unrolled.precompute.documents import load
from unrolled.precompute.errors import UnrolledError

RECALL = {"dataset": '"recall"', "layers": 1, "hidden": 8, "window": 12, "delay": 5, "symbols": 3,
          "optimizer": '"adam"', "lr": 0.02, "sequences": 64, "batch": 32, "epochs": 3, "snapshots": "[0, 1, 3]",
          "horizon": 4, "horizon_threshold": 0.05}
#: tiny recall runs with horizon documents, one that exports snapshots of its own, one with another
#: threshold, and a run without a horizon document
RUNS = {"rnn": {"cell": '"rnn"'}, "gru": {"cell": '"gru"'}, "lstm": {"cell": '"lstm"'},
        "late": {"cell": '"gru"', "snapshots": "[0, 3]"}, "loose": {"cell": '"gru"', "horizon_threshold": 0.1},
        "plain": None}
PLAIN = {"dataset": '"abab"', "layers": 1, "hidden": 4, "window": 6, "sequences": 20, "batch": 5, "epochs": 1}
HEAD = "---\ntitle: A\nruns: runs.toml\n---\n"  # the body starts on line 5


def runs_toml(names=tuple(RUNS)) -> str:
    return "\n".join(f"[run.{name}]\n" + "".join(
        f"{k} = {v}\n" for k, v in (PLAIN if RUNS[name] is None else {**RECALL, **RUNS[name]}).items())
        for name in names)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A project whose runs are trained once (cache only, no _site), copied by every test."""
    root = tmp_path_factory.mktemp("horizon-runs")
    (root / "content" / "a").mkdir(parents=True)
    (root / "content" / "a" / "runs.toml").write_text(runs_toml())
    (root / "content" / "a" / "index.md").write_text(HEAD + "Nothing yet.\n")
    project = load_project(root)
    SiteBuild(project, show_progress=False).ensure_precomputed(discover(project))
    return root


def project_with(trained, tmp_path, body: str):
    shutil.copytree(trained / "content", tmp_path / "content")
    shutil.copytree(trained / ".cache", tmp_path / ".cache")
    (tmp_path / "content" / "a" / "index.md").write_text(HEAD + body)
    return load_project(tmp_path)


def doc(project, run, kind="horizon"):
    (page,) = [p for p in discover(project) if p.slug == "a"]
    return load(entry_dir(project.cache_dir, page.specs[run]) / f"{kind}.json")


@pytest.mark.parametrize("body, rule, line, words", [
    ("Intro.\n\n```{horizon}\nruns: rnn, nope\n```\n", "ref-run", 8, "unknown run 'nope'"),
    ("```{horizon}\nrun: nope\n```\n", "ref-run", 6, "unknown run 'nope'"),
    ("```{horizon}\nruns: rnn, plain\n```\n", "ref-horizon", 6, "exports no horizon document"),
    ("```{horizon}\nrun: gru\nruns: rnn, gru\n```\n", "option-conflict", 7, "not both"),
    ("```{horizon}\nmeasure: H\n```\n", "option-missing", 5, "needs option 'run'"),
    ("```{horizon}\nruns: rnn, rnn\n```\n", "option-value", 6, "listed twice"),
    ("```{horizon}\nrun: rnn\nmeasure: hidden\n```\n", "option-choice", 7, "must be one of hh, ih, H, connectivity"),
    ("```{horizon}\nrun: rnn\ncolour: red\n```\n", "option-unknown", 7, "unknown option 'colour'"),
    ("```{horizon}\nrun: rnn\nsnapshot: last\n```\n", "option-type", 7, "expects an integer"),
    ("```{horizon}\nrun: rnn\nsnapshot: 2\n```\n", "ref-snapshot", 7, "no snapshot at epoch 2"),
    ("```{horizon}\nrun: rnn\nlayer: 1\n```\n", "ref-layer", 7, "no layer 1"),
    ("```{horizon}\nrun: rnn\nlayer: -1\n```\n", "option-value", 7, "must be 0 or more"),
    ("```{horizon}\nrun: rnn\nmeasure: connectivity\nlayer: 0\n```\n", "option-conflict", 8, "not one layer"),
    ("```{horizon}\nruns: rnn, late\n```\n", "runs-mismatch", 6, "different snapshots"),
    ("```{horizon}\nruns: rnn, loose\n```\n", "runs-mismatch", 6, "different thresholds"),
])
def test_horizon_errors(trained, tmp_path, body, rule, line, words):
    project = project_with(trained, tmp_path, body)
    with pytest.raises(UnrolledError) as info:
        build(project, show_progress=False)
    error = info.value
    assert not (tmp_path / "_site").exists(), "a failed build must not write a site"
    assert not list(tmp_path.glob("_site.*"))
    assert (error.rule, error.line) == (rule, line), str(error)
    assert error.file.endswith("content/a/index.md")
    assert words in error.message and error.hint, str(error)


def payload_of(project, html: str) -> dict:
    (src,) = re.findall(r'data-widget="horizon" data-src="\.\./([^"]+)"', html)
    return json.loads((project.out_dir / src).read_text())


def test_payload_carries_the_documents_ratios_exactly(trained, tmp_path):
    project = project_with(trained, tmp_path, "```{horizon}\nruns: rnn, gru\nmeasure: H\nsnapshot: 1\n```\n")
    html = build(project, show_progress=False)["a/index.html"].decode()
    data = payload_of(project, html)
    assert (data["measure"], data["layer"], data["threshold"]) == ("H", 0, 0.05)
    assert 'data-snapshot="1"' in html
    for entry, name in zip(data["runs"], ["rnn", "gru"]):
        source = doc(project, name)
        assert entry["run"] == name and [s["epoch"] for s in entry["snapshots"]] == [0, 1, 3]
        np.testing.assert_array_equal(decode(entry["distance"]), source["distance"])
        for ours, theirs in zip(entry["snapshots"], source["snapshots"]):
            reach = theirs["layers"][0]["H"]
            assert ours["horizon"] == reach["horizon"]
            for key in ("mean", "p10", "p90"):  # exact float64, not rounded
                np.testing.assert_array_equal(decode(ours["ratio"][key]), reach["ratio"][key])
    mean = doc(project, "gru")["snapshots"][1]["layers"][0]["H"]["ratio"]["mean"]
    assert f"<td>{mean[2]:.4g}</td>" in html
    assert "at epoch 1." in html  # the default caption names the shown snapshot


def test_connectivity_reads_the_models_input_reach(trained, tmp_path):
    project = project_with(trained, tmp_path, "```{horizon}\nrun: lstm\nmeasure: connectivity\n```\n")
    html = build(project, show_progress=False)["a/index.html"].decode()
    data = payload_of(project, html)
    source = doc(project, "lstm")["snapshots"][-1]["connectivity"]
    (run,) = data["runs"]
    np.testing.assert_array_equal(decode(run["snapshots"][-1]["ratio"]["p90"]), source["ratio"]["p90"])
    assert 'data-snapshot="2"' in html


def test_ratios_below_double_precision_leave_the_plot(tmp_path):
    """The widget's own frame on given numbers: a mean that falls below 10⁻¹⁶ ends where it leaves the axis,
    whose bottom label then reads ≤10⁻¹⁶, and direct labels give way to the legend."""
    from unrolled.generator import assets
    from unrolled.generator.js import NodeWorker
    from unrolled.precompute.arrays import encode

    mean = np.array([1.0, 1e-3, 1e-9, 1e-17, 1e-20, 1e-15])
    snap = {"epoch": 0, "horizon": 1, "ratio": {k: encode(mean * f, "float64") for k, f in
                                                 (("mean", 1.0), ("p10", 0.5), ("p90", 2.0))}}
    data = {"measure": "hh", "layer": 0, "threshold": 0.01,
            "runs": [{"run": "a", "cell": "rnn", "distance": encode(np.arange(6), "int32"), "snapshots": [snap]}]}
    flat = {"epoch": 0, "horizon": None, "ratio": {k: encode(np.full(6, 0.5), "float64") for k in ("mean", "p10", "p90")}}
    outlasting = dict(data, runs=[dict(data["runs"][0], run="b", snapshots=[flat])])
    js = NodeWorker()
    try:
        frame, table = js.frame("horizon", data, {"snapshot": 0}, "w1-horizon", assets.collect().node_imports())
        long, _ = js.frame("horizon", outlasting, {"snapshot": 0}, "w1-horizon", assets.collect().node_imports())
    finally:
        js.close()
    assert "b: the mean ratio never falls below 0.01 within the measured distances (d ≤ 5)" in long
    assert "<circle" not in long and "≤10⁻¹⁶" not in long and 'class="direct-labels"' in long
    (points,) = re.findall(r'<polyline class="series series-mean run-0"[^>]* points="([^"]+)"', frame)
    assert len(points.split()) == 4  # 1, 1e-3, 1e-9 and the first point below the axis
    assert 'data-y0="1e-16"' in frame and ">≤10⁻¹⁶</text>" in frame
    assert "direct-labels" not in frame
    assert '<circle class="run-0" data-run="a" data-d="1"' in frame
    assert "<td>1e−20</td>" in table and "a: the mean ratio first falls below 0.01 at d = 1" in frame
