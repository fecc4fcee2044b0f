"""Itemized gradients: the fast batched backward against the slow per-step-copy oracle and torch."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from unrolled.precompute.itemized import (
    PARAM_KINDS, TORCH_CELLS, itemized_contributions_sum, itemized_gradients,
    itemized_gradients_reference, model_params, reference_graph,
)
from unrolled.precompute.models import SequenceModel

CELLS = ("rnn", "lstm", "gru")
LOSSES = ("mse", "ce")
T, D, HIDDEN, CLASSES = 6, 2, 3, 4


def make_case(cell: str, layers: int, loss: str, seed: int = 0, steps: int = T):
    """A small model plus one sequence; weights scaled up so gradients stay far from zero."""
    torch.manual_seed(seed)
    model = SequenceModel(cell, D, HIDDEN, layers, 1 if loss == "mse" else CLASSES)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(2.0)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(steps, D))
    y = rng.normal(size=steps) if loss == "mse" else rng.integers(0, CLASSES, size=steps)
    return model, x, y


def per_step_losses(out: torch.Tensor, y, loss: str) -> torch.Tensor:
    """L_t for a (T, O) float64 output, written independently of the library."""
    if loss == "mse":
        return (out[:, 0] - torch.as_tensor(y)) ** 2
    return torch.nn.functional.cross_entropy(out, torch.as_tensor(y), reduction="none")


def all_arrays(result: dict):
    for k, groups in result["G"].items():
        for group, a in groups.items():
            yield f"G[{k}][{group}]", a
    for k, a in result["H"].items():
        yield f"H[{k}]", a


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("layers", (1, 2))
@pytest.mark.parametrize("cell", CELLS)
def test_fast_matches_oracle(cell, layers, loss):
    model, x, y = make_case(cell, layers, loss)
    fast = itemized_gradients(model, x, y, loss)
    slow = itemized_gradients_reference(model, x, y, loss)
    assert set(fast) == {"G", "H"} and set(fast["G"]) == set(fast["H"]) == set(range(layers))
    for k in range(layers):
        assert set(fast["G"][k]) == {"ih", "hh", "all"}
    for (name, a), (_, b) in zip(all_arrays(fast), all_arrays(slow)):
        assert a.dtype == np.float64 and a.shape == (T, T), name
        scale = np.abs(b).max()
        assert scale > 1e-3, name
        assert np.abs(a - b).max() <= 1e-9 * scale, name


@pytest.mark.parametrize("cell", CELLS)
def test_upper_triangle_exactly_zero_and_diagonal_positive(cell):
    model, x, y = make_case(cell, 2, "ce")
    for result in (itemized_gradients(model, x, y, "ce"), itemized_gradients_reference(model, x, y, "ce")):
        for name, a in all_arrays(result):
            assert np.all(np.triu(a, 1) == 0.0), name
            assert np.all(np.tril(a) >= 0.0), name
        for k in range(2):
            assert np.all(np.diag(result["G"][k]["all"]) > 0), k
            assert np.all(np.diag(result["H"][k]) > 0), k


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("layers", (1, 2, 7))
@pytest.mark.parametrize("cell", CELLS)
def test_contributions_sum_to_torch_gradient(cell, layers, loss):
    model, x, y = make_case(cell, layers, loss)
    tied = copy.deepcopy(model).double()
    out = tied(torch.as_tensor(x)[None])[0]
    per_step_losses(out, y, loss).sum().backward()
    summed = itemized_contributions_sum(model, x, y, loss)
    names = [name for name, _ in tied.rnn.named_parameters()]
    assert sorted(summed) == sorted(names) and len(names) == 4 * layers
    for name, p in tied.rnn.named_parameters():
        expected = p.grad.numpy()
        assert summed[name].shape == expected.shape, name
        assert np.abs(summed[name] - expected).max() <= 1e-12 * max(1.0, np.abs(expected).max()), name


@pytest.mark.parametrize("cell", CELLS)
def test_reference_graph_is_the_model(cell):
    """The oracle's unrolled per-step-copy graph computes exactly what the fused module computes."""
    model, x, y = make_case(cell, 2, "mse")
    per_step, copies, states = reference_graph(model, x, y, "mse")
    tied = copy.deepcopy(model).double()
    inputs = torch.as_tensor(x)[None]
    assert torch.allclose(per_step, per_step_losses(tied(inputs)[0], y, "mse"), rtol=0, atol=1e-13)
    assert torch.allclose(torch.cat(states[-1]), tied.rnn(inputs)[0][0], rtol=0, atol=1e-13)
    assert len(copies) == 2 and all(len(layer) == T for layer in copies)
    assert copies[0][0]["weight_hh"] is not copies[0][1]["weight_hh"]


def losses_with_step_override(model, x, y, loss, layer: int, step: int, override: dict) -> np.ndarray:
    """All L_t with `override` replacing layer `layer`'s parameters at step `step` only."""
    params = model_params(model)
    inputs = list(torch.as_tensor(x)[:, None, :])
    for k, p in enumerate(params.layers):
        cell = TORCH_CELLS[params.cell](p.w_ih.shape[1], p.w_hh.shape[1], dtype=torch.float64)
        tied = dict(zip(PARAM_KINDS, map(torch.from_numpy, (p.w_ih, p.w_hh, p.b_ih, p.b_hh))))
        state, outputs = None, []
        for s, u in enumerate(inputs):
            weights = {**tied, **override} if (k, s) == (layer, step) else tied
            state = torch.func.functional_call(cell, weights, (u, state))
            outputs.append(state[0] if isinstance(state, tuple) else state)
        inputs = outputs
    out = torch.cat(inputs) @ torch.from_numpy(params.head_w).T + torch.from_numpy(params.head_b)
    return per_step_losses(out, y, loss).numpy()


@pytest.mark.parametrize("cell", CELLS)
def test_finite_differences_on_one_untied_step_copy(cell):
    """Central differences on every entry of layer 0's step-1 copy reproduce G[0][·][t, 1] for all t."""
    layer, step, eps = 0, 1, 1e-6
    model, x, y = make_case(cell, 2, "ce")
    lower = model_params(model).layers[layer]
    base = {kind: torch.from_numpy(a) for kind, a in zip(PARAM_KINDS, (lower.w_ih, lower.w_hh, lower.b_ih, lower.b_hh))}
    sq = {kind: np.zeros(T) for kind in PARAM_KINDS}
    for kind, value in base.items():
        for index in np.ndindex(*value.shape):
            moved = []
            for sign in (1.0, -1.0):
                bumped = value.clone()
                bumped[index] += sign * eps
                moved.append(losses_with_step_override(model, x, y, "ce", layer, step, {kind: bumped}))
            sq[kind] += ((moved[0] - moved[1]) / (2 * eps)) ** 2
    fd = {"ih": np.sqrt(sq["weight_ih"]), "hh": np.sqrt(sq["weight_hh"]), "all": np.sqrt(sum(sq.values()))}
    fast = itemized_gradients(model, x, y, "ce")["G"][layer]
    for group, column in fd.items():
        assert np.all(column[:step] < 1e-8), group
        assert np.abs(fast[group][:, step] - column).max() <= 1e-7 * column.max(), group


def test_caller_model_is_untouched():
    model, x, y = make_case("lstm", 2, "mse")
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    itemized_gradients(model, torch.as_tensor(x, dtype=torch.float32), y, "mse")
    for name, p in model.named_parameters():
        assert p.dtype == torch.float32 and p.grad is None and torch.equal(p, before[name]), name


def test_mse_accepts_column_targets():
    model, x, y = make_case("gru", 1, "mse")
    flat = itemized_gradients(model, x, y, "mse")
    column = itemized_gradients(model, x, y[:, None], "mse")
    assert np.array_equal(flat["G"][0]["all"], column["G"][0]["all"])


@pytest.mark.parametrize("bad", [
    {"loss": "l1"},
    {"x": np.zeros((T, D + 1))},
    {"y": np.zeros(T - 1)},
    {"loss": "ce", "y": np.zeros(T)},
])
def test_bad_arguments_are_refused(bad):
    model, x, y = make_case("rnn", 1, "mse")
    args = {"x": x, "y": y, "loss": "mse", **bad}
    with pytest.raises(ValueError):
        itemized_gradients(model, args["x"], args["y"], args["loss"])
