"""Cell traces: forward values against torch's modules and textbook equations, backward against autograd."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from unrolled.precompute.celltrace import cell_trace
from tests.unit.test_itemized import T, make_case  # the same small cases

CELLS = ("rnn", "lstm", "gru")
FORWARD_KEYS = {
    "rnn": {"x", "h_prev", "pre", "h"},
    "lstm": {"x", "h_prev", "c_prev", "pre_i", "pre_f", "pre_g", "pre_o", "i", "f", "g", "o", "c", "h"},
    "gru": {"x", "h_prev", "pre_r", "pre_z", "pre_n", "gi_n", "gh_n", "r", "z", "n", "h"},
}
BACKWARD_KEYS = {
    "rnn": {"dh", "d_pre"},
    "lstm": {"dh", "dc", "d_pre_i", "d_pre_f", "d_pre_g", "d_pre_o"},
    "gru": {"dh", "d_pre_r", "d_pre_z", "d_pre_n", "d_gh_n"},
}


def weights(model, k: int) -> dict[str, np.ndarray]:
    """Layer k's tied parameters as float64 numpy, under torch's own names without the suffix."""
    return {kind: getattr(model.rnn, f"{kind}_l{k}").detach().double().numpy()
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}


def sigmoid(a):
    return torch.sigmoid(torch.as_tensor(a)).numpy()


def cases():
    return [(cell, layers, loss) for cell in CELLS for layers in (1, 2) for loss in ("mse", "ce")]


@pytest.mark.parametrize("cell,layers,loss", cases())
def test_keys_shapes_and_plumbing(cell, layers, loss):
    model, x, y = make_case(cell, layers, loss, seed=1)
    trace = cell_trace(model, x, y, loss)
    assert len(trace) == layers
    for k, layer in enumerate(trace):
        assert set(layer) == FORWARD_KEYS[cell] | BACKWARD_KEYS[cell]
        for key, a in layer.items():
            assert a.dtype == np.float64 and a.shape[0] == T, key
        np.testing.assert_array_equal(layer["x"], x if k == 0 else trace[k - 1]["h"])
        assert np.all(layer["h_prev"][0] == 0) and np.array_equal(layer["h_prev"][1:], layer["h"][:-1])
        if cell == "lstm":
            assert np.all(layer["c_prev"][0] == 0) and np.array_equal(layer["c_prev"][1:], layer["c"][:-1])


@pytest.mark.parametrize("cell,layers,loss", cases())
def test_forward_rederived_from_gates_matches_torch(cell, layers, loss):
    """Textbook equations on the traced gates give back h (and c), which equal torch's module."""
    model, x, y = make_case(cell, layers, loss, seed=1)
    trace = cell_trace(model, x, y, loss)
    tied = copy.deepcopy(model).double()
    states, final = tied.rnn(torch.as_tensor(x)[None])
    np.testing.assert_allclose(trace[-1]["h"], states[0].detach().numpy(), rtol=0, atol=1e-12)
    h_final = (final[0] if cell == "lstm" else final)[:, 0].detach().numpy()
    for k, tr in enumerate(trace):
        np.testing.assert_allclose(tr["h"][-1], h_final[k], rtol=0, atol=1e-12)
        w = weights(model, k)
        pre = tr["x"] @ w["weight_ih"].T + w["bias_ih"] + tr["h_prev"] @ w["weight_hh"].T + w["bias_hh"]
        if cell == "rnn":
            np.testing.assert_allclose(tr["pre"], pre, rtol=0, atol=1e-12)
            np.testing.assert_allclose(tr["h"], np.tanh(tr["pre"]), rtol=0, atol=1e-15)
        elif cell == "lstm":
            for gate, block in zip("ifgo", np.split(pre, 4, axis=1)):
                np.testing.assert_allclose(tr["pre_" + gate], block, rtol=0, atol=1e-12)
                act = np.tanh(block) if gate == "g" else sigmoid(tr["pre_" + gate])
                np.testing.assert_allclose(tr[gate], act, rtol=0, atol=1e-15)
            c = tr["f"] * tr["c_prev"] + tr["i"] * tr["g"]
            np.testing.assert_allclose(tr["c"], c, rtol=0, atol=1e-12)
            np.testing.assert_allclose(tr["h"], tr["o"] * np.tanh(c), rtol=0, atol=1e-12)
        else:
            gi = np.split(tr["x"] @ w["weight_ih"].T + w["bias_ih"], 3, axis=1)
            gh = np.split(tr["h_prev"] @ w["weight_hh"].T + w["bias_hh"], 3, axis=1)
            for gate, i_part, h_part in zip("rz", gi, gh):
                np.testing.assert_allclose(tr["pre_" + gate], i_part + h_part, rtol=0, atol=1e-12)
                np.testing.assert_allclose(tr[gate], sigmoid(tr["pre_" + gate]), rtol=0, atol=1e-15)
            np.testing.assert_allclose(tr["gi_n"], gi[2], rtol=0, atol=1e-12)
            np.testing.assert_allclose(tr["gh_n"], gh[2], rtol=0, atol=1e-12)
            np.testing.assert_allclose(tr["pre_n"], tr["gi_n"] + tr["r"] * tr["gh_n"], rtol=0, atol=1e-12)
            np.testing.assert_allclose(tr["n"], np.tanh(tr["pre_n"]), rtol=0, atol=1e-15)
            h = (1 - tr["z"]) * tr["n"] + tr["z"] * tr["h_prev"]
            np.testing.assert_allclose(tr["h"], h, rtol=0, atol=1e-12)


def explicit_loop(model, x, cell: str):
    """Textbook cell loop on tied float64 parameters, keeping every gate input for autograd."""
    tied = copy.deepcopy(model).double()
    inputs, layers = list(torch.as_tensor(x)), []
    for k in range(tied.rnn.num_layers):
        w_ih, w_hh, b_ih, b_hh = (getattr(tied.rnn, f"{kind}_l{k}")
                                  for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
        hidden = w_hh.shape[1]
        h = c = torch.zeros(hidden, dtype=torch.float64)
        steps = []
        for u in inputs:
            gi, gh = w_ih @ u + b_ih, w_hh @ h + b_hh
            if cell == "rnn":
                step = {"pre": gi + gh}
                h = torch.tanh(step["pre"])
            elif cell == "lstm":
                step = {"pre_" + g: (gi + gh)[j * hidden:(j + 1) * hidden] for j, g in enumerate("ifgo")}
                i, f, o = (torch.sigmoid(step["pre_" + g]) for g in "ifo")
                c = f * c + i * torch.tanh(step["pre_g"])
                step["c"] = c
                h = o * torch.tanh(c)
            else:
                step = {"pre_" + g: gi[j * hidden:(j + 1) * hidden] + gh[j * hidden:(j + 1) * hidden]
                        for j, g in enumerate("rz")}
                step["gh_n"] = gh[2 * hidden:]
                r, z = torch.sigmoid(step["pre_r"]), torch.sigmoid(step["pre_z"])
                step["pre_n"] = gi[2 * hidden:] + r * step["gh_n"]
                h = (1 - z) * torch.tanh(step["pre_n"]) + z * h
            step["h"] = h
            for value in step.values():
                value.retain_grad()
            steps.append(step)
        layers.append(steps)
        inputs = [step["h"] for step in steps]
    return tied, layers, torch.stack(inputs)


@pytest.mark.parametrize("cell,layers,loss", cases())
def test_backward_matches_autograd_on_explicit_loop(cell, layers, loss):
    model, x, y = make_case(cell, layers, loss, seed=1)
    trace = cell_trace(model, x, y, loss)
    tied, loop, top = explicit_loop(model, x, cell)
    np.testing.assert_allclose(top.detach().numpy(), trace[-1]["h"], rtol=0, atol=1e-12)
    out = tied.head(top)
    if loss == "mse":
        total = ((out[:, 0] - torch.as_tensor(y)) ** 2).sum()
    else:
        total = torch.nn.functional.cross_entropy(out, torch.as_tensor(y), reduction="sum")
    total.backward()
    names = {"h": "dh", "c": "dc", "gh_n": "d_gh_n"}
    assert {names.get(key, "d_" + key) for key in loop[0][0]} == BACKWARD_KEYS[cell]
    for k, steps in enumerate(loop):
        for key in steps[0]:
            expected = torch.stack([step[key].grad for step in steps]).numpy()
            traced = trace[k][names.get(key, "d_" + key)]
            scale = max(1.0, np.abs(expected).max())
            assert np.abs(traced - expected).max() <= 1e-12 * scale, (k, key)
