"""Reach metrics (`horizon.*`, `reach.*`, `recall.accuracy`) read a tiny real run's horizon document, and a
reference the data cannot answer is an error with the reference's file, line and rule."""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

from unrolled.generator.metrics import METRICS, REACH_DISTANCES, REACH_GROUPS, Lookup, find_refs, known, ref_of
from unrolled.precompute.cache import cache_key
from unrolled.precompute.documents import load
from unrolled.precompute.errors import UnrolledError
from unrolled.precompute.runner import compute_run
from unrolled.precompute.spec import load_specs

SPEC = """
[run.rec]
dataset = "recall"
cell = "gru"
layers = 1
hidden = 8
window = 12
delay = 5
symbols = 3
optimizer = "adam"
lr = 0.02
sequences = 64
batch = 32
epochs = 3
snapshots = [0, 3]
horizon = 4
horizon_threshold = 0.05

[run.plain]
dataset = "abab"
layers = 1
hidden = 4
window = 6
sequences = 20
batch = 5
epochs = 1
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("reach-metrics")
    (root / "runs.toml").write_text(textwrap.dedent(SPEC))
    specs = {spec.name: spec for spec in load_specs(root / "runs.toml")}
    paths = {name: compute_run(spec, root / "cache", cache_key(spec)) for name, spec in specs.items()}
    lookup = Lookup(specs, lambda spec, kind: load(paths[spec.name] / f"{kind}.json"))
    return lookup, load(paths["rec"] / "horizon.json")


def value(lookup, text):
    (match,) = find_refs(text)
    return lookup.value(ref_of(match), file="content/a/index.md", line=7)


def test_every_reach_metric_is_registered_and_documented():
    for group in REACH_GROUPS:
        assert METRICS[f"horizon.{group}"].index == "snapshot"
        assert all(f"reach.{group}.d{d}" in METRICS for d in REACH_DISTANCES)
    assert "reach.GROUP.dD[SNAPSHOT]" in known() and "reach.hh.d1" not in known()


def test_reach_metrics_are_the_documents_numbers(runs):
    lookup, doc = runs
    distances = len(doc["distance"])
    assert distances == 11 and value(lookup, "rec.horizon.distances") == distances
    assert value(lookup, "rec.horizon.threshold") == 0.05
    for epoch, snap in zip((0, 3), doc["snapshots"], strict=True):
        layer = snap["layers"][0]
        for group, reach in (("ih", layer["ih"]), ("hh", layer["hh"]), ("h", layer["H"]),
                             ("input", snap["connectivity"])):
            expected = distances if reach["horizon"] is None else reach["horizon"]
            assert value(lookup, f"rec.horizon.{group}[{epoch}]") == expected
            for d in (1, 2, 5, 10):
                assert value(lookup, f"rec.reach.{group}.d{d}[{epoch}]") == reach["ratio"]["mean"][d]
        queries = np.asarray(snap["accuracy"], np.float64)[5:]
        assert value(lookup, f"rec.recall.accuracy[{epoch}]") == pytest.approx(queries.mean(), abs=0)


@pytest.mark.parametrize("text, rule, words", [
    ("plain.horizon.hh[1]", "ref-horizon", "run 'plain' exports none"),
    ("plain.reach.hh.d1[1]", "ref-horizon", "exports none"),
    ("rec.horizon.hh[2]", "ref-snapshot", "no snapshot at epoch 2"),
    ("rec.reach.hh.d20[3]", "ref-distance", "distances 0 to 10 only, not 20"),
    ("rec.reach.hh.d3[3]", "ref-metric", "unknown metric 'reach.hh.d3'"),
    ("rec.horizon.hh", "ref-metric", "needs a snapshot"),
    ("plain.recall.accuracy[1]", "ref-horizon", "exports none"),
])
def test_references_the_data_cannot_answer_name_file_line_and_rule(runs, text, rule, words):
    lookup, _ = runs
    with pytest.raises(UnrolledError) as caught:
        value(lookup, text)
    error = caught.value
    assert (error.rule, error.file, error.line) == (rule, "content/a/index.md", 7), str(error)
    assert words in error.message and error.hint, error.message


def test_recall_accuracy_is_for_recall_runs_only(tmp_path):
    (tmp_path / "runs.toml").write_text('[run.c]\ndataset = "abab"\nlayers = 1\nhidden = 4\nwindow = 6\n'
                                        'sequences = 20\nbatch = 5\nepochs = 1\nhorizon = 2\n')
    (spec,) = load_specs(tmp_path / "runs.toml")
    path = compute_run(spec, tmp_path / "cache", cache_key(spec))
    lookup = Lookup({"c": spec}, lambda spec, kind: load(path / f"{kind}.json"))
    with pytest.raises(UnrolledError) as caught:
        value(lookup, "c.recall.accuracy[1]")
    assert caught.value.rule == "ref-kind" and "dataset 'recall' only" in caught.value.message
