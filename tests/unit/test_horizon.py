"""Reach statistics: the batched walk against the per-sequence path and torch autograd, the distance
statistics against a direct loop over pairs, and the horizon document against the itemized one."""
from __future__ import annotations

import copy
import textwrap

import numpy as np
import pytest
import torch

from unrolled.precompute.cache import cache_key
from unrolled.precompute.documents import dumps, load
from unrolled.precompute.horizon import distance_stats, reach
from unrolled.precompute.itemized import (
    connectivity_batch, itemized_gradients, itemized_gradients_batch, itemized_gradients_reference,
)
from unrolled.precompute.models import SequenceModel
from unrolled.precompute.runner import compute_run
from unrolled.precompute.spec import load_specs

CELLS = ("rnn", "lstm", "gru")
T, D, HIDDEN, CLASSES, N = 6, 3, 4, 5, 3


def make_batch(cell: str, layers: int, loss: str, seed: int = 0):
    torch.manual_seed(seed)
    model = SequenceModel(cell, D, HIDDEN, layers, 1 if loss == "mse" else CLASSES)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(2.0)
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(N, T, D))
    ys = rng.normal(size=(N, T)) if loss == "mse" else rng.integers(0, CLASSES, size=(N, T))
    return model, xs, ys


@pytest.mark.parametrize("loss", ("mse", "ce"))
@pytest.mark.parametrize("layers", (1, 2))
@pytest.mark.parametrize("cell", CELLS)
def test_batched_walk_equals_the_oracle_per_sequence(cell, layers, loss):
    model, xs, ys = make_batch(cell, layers, loss)
    batch = itemized_gradients_batch(model, xs, ys, loss)
    for n in range(N):
        slow = itemized_gradients_reference(model, xs[n], ys[n], loss)
        single = itemized_gradients(model, xs[n], ys[n], loss)
        for k in range(layers):
            pairs = [(batch["G"][k][g][n], slow["G"][k][g], single["G"][k][g]) for g in ("ih", "hh", "all")]
            for fast, ref, one in pairs + [(batch["H"][k][n], slow["H"][k], single["H"][k])]:
                assert np.abs(fast - ref).max() <= 1e-9 * np.abs(ref).max()
                assert np.abs(fast - one).max() <= 1e-13 * np.abs(one).max()  # matmuls batch differently


@pytest.mark.parametrize("loss", ("mse", "ce"))
@pytest.mark.parametrize("layers", (1, 2))
@pytest.mark.parametrize("cell", CELLS)
def test_connectivity_matches_torch_autograd(cell, layers, loss):
    """‖∂ŷ_t/∂x_s‖ read off torch's own graph: one autograd call per output, w.r.t. every input."""
    model, xs, ys = make_batch(cell, layers, loss)
    fast = connectivity_batch(model, xs, ys, loss)
    tied = copy.deepcopy(model).double()
    for n in range(N):
        x = torch.tensor(xs[n][None], requires_grad=True)
        out = tied(x)[0]
        for t in range(T):
            picked = out[t, int(ys[n, t])] if loss == "ce" else out[t, 0]
            (grad,) = torch.autograd.grad(picked, x, retain_graph=True)
            expected = grad[0].norm(dim=1).numpy()
            assert np.all(expected[t + 1:] == 0.0)
            assert np.abs(fast[n, t] - expected).max() <= 1e-12 * max(1.0, expected.max()), (n, t)


def test_distance_stats_match_a_loop_over_pairs():
    rng = np.random.default_rng(4)
    x = np.tril(rng.uniform(0.1, 2.0, size=(N, T, T)))
    for skip in (False, True):
        stats = distance_stats(x, 0.5, skip_first_step=skip)
        for d in range(T - 1):
            ratios = [x[n, t, t - d] / x[n, t, t] for n in range(N) for t in range(d, T) if t - d >= int(skip)]
            values = [x[n, t, t - d] for n in range(N) for t in range(d, T) if t - d >= int(skip)]
            assert stats["ratio"]["mean"][d] == pytest.approx(np.mean(ratios), rel=1e-14)
            assert stats["value"]["mean"][d] == pytest.approx(np.mean(values), rel=1e-14)
            assert stats["ratio"]["p10"][d] == pytest.approx(np.percentile(ratios, 10), rel=1e-14)
            assert stats["ratio"]["p90"][d] == pytest.approx(np.percentile(ratios, 90), rel=1e-14)
        below = [d for d in range(T - 1) if stats["ratio"]["mean"][d] < 0.5]
        assert stats["horizon"] == (below[0] if below else None)
    assert distance_stats(x, 1e-9)["horizon"] is None
    assert distance_stats(x, 1.0 + 1e-9)["horizon"] == 0  # the ratio at d = 0 is 1 by definition


def test_recurrent_weights_skip_the_zero_state_step():
    """G_hh[t, 0] = 0 exactly (h_{-1} = 0): reach leaves those pairs out rather than report a fade."""
    model, xs, ys = make_batch("gru", 2, "ce")
    grads = itemized_gradients_batch(model, xs, ys, "ce")
    assert np.all(grads["G"][0]["hh"][:, :, 0] == 0.0)
    result = reach(model, xs, ys, "ce", 0.01)
    assert np.all(result["layers"][0]["hh"]["ratio"]["p10"] > 0.0)
    assert len(result["layers"]) == 2 and result["connectivity"]["ratio"]["mean"][0] == 1.0


SPEC = """
[run.rec-gru]
dataset = "recall"
cell = "gru"
layers = 2
hidden = 8
window = 12
delay = 5
symbols = 3
optimizer = "adam"
lr = 0.02
sequences = 64
batch = 32
epochs = 4
snapshots = [0, 4]
trace = 3
horizon = 3
horizon_threshold = 0.05
"""


@pytest.fixture(scope="module")
def horizon_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("horizon")
    (spec,) = load_specs(_write(root / "runs.toml", SPEC))
    path = compute_run(spec, root / "cache", cache_key(spec))
    return spec, path


def _write(path, text):
    path.write_text(textwrap.dedent(text))
    return path


def test_horizon_document_agrees_with_the_itemized_document(horizon_run):
    """With trace = horizon, the statistics recomputed from the itemized document's own matrices."""
    spec, path = horizon_run
    horizon, itemized = load(path / "horizon.json"), load(path / "itemized-gradients.json")
    assert horizon["distance"].tolist() == list(range(spec.trace_window - 1))
    for h_snap, i_snap in zip(horizon["snapshots"], itemized["snapshots"], strict=True):
        assert h_snap["epoch"] == i_snap["epoch"]
        seqs = i_snap["sequences"]
        np.testing.assert_array_equal(horizon["sequences"]["input"], [s["input"] for s in seqs])
        np.testing.assert_array_equal(horizon["sequences"]["target"], [s["target"] for s in seqs])
        np.testing.assert_allclose(h_snap["loss"], np.mean([s["loss"] for s in seqs], axis=0), rtol=1e-12)
        for k in range(spec.layers):
            for group in ("ih", "hh", "H"):
                stacked = np.stack([s["layers"][k][group] for s in seqs])
                expected = distance_stats(stacked, spec.horizon_threshold, skip_first_step=group == "hh")
                got = h_snap["layers"][k][group]
                assert got["horizon"] == expected["horizon"]
                for part in ("ratio", "value"):
                    for stat in ("mean", "p10", "p90"):  # one walk for N sequences vs N walks: last bits
                        np.testing.assert_allclose(got[part][stat], expected[part][stat], rtol=1e-11, atol=0)


def test_horizon_document_is_byte_identical_when_recomputed(horizon_run, tmp_path):
    spec, path = horizon_run
    again = compute_run(spec, tmp_path / "cache", cache_key(spec))
    assert (again / "horizon.json").read_bytes() == (path / "horizon.json").read_bytes()
    doc = load(path / "horizon.json", decode=False)
    assert dumps(doc) == (path / "horizon.json").read_bytes()
    assert doc["threshold"] == 0.05 and doc["vocab"][-2:] == ["?", "_"]


def test_numpy_header_runs_validate_and_trace_on_held_out_text(tmp_path):
    """Validation windows, the plotted window and every traced sequence come from held-out blocks."""
    from unrolled.precompute.exports import held_out_sequences
    from unrolled.precompute.tasks import make_task
    from unrolled.precompute.train import seeded_rng

    (spec,) = load_specs(_write(tmp_path / "runs.toml", """
        [run.c]
        dataset = "numpy-headers"
        window = 40
        horizon = 16
        """))
    task = make_task(spec)
    corpus = task.corpus
    held = "".join(ch for ch, out in zip(corpus.text, corpus.held_out) if out)
    xs, ys = held_out_sequences(spec, task, spec.horizon)
    window = task.validation_window(seeded_rng(spec, 2), spec.window)
    validation = task.held_out(seeded_rng(spec, 1), 8, spec.window)
    for x, y in [*zip(xs, ys), (window["inputs"], window["targets"]), *zip(*validation)]:
        text = corpus.decode(x.argmax(-1)) + corpus.vocab[y[-1]]
        assert text in held
    train_x, train_y = task.epoch(seeded_rng(spec, 0), 8, spec.window)
    kept = "".join(ch for ch, out in zip(corpus.text, corpus.held_out) if not out)
    assert all(corpus.decode(x.argmax(-1)) in kept for x in train_x)
