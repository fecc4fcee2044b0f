"""Per-layer sizes (`hidden = [64, 32]`): a stack torch's multi-layer modules cannot express, with the
same parameter names, exact itemized gradients against the per-step-copy oracle, and spec errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from unrolled.precompute.errors import SpecError
from unrolled.precompute.itemized import itemized_contributions_sum, itemized_gradients, itemized_gradients_reference
from unrolled.precompute.models import SequenceModel
from unrolled.precompute.spec import load_specs

T, D = 7, 2


def case(cell: str, sizes, loss: str, seed: int = 1):
    torch.manual_seed(seed)
    model = SequenceModel(cell, D, sizes, len(sizes), 1 if loss == "mse" else 3)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(2.0)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(T, D))
    y = rng.normal(size=T) if loss == "mse" else rng.integers(0, 3, size=T)
    return model, x, y


@pytest.mark.parametrize("loss", ("mse", "ce"))
@pytest.mark.parametrize("cell", ("rnn", "lstm", "gru"))
def test_fast_itemized_matches_oracle_with_layer_sizes(cell, loss):
    model, x, y = case(cell, [5, 3, 4], loss)
    fast, slow = itemized_gradients(model, x, y, loss), itemized_gradients_reference(model, x, y, loss)
    for k in range(3):
        for a, b in [(fast["G"][k][g], slow["G"][k][g]) for g in ("ih", "hh", "all")] + [(fast["H"][k], slow["H"][k])]:
            assert a.shape == (T, T) and np.abs(b).max() > 1e-3
            assert np.abs(a - b).max() <= 1e-9 * np.abs(b).max()


@pytest.mark.parametrize("cell", ("rnn", "lstm", "gru"))
def test_contributions_sum_to_torch_gradient_with_layer_sizes(cell):
    model, x, y = case(cell, [6, 2], "ce")
    double = SequenceModel(*model.config).double()
    double.load_state_dict(model.state_dict())
    out = double(torch.as_tensor(x)[None])[0]
    torch.nn.functional.cross_entropy(out, torch.as_tensor(y), reduction="sum").backward()
    sums = itemized_contributions_sum(model, x, y, "ce")
    for name, value in sums.items():
        expected = getattr(double.rnn, name).grad.numpy()
        assert value.shape == expected.shape
        np.testing.assert_allclose(value, expected, rtol=1e-10, atol=1e-12)


def test_stack_has_torchs_names_and_equal_sizes_are_torchs_own_module():
    model, _, _ = case("lstm", [5, 3], "mse")
    assert list(model.state_dict()) == [f"rnn.{k}_l{n}" for n in range(2)
                                        for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")] + ["head.weight", "head.bias"]
    assert model.state_dict()["rnn.weight_hh_l1"].shape == (12, 3)
    torch.manual_seed(3)
    listed = SequenceModel("gru", D, [4, 4], 2, 1)
    torch.manual_seed(3)
    plain = SequenceModel("gru", D, 4, 2, 1)
    assert type(listed.rnn) is torch.nn.GRU
    assert all(torch.equal(a, b) for a, b in zip(listed.state_dict().values(), plain.state_dict().values()))


def test_stack_follows_dtype_and_carries_state_like_torch():
    model, x, _ = case("lstm", [5, 3], "mse")
    model = model.double()
    inputs = torch.as_tensor(x)[None]
    whole, _ = model.rnn(inputs)
    first, carry = model.rnn(inputs[:, :4])
    rest, _ = model.rnn(inputs[:, 4:], carry)
    assert whole.dtype == torch.float64
    torch.testing.assert_close(torch.cat([first, rest], 1), whole, rtol=0, atol=1e-14)


def spec_file(tmp_path, body: str):
    path = tmp_path / "runs.toml"
    path.write_text('[run.a]\ndataset = "sine"\n' + body)
    return path


def test_spec_accepts_a_list_of_sizes_and_sets_layers(tmp_path):
    (spec,) = load_specs(spec_file(tmp_path, "hidden = [64, 32]\n"))
    assert spec.hidden == [64, 32] and spec.layers == 2


@pytest.mark.parametrize("body, rule, line", [
    ("hidden = [64, 32]\nlayers = 2\n", "spec-invalid", 4),
    ("hidden = []\n", "spec-range", 3),
    ("hidden = [64, 0]\n", "spec-range", 3),
    ("hidden = [64, 1.5]\n", "spec-type", 3),
])
def test_spec_refuses_bad_size_lists(tmp_path, body, rule, line):
    with pytest.raises(SpecError) as caught:
        load_specs(spec_file(tmp_path, body))
    assert (caught.value.rule, caught.value.line) == (rule, line)
    assert caught.value.hint


def test_sweep_over_size_lists_names_runs_by_sizes(tmp_path):
    path = tmp_path / "runs.toml"
    path.write_text('[sweep.s]\ndataset = "sine"\n[sweep.s.grid]\nhidden = [[8, 4], 6]\n')
    assert [(s.name, s.layers) for s in load_specs(path)] == [("s-hidden8x4", 2), ("s-hidden6", 3)]


def test_precompute_exports_a_stack_of_sizes(tmp_path):
    from unrolled.precompute.documents import load
    from unrolled.precompute.runner import precompute

    path = tmp_path / "runs.toml"
    path.write_text('[run.a]\ndataset = "sine"\ncell = "gru"\nhidden = [5, 3]\nwindow = 6\nsequences = 25\n'
                    "epochs = 2\n")
    (outcome,) = precompute(load_specs(path), tmp_path / "cache", show_progress=False)
    assert outcome.status == "done", outcome.error
    run, weights, preds, items, trace = (load(outcome.path / f"{k}.json") for k in (
        "run", "weights", "predictions", "itemized-gradients", "cell-trace"))
    assert (run["task"]["hidden"], run["task"]["layers"]) == ([5, 3], 2)
    state = weights["snapshots"][-1]["state_dict"]
    assert state["rnn.weight_hh_l0"].shape == (15, 5) and state["rnn.weight_ih_l1"].shape == (9, 5)
    assert len(preds["snapshots"][-1]["rollout"]["prediction"]) == 32
    layers = items["snapshots"][-1]["sequences"][0]["layers"]
    assert [layer["hh"].shape for layer in layers] == [(6, 6), (6, 6)]
    assert [layer["h"].shape for layer in trace["snapshots"][-1]["sequences"][0]["layers"]] == [(6, 5), (6, 3)]


def test_network_grid_refuses_a_stack_of_sizes(tmp_path):
    from unrolled.generator.build import build
    from unrolled.generator.config import load_project
    from unrolled.precompute.errors import UnrolledError

    home = tmp_path / "content" / "a"
    home.mkdir(parents=True)
    (home / "runs.toml").write_text('[run.s]\ndataset = "sine"\nhidden = [4, 2]\nwindow = 5\nsequences = 25\n'
                                    "epochs = 1\ntrace = 0\n")
    (home / "index.md").write_text("---\ntitle: A\nruns: runs.toml\n---\n\n```{network}\nruns: s\n```\n")
    with pytest.raises(UnrolledError) as caught:
        build(load_project(tmp_path), show_progress=False)
    assert (caught.value.rule, caught.value.line) == ("ref-grid", 7)
    assert "layers of different sizes" in caught.value.message and caught.value.hint
    assert not (tmp_path / "_site").exists()


def test_inline_value_of_a_list_of_sizes_is_a_clear_error(tmp_path):
    from unrolled.generator.build import build
    from unrolled.generator.config import load_project
    from unrolled.precompute.errors import UnrolledError

    home = tmp_path / "content" / "a"
    home.mkdir(parents=True)
    (home / "runs.toml").write_text('[run.s]\ndataset = "sine"\nhidden = [4, 2]\nwindow = 5\nsequences = 25\n'
                                    "epochs = 1\ntrace = 0\n")
    (home / "index.md").write_text("---\ntitle: A\nruns: runs.toml\n---\n\n{val}`s.spec.layers` layers of "
                                   "{val}`s.spec.hidden` units.\n")
    with pytest.raises(UnrolledError) as caught:
        build(load_project(tmp_path), show_progress=False)
    assert (caught.value.rule, caught.value.line) == ("ref-kind", 6)
    assert "is a list, [4, 2]" in caught.value.message and caught.value.hint
