"""Your own cell: the generic itemized gradients against the per-step reference, torch's ordinary
gradient and the fast built-in path; custom cell traces; and every protocol error, with nothing written."""
from __future__ import annotations

import importlib.util
import shutil

import numpy as np
import pytest
import torch

from unrolled.precompute import generic_itemized
from unrolled.precompute.cache import cache_key
from unrolled.precompute.celltrace import cell_trace, custom_cell_trace
from unrolled.precompute.errors import SpecError
from unrolled.precompute.generic_itemized import (
    BUILTIN_STEPS, generic_contributions_sum, generic_reference, itemized_gradients_generic,
)
from unrolled.precompute.inputs import gather, materialise
from unrolled.precompute.itemized import itemized_gradients
from unrolled.precompute.models import SequenceModel
from unrolled.precompute.owncell import load_cell
from unrolled.precompute.runner import precompute
from unrolled.precompute.spec import load_specs
from tests.conftest import ROOT

EXAMPLE = ROOT / "content" / "your-own-cell" / "cells.py"
T, D = 6, 2


def peephole():
    spec = importlib.util.spec_from_file_location("example_cells", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PeepholeLSTM


def case(cell, sizes, loss: str, seed: int = 0, steps: int = T):
    torch.manual_seed(seed)
    model = SequenceModel(cell, D, sizes, len(sizes), 1 if loss == "mse" else 3).double()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, dtype=torch.float64) * 0.5)  # peepholes and biases away from 0
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(steps, D))
    y = rng.normal(size=steps) if loss == "mse" else rng.integers(0, 3, size=steps)
    return model, x, y


def arrays(result):
    for k, groups in result["G"].items():
        for g, a in groups.items():
            yield f"G[{k}][{g}]", a
    for k, a in result["H"].items():
        yield f"H[{k}]", a


@pytest.mark.parametrize("loss", ("mse", "ce"))
@pytest.mark.parametrize("sizes", ([4], [4, 3]))
def test_generic_matches_per_step_reference(sizes, loss):
    model, x, y = case(peephole(), sizes, loss)
    fast, slow = itemized_gradients_generic(model, x, y, loss), generic_reference(model, x, y, loss)
    for (name, a), (_, b) in zip(arrays(fast), arrays(slow), strict=True):
        assert a.shape == (T, T) and np.abs(b).max() > 1e-3, name
        assert np.abs(a - b).max() <= 1e-9 * np.abs(b).max(), name
        assert np.all(np.triu(a, 1) == 0.0), name
        assert np.all(np.diag(a)[1 if name.endswith("[hh]") else 0:] > 0), name  # hh at s = 0 meets h_{-1} = 0


@pytest.mark.parametrize("loss", ("mse", "ce"))
def test_generic_items_sum_to_torchs_ordinary_gradient(loss):
    model, x, y = case(peephole(), [4, 3], loss)
    out = model(torch.as_tensor(x)[None])[0]
    if loss == "mse":
        total = ((out[:, 0] - torch.as_tensor(y)) ** 2).sum()
    else:
        total = torch.nn.functional.cross_entropy(out, torch.as_tensor(y), reduction="sum")
    total.backward()
    sums = generic_contributions_sum(model, x, y, loss)
    for k, layer in enumerate(sums):
        for name, value in layer.items():
            expected = model.rnn.cells[k].get_parameter(name).grad.numpy()
            assert np.abs(expected).max() > 1e-3, name
            np.testing.assert_allclose(value, expected, rtol=1e-10, atol=1e-12, err_msg=f"{k} {name}")


@pytest.mark.parametrize("loss", ("mse", "ce"))
@pytest.mark.parametrize("sizes", ([3], [3, 3], [4, 2]))
@pytest.mark.parametrize("cell", ("rnn", "lstm", "gru"))
def test_generic_path_on_builtin_cells_agrees_with_fast_path(cell, sizes, loss):
    model, x, y = case(cell, sizes, loss)
    fast, generic = itemized_gradients(model, x, y, loss), itemized_gradients_generic(model, x, y, loss)
    for (name, a), (_, b) in zip(arrays(fast), arrays(generic), strict=True):
        assert np.abs(a).max() > 1e-3, name
        assert np.abs(a - b).max() <= 1e-12 * np.abs(a).max(), name


@pytest.mark.parametrize("loss", ("mse", "ce"))
@pytest.mark.parametrize("cell", ("rnn", "lstm", "gru"))
def test_generic_batch_and_connectivity_agree_with_fast_path(cell, loss):
    from unrolled.precompute.generic_itemized import connectivity_generic_batch, itemized_gradients_generic_batch
    from unrolled.precompute.itemized import connectivity_batch, itemized_gradients_batch

    model, x, y = case(cell, [4, 3], loss)
    _, x2, y2 = case(cell, [4, 3], loss, seed=5)
    xs, ys = np.stack([x, x2]), np.stack([y, y2])
    fast, generic = itemized_gradients_batch(model, xs, ys, loss), itemized_gradients_generic_batch(model, xs, ys, loss)
    for (name, a), (_, b) in zip(arrays(fast), arrays(generic), strict=True):
        assert a.shape == (2, T, T) and np.abs(a - b).max() <= 1e-12 * np.abs(a).max(), name
    c_fast, c_generic = connectivity_batch(model, xs, ys, loss), connectivity_generic_batch(model, xs, ys, loss)
    assert c_fast.shape == c_generic.shape == (2, T, T) and np.abs(c_fast).max() > 1e-3
    assert np.abs(c_fast - c_generic).max() <= 1e-12 * np.abs(c_fast).max()
    assert np.all(np.triu(c_generic[0], 1) == 0.0)


def test_row_blocks_give_the_same_result(monkeypatch):
    model, x, y = case(peephole(), [3, 2], "ce", steps=9)
    whole = itemized_gradients_generic(model, x, y, "ce")
    monkeypatch.setattr(generic_itemized, "BATCH_BYTES", 1)  # one cotangent row per backward
    assert len(generic_itemized._row_blocks(9, [torch.zeros(5)])) == 9
    rows = itemized_gradients_generic(model, x, y, "ce")
    for (name, a), (_, b) in zip(arrays(whole), arrays(rows)):
        assert np.abs(a - b).max() <= 1e-12 * np.abs(a).max(), name  # batched sums may round differently


def test_builtin_wrappers_are_torchs_cells():
    assert all(issubclass(step, base) for step, base in zip(BUILTIN_STEPS.values(), (
        torch.nn.RNNCell, torch.nn.LSTMCell, torch.nn.GRUCell)))


@pytest.mark.parametrize("cell", ("rnn", "lstm", "gru"))
def test_custom_trace_of_builtin_cells_matches_their_trace(cell):
    model, x, y = case(cell, [4, 3], "ce")
    custom, builtin = custom_cell_trace(model, x, y, "ce"), cell_trace(model, x, y, "ce")
    for a, b in zip(custom, builtin, strict=True):
        for key in ("x", "h_prev", "h", "dh"):
            np.testing.assert_allclose(a[key], b[key], rtol=0, atol=1e-12, err_msg=key)
        assert a["custom"] == {"order": [], "forward": {}, "backward": {}}


def test_custom_trace_names_values_and_their_gradients():
    model, x, y = case(peephole(), [4, 3], "mse")
    trace = custom_cell_trace(model, x, y, "mse")
    for layer in trace:
        named = layer["custom"]
        assert named["order"] == ["i", "f", "g", "c", "o"]
        fwd, back = named["forward"], named["backward"]
        np.testing.assert_allclose(layer["h"], fwd["o"] * np.tanh(fwd["c"]), atol=1e-14)
        # h = o·tanh(c) is o's only use; g only enters c = f·c_prev + i·g
        np.testing.assert_allclose(back["o"], layer["dh"] * np.tanh(fwd["c"]), atol=1e-14)
        np.testing.assert_allclose(back["g"], back["c"] * fwd["i"], atol=1e-14)
        assert np.abs(back["c"]).max() > 1e-3
    np.testing.assert_array_equal(trace[1]["x"], trace[0]["h"])


# --- the spec and the protocol ---------------------------------------------------------------------

GOOD_RUN = '[run.own]\ndataset = "sine"\nmodel = "cells.py:PeepholeLSTM"\nhidden = [4, 3]\nwindow = 6\nepochs = 1\n'
HORIZON_RUN = GOOD_RUN + "horizon = 3\n"


def project(tmp_path, cells: str | None = None, runs: str = GOOD_RUN):
    home = tmp_path / "content" / "own"
    home.mkdir(parents=True)
    if cells is None:
        shutil.copy(EXAMPLE, home / "cells.py")
    else:
        (home / "cells.py").write_text(cells)
    (home / "runs.toml").write_text(runs)
    return home / "runs.toml"


def test_spec_with_model_trains_and_traces(tmp_path):
    specs = load_specs(project(tmp_path, runs=HORIZON_RUN), root=tmp_path)
    (outcome,) = precompute(specs, tmp_path / "cache", show_progress=False)
    assert outcome.status == "done", outcome.error
    from unrolled.precompute.documents import load

    trace = load(outcome.path / "cell-trace.json")
    assert trace["cell"] == "custom"
    assert trace["snapshots"][0]["sequences"][0]["layers"][1]["custom"]["order"] == ["i", "f", "g", "c", "o"]
    assert load(outcome.path / "run.json")["task"]["model"] == "cells.py:PeepholeLSTM"
    horizon = load(outcome.path / "horizon.json")
    assert horizon["cell"] == "custom" and len(horizon["snapshots"][-1]["layers"]) == 2
    assert horizon["snapshots"][-1]["connectivity"]["ratio"]["mean"][0] == 1.0


@pytest.mark.parametrize("runs, rule, line", [
    (GOOD_RUN.replace("cells.py:PeepholeLSTM", "cells.py"), "model-form", 3),
    (GOOD_RUN.replace("cells.py:", "missing.py:"), "model-missing-file", 3),
    (GOOD_RUN.replace("cells.py:", "../../../x.py:"), "path-outside-project", 3),
    (GOOD_RUN + 'cell = "gru"\n', "spec-invalid", 7),
])
def test_spec_errors(tmp_path, runs, rule, line):
    (tmp_path / "x.py").write_text("")
    with pytest.raises(SpecError) as caught:
        load_specs(project(tmp_path, runs=runs), root=tmp_path / "content")
    assert (caught.value.rule, caught.value.line) == (rule, line), str(caught.value)
    assert caught.value.hint and caught.value.file.endswith("runs.toml")


HEADER = "import torch\nfrom torch import nn\n"
CELL = HEADER + '''
class Cell(nn.Module):
    ih = ("w",)
    hh = ("u",)

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.w = nn.Parameter(torch.ones(hidden_size, input_size))
        self.u = nn.Parameter(torch.ones(hidden_size, hidden_size))

    def initial_state(self, batch):
        return self.u.new_zeros(batch, self.hidden_size)

    def step(self, x, state):
        h = torch.tanh(x @ self.w.T + state @ self.u.T)
        return h, h, {"a": h * 2}
'''
GOOD_CELL_RUN = GOOD_RUN.replace("PeepholeLSTM", "Cell")


@pytest.mark.parametrize("cells, rule, words", [
    (CELL.replace("class Cell", "class Other"), "model-missing-class", "defines no class 'Cell'"),
    (CELL + "\n1/0\n", "model-import", f"(line {CELL.count(chr(10)) + 2})"),
    (CELL.replace("def step(", "def stop("), "model-protocol", "no method step()"),
    (CELL.replace('ih = ("w",)', 'ih = ("v",)'), "model-protocol", "'v', which is not a parameter"),
    (CELL.replace('ih = ("w",)', 'ih = "w"'), "model-protocol", "tuple of parameter names"),
    (CELL.replace("return h, h, {", "return h[:, :1], h, {"), "model-shape", "h_t must have shape"),
    (CELL.replace("return h, h, {", "return h, h + 0, {"), "model-protocol", "not part of new_state"),
    (CELL.replace('{"a": h * 2}', '{"a": h[0]}'), "model-shape", "intermediate 'a'"),
    (CELL.replace('{"a": h * 2}', '{"h": h}'), "model-protocol", "reserved"),
    (CELL.replace('{"a": h * 2}', '{f"a{int(state.abs().sum() > 0)}": h * 2}'), "model-protocol",
     "named ['a1'] at one step and ['a0']"),
    (CELL.replace("return h, h, {", "return h, {"), "model-protocol", "tuple (h_t, new_state"),
    (CELL.replace("nn.Module", "object").replace("super().__init__()", "pass"), "model-protocol", "not a torch.nn.Module"),
])
def test_protocol_errors_name_the_spec_line_and_write_nothing(tmp_path, cells, rule, words):
    specs = load_specs(project(tmp_path, cells=cells, runs=GOOD_CELL_RUN), root=tmp_path)
    (outcome,) = precompute(specs, tmp_path / "cache", show_progress=False)
    assert outcome.status == "failed" and outcome.problem is not None, outcome.error
    problem = outcome.problem
    assert (problem.rule, problem.line) == (rule, 3), str(problem)
    assert problem.file.endswith("runs.toml") and words in problem.message and problem.hint
    assert not list((tmp_path / "cache").rglob("*.json"))


def test_good_protocol_cell_passes(tmp_path):
    specs = load_specs(project(tmp_path, cells=CELL, runs=GOOD_CELL_RUN), root=tmp_path)
    (outcome,) = precompute(specs, tmp_path / "cache", show_progress=False)
    assert outcome.status == "done", outcome.error


def test_model_file_travels_to_workers_and_keys_the_cache(tmp_path):
    (spec,) = load_specs(project(tmp_path), root=tmp_path)
    files = gather(spec)
    assert files["cells.py"] == EXAMPLE.read_bytes()
    remote = materialise(spec, files, tmp_path / "worker")
    assert remote.model_file.read_bytes() == EXAMPLE.read_bytes()
    assert load_cell(remote).__name__ == "PeepholeLSTM"
    before = cache_key(spec)
    spec.model_file.write_text(EXAMPLE.read_text() + "\n# edited\n")
    assert cache_key(spec) != before


def test_a_builtin_spec_stays_as_it_was(tmp_path):
    path = tmp_path / "runs.toml"
    path.write_text('[run.a]\ndataset = "sine"\n')
    (spec,) = load_specs(path)
    assert "model" not in spec.normalised() and spec.model is None and spec.model_file is None
    (own,) = load_specs(project(tmp_path), root=tmp_path)
    assert (own.normalised()["model"], own.cell) == ("cells.py:PeepholeLSTM", "custom")


ODD_STATE = '''
import torch
from torch import nn


class Odd(nn.Module):
    """A state that repeats h, carries a constant, and reads h_t back inside the step (h feeds c)."""
    ih = ("w",)
    hh = ("u",)

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.w = nn.Parameter(torch.linspace(-1, 1, hidden_size * input_size).reshape(hidden_size, input_size))
        self.u = nn.Parameter(torch.linspace(1, -0.5, hidden_size * hidden_size).reshape(hidden_size, hidden_size))
        self.v = nn.Parameter(torch.linspace(0.2, 0.9, hidden_size))

    def initial_state(self, batch):
        zero = self.u.new_zeros(batch, self.hidden_size)
        return zero, zero, zero, torch.ones(batch, 1, dtype=zero.dtype)

    def step(self, x, state):
        h_prev, _, c_prev, one = state
        h = torch.tanh(x @ self.w.T + h_prev @ self.u.T + self.v * c_prev)
        c = 0.5 * c_prev + h * one
        return h, (h, h, c, one), {"c": c}
'''


@pytest.mark.parametrize("loss", ("mse", "ce"))
def test_generic_is_exact_for_repeated_and_constant_state(tmp_path, loss):
    path = tmp_path / "odd.py"
    path.write_text(ODD_STATE)
    spec = importlib.util.spec_from_file_location("odd_cells", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model, x, y = case(module.Odd, [3, 2], loss)
    fast, slow = itemized_gradients_generic(model, x, y, loss), generic_reference(model, x, y, loss)
    for (name, a), (_, b) in zip(arrays(fast), arrays(slow), strict=True):
        assert np.abs(b).max() > 1e-3 and np.abs(a - b).max() <= 1e-9 * np.abs(b).max(), name
