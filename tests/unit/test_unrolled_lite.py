"""unrolled_lite (NumPy only) against torch: forward, losses, gradients, itemized gradients, training.

Runs under the project venv and under NumPy 2.2.5 (Pyodide's); the torch comparisons skip only when
torch is not installed. Everything compared with torch is float64 and must agree to 1e-9.
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
for _path in (ROOT, ROOT / "site" / "py"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import unrolled_lite as ul  # noqa: E402
from unrolled_lite import datasets  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
    from torch import nn

    from unrolled.precompute.models import SequenceModel
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
TOL = 1e-9
CELLS = ("rnn", "lstm", "gru")
KINDS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def assert_close(actual, expected, tol=TOL):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=0.0, atol=tol)


def torch_model(cell, input_size, hidden, layers, output_size, seed=0):
    torch.manual_seed(seed)
    return SequenceModel(cell, input_size, hidden, layers, output_size).double()


def numpy_copy(model):
    return {name: value.detach().numpy().copy() for name, value in model.state_dict().items()}


def torch_mean_loss(out, y, loss):
    if loss == "ce":
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
    return F.mse_loss(out, y)


def problem(loss, rng, batch=3, steps=7):
    """Inputs and targets for either loss: one regression output, or 4 classes from one-hot-ish inputs."""
    if loss == "mse":
        return rng.normal(size=(batch, steps, 2)), rng.normal(size=(batch, steps, 1)), 2, 1
    return rng.normal(size=(batch, steps, 4)), rng.integers(0, 4, size=(batch, steps)), 4, 4


# --- forward, loss, gradients ----------------------------------------------------------------------

@needs_torch
@pytest.mark.parametrize("loss", ["mse", "ce"])
@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("cell", CELLS)
def test_forward_loss_and_gradients_match_torch(cell, layers, loss):
    x, y, d_in, d_out = problem(loss, np.random.default_rng(layers))
    reference = torch_model(cell, d_in, 5, layers, d_out)
    model = ul.build_model(cell, numpy_copy(reference))
    out = reference(torch.from_numpy(x))
    expected = torch_mean_loss(out, torch.from_numpy(y), loss)
    expected.backward()

    value, grads = model.loss_and_grads(x, y, loss)
    assert_close(model.forward(x), out.detach().numpy())
    assert abs(value - expected.item()) <= TOL
    assert abs(model.mean_loss(x, y, loss) - expected.item()) <= TOL
    assert list(grads) == list(reference.state_dict())
    for name, param in reference.named_parameters():
        assert grads[name].shape == tuple(param.shape)
        assert_close(grads[name], param.grad.numpy())


@needs_torch
@pytest.mark.parametrize("cell", CELLS)
def test_saturated_units_match_torch_without_warnings(cell):
    x, y, d_in, d_out = problem("mse", np.random.default_rng(0))
    reference = torch_model(cell, d_in, 5, 2, d_out)
    with torch.no_grad():
        for param in reference.rnn.parameters():
            param.mul_(400.0)  # pre-activations in the thousands: exp overflows inside σ and tanh
    model = ul.build_model(cell, numpy_copy(reference))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grads = model.loss_and_grads(x * 10.0, y, "mse")
        item = model.itemized_gradients(x[0] * 10.0, y[0], "mse")
    out = reference(torch.from_numpy(x * 10.0))
    expected = F.mse_loss(out, torch.from_numpy(y))
    expected.backward()
    assert abs(value - expected.item()) <= TOL
    for name, param in reference.named_parameters():
        assert_close(grads[name], param.grad.numpy())
    assert all(np.isfinite(item["H"][k]).all() for k in item["H"])


@needs_torch
def test_mse_accepts_targets_without_output_axis():
    x, y, d_in, _ = problem("mse", np.random.default_rng(0))
    model = ul.build_model("gru", numpy_copy(torch_model("gru", d_in, 4, 1, 1)))
    full, flat = model.loss_and_grads(x, y, "mse"), model.loss_and_grads(x, y[..., 0], "mse")
    assert full[0] == flat[0]
    for name in full[1]:
        np.testing.assert_array_equal(full[1][name], flat[1][name])


def test_bad_arguments_are_refused():
    model = ul.init_model("lstm", 2, 3, 1, 1, np.random.default_rng(0))
    x = np.zeros((1, 4, 2))
    with pytest.raises(ValueError, match="unknown loss"):
        model.loss_and_grads(x, np.zeros((1, 4)), "mae")
    with pytest.raises(ValueError, match="inputs must have shape"):
        model.forward(np.zeros((1, 4, 3)))
    with pytest.raises(ValueError, match="ce targets"):
        ul.init_model("rnn", 2, 3, 1, 3, np.random.default_rng(0)).loss_and_grads(x, np.full((1, 4), 3), "ce")
    with pytest.raises(ValueError, match="unknown cell"):
        ul.init_model("elman", 2, 3, 1, 1, np.random.default_rng(0))


# --- building models -------------------------------------------------------------------------------

@needs_torch
@pytest.mark.parametrize("cell", CELLS)
def test_init_model_has_torch_names_shapes_and_bounds(cell):
    model = ul.init_model(cell, 3, 8, 2, 4, np.random.default_rng(5))
    reference = torch_model(cell, 3, 8, 2, 4)
    state = model.state_dict()
    assert list(state) == list(reference.state_dict())
    for name, value in reference.state_dict().items():
        assert state[name].shape == tuple(value.shape)
        assert state[name].dtype == np.float64
        assert np.abs(state[name]).max() <= 1.0 / np.sqrt(8)
    again = ul.init_model(cell, 3, 8, 2, 4, np.random.default_rng(5)).state_dict()
    assert all(np.array_equal(state[name], again[name]) for name in state)
    rebuilt = ul.build_model(cell, state)
    assert (rebuilt.input_size, rebuilt.hidden_size, rebuilt.num_layers, rebuilt.output_size) == (3, 8, 2, 4)


def test_state_dict_is_a_copy_and_build_model_copies():
    model = ul.init_model("rnn", 1, 4, 1, 1, np.random.default_rng(0))
    state = model.state_dict()
    state["head.bias"][:] = 99.0
    assert model.params["head.bias"][0] != 99.0
    rebuilt = ul.build_model("rnn", state)
    state["head.bias"][:] = 7.0
    assert rebuilt.params["head.bias"][0] == 99.0


def test_build_model_refuses_mismatched_state():
    state = ul.init_model("gru", 2, 4, 2, 1, np.random.default_rng(0)).state_dict()
    with pytest.raises(ValueError, match="needs"):
        ul.build_model("lstm", state)
    missing = {k: v for k, v in state.items() if k != "rnn.bias_hh_l1"}
    with pytest.raises(ValueError, match="missing"):
        ul.build_model("gru", missing)
    with pytest.raises(ValueError, match="needs"):
        ul.build_model("gru", {**state, "rnn.weight_hh_l1": np.zeros((12, 5))})


# --- itemized gradients ----------------------------------------------------------------------------

def torch_itemized(reference, cell, x, y, loss):
    """Oracle: every step gets its own leaf copy of the layer's weights; one autograd call per L_t."""
    cell_type = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}[cell]
    steps, layers = len(x), reference.rnn.num_layers
    inputs = [torch.from_numpy(x[s:s + 1]) for s in range(steps)]
    leaves, states = [], []
    for k in range(layers):
        weights = {kind: getattr(reference.rnn, f"{kind}_l{k}").detach() for kind in KINDS}
        module = cell_type(weights["weight_ih"].shape[1], reference.rnn.hidden_size).double()
        state, outputs = None, []
        for s in range(steps):
            copy = {kind: w.clone().requires_grad_(True) for kind, w in weights.items()}
            state = torch.func.functional_call(module, copy, (inputs[s], state))
            outputs.append(state[0] if cell == "lstm" else state)
            leaves.append([copy[kind] for kind in KINDS])
        states.extend(outputs)
        inputs = outputs
    with torch.no_grad():
        head_w, head_b = reference.head.weight.clone(), reference.head.bias.clone()
    out = torch.cat(inputs) @ head_w.T + head_b
    if loss == "mse":
        per_step = ((out - torch.from_numpy(y).reshape(steps, -1)) ** 2).sum(dim=1)
    else:
        per_step = -torch.log_softmax(out, dim=1)[torch.arange(steps), torch.from_numpy(y)]
    flat = [leaf for group in leaves for leaf in group]
    g = {k: {part: np.zeros((steps, steps)) for part in ("ih", "hh", "all")} for k in range(layers)}
    h = {k: np.zeros((steps, steps)) for k in range(layers)}
    for t in range(steps):
        grads = torch.autograd.grad(per_step[t], flat + states, retain_graph=True, allow_unused=True,
                                    materialize_grads=True)
        sq = np.array([float((v ** 2).sum()) for v in grads[:len(flat)]]).reshape(layers, steps, 4)
        norms = np.array([float(v.norm()) for v in grads[len(flat):]]).reshape(layers, steps)
        for k in range(layers):
            g[k]["ih"][t], g[k]["hh"][t] = np.sqrt(sq[k, :, 0]), np.sqrt(sq[k, :, 1])
            g[k]["all"][t] = np.sqrt(sq[k].sum(axis=1))
            h[k][t] = norms[k]
    return {"G": g, "H": h}


@needs_torch
@pytest.mark.parametrize("loss", ["mse", "ce"])
@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("cell", CELLS)
def test_itemized_gradients_match_autograd_oracle(cell, layers, loss):
    x, y, d_in, d_out = problem(loss, np.random.default_rng(10 + layers), batch=1, steps=6)
    x, y = x[0], y[0]
    reference = torch_model(cell, d_in, 5, layers, d_out, seed=layers)
    model = ul.build_model(cell, numpy_copy(reference))
    result = model.itemized_gradients(x, y, loss)
    expected = torch_itemized(reference, cell, x, y, loss)
    assert list(result["G"]) == list(result["H"]) == list(range(layers))
    for k in range(layers):
        for part in ("ih", "hh", "all"):
            assert_close(result["G"][k][part], expected["G"][k][part])
            assert np.all(np.triu(result["G"][k][part], 1) == 0.0)
        assert_close(result["H"][k], expected["H"][k])
        assert np.all(np.triu(result["H"][k], 1) == 0.0)
        assert np.all(np.diag(result["G"][k]["all"]) > 0.0)


def test_itemized_gradients_refuse_a_batch():
    model = ul.init_model("rnn", 1, 3, 1, 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="one sequence"):
        ul.itemized_gradients(model, np.zeros((2, 5, 1)), np.zeros((2, 5)), "mse")


# --- training --------------------------------------------------------------------------------------

def epochs_of_data(task, epochs, count, window, seed):
    rng = np.random.default_rng(seed)
    if task == "function":
        return [datasets.function_epoch("composite", rng, count, window, noise=0.05) for _ in range(epochs)]
    corpus = datasets.load_text("abab")
    return [corpus.epoch(rng, count, window) for _ in range(epochs)]


def train_both(cell, optimizer, task, lr, epochs=3, count=8, batch=2, window=10):
    """Train torch and unrolled_lite from the same weights on the same batches.

    Returns (torch model, NumPy model, per epoch (train_epoch report, torch batch losses), initial weights).
    """
    loss = "mse" if task == "function" else "ce"
    d_in = 1 if task == "function" else len(datasets.load_text("abab").vocab)
    d_out = 1 if task == "function" else d_in
    reference = torch_model(cell, d_in, 6, 2, d_out, seed=3)
    initial = numpy_copy(reference)
    model = ul.build_model(cell, initial)
    torch_opt = {"adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop,
                 "sgd": torch.optim.SGD}[optimizer](reference.parameters(), lr=lr)
    opt = ul.make_optimizer(optimizer, model.params, lr=lr)
    history = []
    for inputs, targets in epochs_of_data(task, epochs, count, window, seed=7):
        x = torch.from_numpy(inputs)
        y = torch.from_numpy(targets)
        torch_losses = []
        for start in range(0, count, batch):
            torch_opt.zero_grad()
            value = torch_mean_loss(reference(x[start:start + batch]), y[start:start + batch], loss)
            value.backward()
            torch_opt.step()
            torch_losses.append(value.item())
        report = ul.train_epoch(model, opt, inputs, targets, batch, loss)
        history.append((report, torch_losses))
    return reference, model, history, initial


@needs_torch
@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd"])
@pytest.mark.parametrize("cell", CELLS)
def test_training_follows_torch(cell, optimizer):
    reference, model, history, initial = train_both(cell, optimizer, "function", lr=0.01)
    for report, torch_losses in history:
        assert report["steps"] == 4
        assert_close(report["batch_losses"], torch_losses)
        assert abs(report["loss"] - np.mean(torch_losses)) <= TOL
    for name, value in reference.state_dict().items():
        assert_close(model.params[name], value.numpy())
    moved = max(np.abs(model.params[name] - initial[name]).max() for name in initial)
    assert moved > 1e-3, "training must actually move the weights"


@needs_torch
def test_text_training_follows_torch():
    reference, model, history, _ = train_both("lstm", "adam", "text", lr=0.02)
    for report, torch_losses in history:
        assert_close(report["batch_losses"], torch_losses)
    for name, value in reference.state_dict().items():
        assert_close(model.params[name], value.numpy())


@needs_torch
def test_default_learning_rates_are_torchs():
    params = [torch.nn.Parameter(torch.zeros(1))]
    for name, cls in (("adam", torch.optim.Adam), ("rmsprop", torch.optim.RMSprop), ("sgd", torch.optim.SGD)):
        assert ul.make_optimizer(name, {"w": np.zeros(1)}).lr == cls(params).defaults["lr"]
    with pytest.raises(ValueError, match="no parameters"):
        ul.Adam({})
    with pytest.raises(ValueError, match="unknown optimizer"):
        ul.make_optimizer("adagrad", {"w": np.zeros(1)})


@pytest.mark.parametrize("cell", CELLS)
def test_float32_training_stays_float32_and_near_float64(cell):
    inputs, targets = datasets.function_epoch("sine", np.random.default_rng(0), 20, 15)
    results = {}
    for dtype in (np.float64, np.float32):
        model = ul.init_model(cell, 1, 8, 2, 1, np.random.default_rng(1), dtype=dtype)
        assert model.forward(inputs).dtype == dtype
        assert all(g.dtype == dtype for g in model.loss_and_grads(inputs, targets, "mse")[1].values())
        assert model.itemized_gradients(inputs[0], targets[0], "mse")["G"][1]["all"].dtype == dtype
        report = ul.train_epoch(model, ul.Adam(model.params), inputs, targets, 5, "mse")
        assert all(value.dtype == dtype for value in model.params.values())
        results[dtype] = (report["loss"], model.state_dict())
    assert abs(results[np.float32][0] - results[np.float64][0]) < 1e-5
    for name, value in results[np.float64][1].items():
        assert_close(results[np.float32][1][name], value, tol=1e-5)


@needs_torch
def test_predict_window_and_rollout_match_torch():
    reference = torch_model("gru", 1, 6, 2, 1, seed=4)
    model = ul.build_model("gru", numpy_copy(reference))
    inputs, targets = datasets.function_epoch("sine", np.random.default_rng(2), 1, 12)
    view = ul.predict_window(model, inputs[0], targets[0], "mse")
    with torch.no_grad():
        x = torch.from_numpy(inputs)
        expected = reference(x)[0, :, 0].numpy()
        states, carry = reference.rnn(x)
        value, rolled = reference.head(states[:, -1:]), []
        for _ in range(datasets.ROLLOUT):
            rolled.append(float(value[0, 0, 0]))
            states, carry = reference.rnn(value, carry)
            value = reference.head(states)
    assert_close(view["prediction"], expected)
    assert_close(view["step_loss"], (expected - targets[0, :, 0]) ** 2)
    assert abs(view["loss"] - np.mean((expected - targets[0, :, 0]) ** 2)) <= TOL
    rollout = ul.rollout(model, inputs[0])
    assert rollout.shape == (datasets.ROLLOUT,)
    assert_close(rollout, rolled)


def test_predict_window_for_text_gives_ids():
    corpus = datasets.load_text("lorem")
    model = ul.init_model("rnn", len(corpus.vocab), 8, 1, len(corpus.vocab), np.random.default_rng(0))
    inputs, targets = corpus.epoch(np.random.default_rng(1), 1, 20)
    view = ul.predict_window(model, inputs[0], targets[0], "ce")
    assert view["prediction"].shape == (20,) and view["prediction"].dtype.kind == "i"
    assert view["step_loss"].shape == (20,) and np.all(view["step_loss"] > 0)
    with pytest.raises(ValueError, match="roll-out"):
        ul.rollout(model, inputs[0])


# --- datasets --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", datasets.TEXT_DATASETS)
def test_text_corpora_vocab_one_hot_and_next_char_targets(name):
    corpus = datasets.load_text(name)
    assert list(corpus.vocab) == sorted(set(corpus.text))
    assert corpus.decode(corpus.ids) == corpus.text
    inputs, targets = corpus.epoch(np.random.default_rng(3), 6, 25)
    assert inputs.shape == (6, 25, len(corpus.vocab)) and inputs.dtype == np.float64
    assert targets.shape == (6, 25) and targets.dtype == np.int64
    assert np.all(inputs.sum(axis=-1) == 1.0)
    for row_in, row_out in zip(inputs, targets):
        ids = row_in.argmax(axis=-1)
        np.testing.assert_array_equal(ids[1:], row_out[:-1])
        assert corpus.decode(np.append(ids, row_out[-1])) in corpus.text


def test_bundled_corpora_sizes():
    assert datasets.load_text("abab").vocab == ("\n", " ", "a", "b")
    assert 500 <= len(datasets.load_text("lorem").text) <= 800
    c_code = datasets.load_text("c-code").text
    assert 3000 <= len(c_code) <= 6000 and "struct" in c_code and "/*" in c_code


def test_encode_and_one_hot():
    corpus = datasets.TextCorpus("cabbage")
    assert corpus.vocab == ("a", "b", "c", "e", "g")
    np.testing.assert_array_equal(corpus.encode("bag"), [1, 0, 4])
    np.testing.assert_array_equal(corpus.one_hot([[2, 0]]), [[[0, 0, 1, 0, 0], [1, 0, 0, 0, 0]]])
    with pytest.raises(ValueError, match="not in the vocabulary"):
        corpus.encode("cab!")
    with pytest.raises(ValueError, match="window"):
        corpus.epoch(np.random.default_rng(0), 1, 7)


def test_c_sources_from_a_directory(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.c").write_text("int b;\n")
    (tmp_path / "sub" / "a.h").write_text("#define A 1\u00e9\n")
    (tmp_path / "notes.txt").write_text("not C")
    corpus = datasets.load_text("c-code", tmp_path)
    assert corpus.text == "int b;\n#define A 1\n"
    assert datasets.read_c_sources(tmp_path, max_chars=5) == "int b"
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no C sources"):
        datasets.load_text("c-code", tmp_path / "empty")
    with pytest.raises(ValueError, match="does not exist"):
        datasets.load_text("c-code", tmp_path / "missing")
    with pytest.raises(ValueError, match="only applies"):
        datasets.load_text("lorem", tmp_path)
    with pytest.raises(ValueError, match="unknown text dataset"):
        datasets.load_text("shakespeare")


@pytest.mark.parametrize("name", sorted(datasets.FUNCTIONS))
def test_function_epochs_repeat_for_a_seed(name):
    first = datasets.function_epoch(name, np.random.default_rng([4, 0]), 10, 15, noise=0.1)
    second = datasets.function_epoch(name, np.random.default_rng([4, 0]), 10, 15, noise=0.1)
    other = datasets.function_epoch(name, np.random.default_rng([5, 0]), 10, 15, noise=0.1)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert first[0].shape == first[1].shape == (10, 15, 1)
    assert not np.array_equal(first[0], other[0])
    clean_inputs, clean_targets = datasets.function_epoch(name, np.random.default_rng(1), 10, 15)
    np.testing.assert_array_equal(clean_inputs[:, 1:], clean_targets[:, :-1])


def test_text_epochs_repeat_for_a_seed():
    corpus = datasets.load_text("c-code")
    first = corpus.epoch(np.random.default_rng(9), 4, 30)
    second = corpus.epoch(np.random.default_rng(9), 4, 30)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_numpy_headers_hold_out_validation_blocks():
    import numpy

    corpus = datasets.load_text("numpy-headers")
    files = datasets.numpy_header_files()
    assert len(files) >= 10 and [name for name, _ in files] == sorted(name for name, _ in files)
    assert all(path.is_relative_to(numpy.get_include()) for _, path in files)
    assert len(corpus.text) > 100_000 and "#define" in corpus.text and "typedef" in corpus.text
    held = corpus.held_out
    assert 0.05 < held.mean() < 0.15
    window = 150
    for part, inside in (("train", ~held), ("validation", held)):
        rng = np.random.default_rng(1)
        _, targets = corpus.epoch(rng, 64, window, part)
        rng = np.random.default_rng(1)
        allowed = corpus.starts(window, part)
        starts = allowed[rng.integers(0, len(allowed), size=64)]
        assert np.all(inside[starts[:, None] + np.arange(window + 1)])
        np.testing.assert_array_equal(targets, corpus.ids[starts[:, None] + np.arange(1, window + 1)])
    with pytest.raises(ValueError, match="unknown part"):
        corpus.epoch(np.random.default_rng(0), 1, 10, "test")


def test_numpy_headers_missing_is_a_clear_error(tmp_path, monkeypatch):
    import numpy

    monkeypatch.setattr(numpy, "get_include", lambda: str(tmp_path))
    with pytest.raises(ValueError, match="no NumPy C headers under"):
        datasets.load_text("numpy-headers")


def test_small_corpora_hold_nothing_out():
    corpus = datasets.load_text("lorem")
    a = corpus.epoch(np.random.default_rng(5), 4, 20)
    b = corpus.epoch(np.random.default_rng(5), 4, 20, "validation")
    assert corpus.held_out is None and np.array_equal(a[1], b[1])


def test_recall_episodes():
    from unrolled_lite.tasks import make_task

    task = make_task("recall", delay=6, symbols=3)
    assert task.vocab == ["a", "b", "c", "A", "B", "C", "?", "_"] and task.input_size == 8
    inputs, targets = task.epoch(np.random.default_rng(0), 50, 10)
    ids = inputs.argmax(-1)
    assert inputs.shape == (50, 10, 8) and np.all(inputs.sum(-1) == 1.0)
    assert np.all(ids[:, 0] < 3) and np.all((ids[:, 1:6] >= 3) & (ids[:, 1:6] < 6)) and np.all(ids[:, 6:] == 6)
    assert np.all(targets[:, :6] == 7) and np.all(targets[:, 6:] == ids[:, :1])
    assert len(set(ids[:, 0])) == 3
    with pytest.raises(ValueError, match="delay < window"):
        task.epoch(np.random.default_rng(0), 1, 6)
