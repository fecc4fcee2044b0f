"""Precompute trains real torch models and writes valid, reproducible, cached documents."""
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from unrolled.precompute.cache import entry_dir
from unrolled.precompute.documents import load
from unrolled.precompute.runner import precompute
from unrolled.precompute.spec import load_specs
from tests.conftest import ROOT

SLICE = ROOT / "tests" / "fixtures" / "slice" / "content" / "slice" / "runs.toml"


@pytest.fixture(scope="module")
def slice_run(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    (spec,) = [s for s in load_specs(SLICE) if s.name == "sine-lstm"]
    (outcome,) = precompute([spec], cache, show_progress=False)
    assert outcome.status == "done", outcome.error
    return spec, cache, outcome.path


def test_documents_are_valid_and_show_learning(slice_run):
    spec, _, path = slice_run
    run, preds, weights = (load(path / f"{k}.json") for k in ("run", "predictions", "weights"))
    assert run["schema"] == "unrolled.run/2" and run["snapshots"] == [0, 20]
    assert len(run["loss"]["train"]) == len(run["loss"]["validation"]) == 21
    assert run["loss"]["validation"][-1] < 0.2 * run["loss"]["validation"][0]
    first, last = preds["snapshots"]
    assert (first["epoch"], last["epoch"]) == (0, 20)
    assert np.mean(last["error"] ** 2) < 0.2 * np.mean(first["error"] ** 2)
    np.testing.assert_allclose(last["error"], last["prediction"] - last["target"], atol=1e-6)
    assert len(last["input"]) == 15 and len(last["rollout"]["prediction"]) == 32
    names = set(weights["snapshots"][0]["state_dict"])
    assert names == {"rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                     "head.weight", "head.bias"}
    assert weights["snapshots"][0]["state_dict"]["rnn.weight_ih_l0"].shape == (64, 1)
    assert run["provenance"]["versions"]["torch"].startswith("2.13.0")


def test_targets_are_the_next_values_of_the_sine(slice_run):
    _, _, path = slice_run
    preds = load(path / "predictions.json")
    start, step = preds["x"]["start"], preds["x"]["step"]
    snap = preds["snapshots"][0]
    xs = start + step * np.arange(1, 16)
    np.testing.assert_allclose(snap["target"], np.sin(xs), atol=1e-6)
    np.testing.assert_allclose(snap["rollout"]["target"], np.sin(start + step * np.arange(16, 48)), atol=1e-6)


def test_same_spec_and_seed_give_identical_bytes(slice_run, tmp_path):
    spec, _, path = slice_run
    (again,) = precompute([spec], tmp_path, force=True, show_progress=False)
    for kind in ("run", "predictions", "weights"):
        assert (again.path / f"{kind}.json").read_bytes() == (path / f"{kind}.json").read_bytes()


def test_current_cache_means_no_work(slice_run):
    spec, cache, path = slice_run
    stamp = (path / "run.json").stat().st_mtime_ns
    (outcome,) = precompute([spec], cache, show_progress=False)
    assert outcome.status == "cached" and (path / "run.json").stat().st_mtime_ns == stamp


def test_source_date_epoch_sets_creation_time(tmp_path, monkeypatch):
    from unrolled.precompute.documents import created_at

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert created_at() == "2023-11-14T22:13:20Z"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert created_at() is None


def small_spec(tmp_path, epochs):
    path = tmp_path / "runs.toml"
    path.write_text(f'[run.tiny]\ndataset = "square"\ncell = "gru"\nlayers = 1\nhidden = 4\nsequences = 25\n'
                    f'batch = 25\nepochs = {epochs}\n')
    return path


def wait_for_epochs(proc, name: str, count: int, deadline: float = 240.0) -> None:
    """Read the run's progress bar (stderr) until it has trained `count` epochs."""
    seen, start = b"", time.monotonic()
    while time.monotonic() - start < deadline:
        chunk = os.read(proc.stderr.fileno(), 4096)
        if not chunk:
            raise AssertionError(f"precompute ended before epoch {count}: {seen[-500:]!r}")
        seen += chunk
        done = [int(n) for n in re.findall(rb"%s:.*?\| *(\d+)/" % name.encode(), seen)]
        if done and max(done) >= count:
            return
    raise AssertionError(f"no progress to epoch {count} in {deadline} s")


def test_killed_run_leaves_nothing_corrupt_and_next_run_completes(tmp_path):
    spec_file = small_spec(tmp_path, 2000)
    cache_root = tmp_path / ".cache" / "precompute"
    cmd = [sys.executable, "-m", "unrolled.generator", "--project", str(tmp_path), "precompute", str(spec_file), "--jobs", "1"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "site" / "py")])}
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for_epochs(proc, "tiny", 20)  # killed in the middle of training, far from its last epoch
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    (spec,) = load_specs(spec_file)
    assert proc.returncode == -signal.SIGKILL
    assert not (entry_dir(cache_root, spec) / "run.json").exists()
    # a crash while writing leaves a private temp dir behind: simulate one from a dead process
    run_dir = entry_dir(cache_root, spec).parent
    orphan = run_dir / ".tmp-0000-999999"
    orphan.mkdir(parents=True)
    (orphan / "run.json").write_text('{"trunc')
    done = subprocess.run(cmd + ["--quiet"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    (final,) = [p for p in run_dir.iterdir() if not p.name.startswith(".")]
    assert load(final / "run.json")["run"] == "tiny"
    assert sorted(p.name for p in final.iterdir()) == ["cell-trace.json", "itemized-gradients.json", "predictions.json",
                                                     "run.json", "weights.json"]
    assert not orphan.exists()


@pytest.mark.parametrize("edit, words", [
    (('dataset = "square"', 'dataset = "triangle"'), "runs.toml:2: error[spec-choice]"),
    (('hidden = 4', 'hidden = 4\nlr = -1'), "runs.toml:6: error[spec-range]"),
    (('dataset = "square"\n', ''), "runs.toml:1: error[spec-missing-key]"),
])
def test_cli_bad_spec_exits_non_zero_and_writes_nothing(tmp_path, edit, words):
    spec_file = small_spec(tmp_path, 1)
    spec_file.write_text(spec_file.read_text().replace(*edit))
    result = subprocess.run([sys.executable, "-m", "unrolled.generator", "--project", str(tmp_path), "precompute",
                             str(spec_file)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert words in result.stderr and "hint:" in result.stderr
    assert not (tmp_path / ".cache").exists()


def model_from_weights(path, epoch):
    """Rebuild the run's model from its exported `weights` document alone."""
    import torch

    from unrolled.precompute.models import SequenceModel

    run, weights = load(path / "run.json"), load(path / "weights.json")
    task = run["task"]
    (snap,) = [s for s in weights["snapshots"] if s["epoch"] == epoch]
    model = SequenceModel(task["cell"], task["input_size"], task["hidden"], task["layers"], task["output_size"])
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in snap["state_dict"].items()})
    return model.double()


def test_cell_trace_matches_textbook_equations_and_torch(slice_run):
    import torch

    _, _, path = slice_run
    trace = load(path / "cell-trace.json")
    assert trace["cell"] == "lstm" and [s["epoch"] for s in trace["snapshots"]] == [0, 20]
    for snap in trace["snapshots"]:
        (seq,) = snap["sequences"]
        (layer,) = seq["layers"]
        sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
        np.testing.assert_allclose(layer["i"], sig(layer["pre_i"]), atol=1e-12)
        np.testing.assert_allclose(layer["g"], np.tanh(layer["pre_g"]), atol=1e-12)
        c = layer["f"] * layer["c_prev"] + layer["i"] * layer["g"]
        np.testing.assert_allclose(layer["c"], c, atol=1e-12)
        np.testing.assert_allclose(layer["h"], layer["o"] * np.tanh(c), atol=1e-12)
        np.testing.assert_array_equal(layer["h_prev"][1:], layer["h"][:-1])
        model = model_from_weights(path, snap["epoch"])
        with torch.no_grad():
            states, _ = model.rnn(torch.from_numpy(seq["input"].astype(np.float64))[None, :, None])
            out = model.head(states)
        np.testing.assert_allclose(layer["h"], states[0].numpy(), atol=1e-12)
        np.testing.assert_allclose(seq["output"], out[0].numpy(), atol=1e-12)
        np.testing.assert_allclose(seq["loss"], (out[0, :, 0].numpy() - seq["target"]) ** 2, atol=1e-6)


def test_itemized_document_is_reproducible_from_exported_weights(slice_run):
    from unrolled.precompute.itemized import itemized_gradients

    _, _, path = slice_run
    doc = load(path / "itemized-gradients.json")
    for snap in doc["snapshots"]:
        (seq,) = snap["sequences"]
        (layer,) = seq["layers"]
        T = len(seq["input"])
        assert layer["all"].shape == (T, T) and layer["all"].dtype == np.float64
        assert np.all(np.triu(layer["all"], 1) == 0) and np.all(np.diag(layer["all"]) > 0)
        again = itemized_gradients(model_from_weights(path, snap["epoch"]), seq["input"].astype(np.float64)[:, None],
                                   seq["target"].astype(np.float64), "mse")
        for group in ("ih", "hh", "all"):
            np.testing.assert_allclose(layer[group], again["G"][0][group], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(layer["H"], again["H"][0], rtol=1e-12, atol=1e-15)


def test_text_run_traces_the_chosen_snippet(tmp_path):
    spec_file = tmp_path / "runs.toml"
    snippet = "for (i = 0; i < n; i++) {"
    spec_file.write_text(f'[run.c]\ndataset = "c-code"\ncell = "gru"\nlayers = 1\nhidden = 8\nwindow = 20\n'
                         f'sequences = 25\nbatch = 25\nepochs = 2\ntrace_text = "{snippet}"\n')
    (spec,) = load_specs(spec_file)
    (outcome,) = precompute([spec], tmp_path / "cache", show_progress=False)
    assert outcome.status == "done", outcome.error
    run = load(outcome.path / "run.json")
    vocab = run["task"]["vocab"]
    grads = load(outcome.path / "itemized-gradients.json")
    (seq,) = grads["snapshots"][-1]["sequences"]
    assert "".join(vocab[i] for i in seq["input"]) == snippet[:-1]
    assert "".join(vocab[i] for i in seq["target"]) == snippet[1:]
    assert seq["layers"][0]["all"].shape == (len(snippet) - 1,) * 2
    preds = load(outcome.path / "predictions.json")
    assert preds["kind"] == "text" and preds["snapshots"][0]["prediction"].dtype == np.int32


def test_trace_text_outside_the_corpus_is_a_spec_error(tmp_path):
    spec_file = tmp_path / "runs.toml"
    spec_file.write_text('[run.a]\ndataset = "abab"\nlayers = 1\nhidden = 4\nepochs = 1\nsequences = 25\n'
                         'trace_text = "abc"\n')
    (spec,) = load_specs(spec_file)
    (outcome,) = precompute([spec], tmp_path / "cache", show_progress=False)
    assert outcome.status == "failed" and "spec-trace-text" in outcome.error and "'c'" in outcome.error


def test_parallel_jobs_match_serial_bytes(tmp_path):
    spec_file = tmp_path / "runs.toml"
    spec_file.write_text("".join(f'[run.r{i}]\ndataset = "sawtooth"\ncell = "rnn"\nlayers = 1\nhidden = 4\n'
                                 f'sequences = 25\nepochs = 2\nseed = {i}\n\n' for i in range(3)))
    specs = load_specs(spec_file)
    serial = precompute(specs, tmp_path / "serial", jobs=1, show_progress=False)
    parallel = precompute(specs, tmp_path / "parallel", jobs=2, show_progress=False)
    assert [o.status for o in parallel] == ["done"] * 3, [o.error for o in parallel]
    for a, b in zip(serial, parallel):
        for kind in ("run", "weights", "itemized-gradients", "cell-trace"):
            assert (a.path / f"{kind}.json").read_bytes() == (b.path / f"{kind}.json").read_bytes()
