"""unrolled_lite.live: a run trained in the page retraces precompute's training loop, and LiveTrainer
answers a {network} figure's controls the way the widget expects (payload shape, select, playing)."""
import asyncio
import json

import numpy as np
import pytest

from unrolled.generator.directives.network import EXTRA, SETTINGS
from unrolled.precompute import arrays
from unrolled.precompute.exports import predictions_document, run_document
from unrolled.precompute.spec import load_specs
from unrolled.precompute.tasks import make_task
from unrolled.precompute.train import train
from unrolled_lite import live
from tests.conftest import run_async
from unrolled_lite.live import LiveRun, LiveTrainer

CASES = [("lstm", "sine", 1, "rmsprop", 0.1), ("gru", "abab", 2, "adam", 0.0), ("rnn", "square", 1, "sgd", 0.2)]
SINE = {"dataset": "sine", "cell": "lstm", "layers": 1, "hidden": 4, "lr": 0.01, "batch": 10, "noise": 0.0}
SMALL = {"sequences": 20, "window": 6}


def as_json(entry) -> str:
    """The entry as the page receives it (NumPy arrays and scalars as JSON numbers)."""
    return json.dumps(entry, default=lambda a: a.tolist())


def spec_for(tmp_path, cell, dataset, layers, optimizer, noise, epochs=6):
    path = tmp_path / "runs.toml"
    path.write_text(f'[run.x]\ndataset = "{dataset}"\ncell = "{cell}"\nlayers = {layers}\nhidden = 8\n'
                    f'optimizer = "{optimizer}"\nlr = 0.01\nbatch = 25\nepochs = {epochs}\nseed = 3\n'
                    f'snapshots = [0, {epochs}]\n' + (f"noise = {noise}\n" if noise else ""))
    (spec,) = load_specs(path)
    return spec


@pytest.mark.parametrize("cell,dataset,layers,optimizer,noise", CASES)
def test_live_run_retraces_precompute_from_the_same_weights(tmp_path, cell, dataset, layers, optimizer, noise):
    """Same initial weights, same seed: the NumPy loop (float64) follows torch's (float32) epoch for epoch."""
    spec = spec_for(tmp_path, cell, dataset, layers, optimizer, noise)
    task = make_task(spec)
    result = train(spec, task)
    prov = {"spec": spec.values}
    expected_run = run_document(spec, task, result, prov)
    expected_preds = predictions_document(spec, task, result, prov)
    weights = {k: v.double().numpy() for k, v in result.snapshots[0].items()}
    settings = {k: spec.values[k] for k in live.SETTINGS}
    run = LiveRun(settings, "x", seed=3, optimizer=optimizer, weights=weights)
    for _ in range(spec.epochs):
        run.train_epoch()
    assert run.loss["epoch"] == expected_run["loss"]["epoch"]
    for part in ("train", "validation"):
        np.testing.assert_allclose(run.loss[part], expected_run["loss"][part], rtol=2e-5)
    entry = run.entry()
    assert entry["x"]["start"] == expected_preds["x"]["start"]

    for epoch in (0, spec.epochs):
        (mine,) = [s for s in entry["snapshots"] if s["epoch"] == epoch]
        (theirs,) = [s for s in expected_preds["snapshots"] if s["epoch"] == epoch]
        for key in ("input", "target"):
            np.testing.assert_allclose(mine[key], arrays.decode(theirs[key]), atol=1e-6)
        np.testing.assert_allclose(mine["error"], arrays.decode(theirs["error"]), atol=1e-4)
        if task.kind == "function":
            np.testing.assert_allclose(mine["prediction"], arrays.decode(theirs["prediction"]), atol=1e-4)
            np.testing.assert_allclose(mine["rollout"]["prediction"],
                                       arrays.decode(theirs["rollout"]["prediction"]), atol=1e-3)
        else:
            agree = np.mean(mine["prediction"] == arrays.decode(theirs["prediction"]))
            assert agree >= 0.9  # argmax of near-ties may differ between float32 and float64


def test_entry_has_the_network_payload_shape():
    run = LiveRun(SINE, "yours-1", **SMALL)
    run.train_epoch()
    entry = json.loads(as_json(run.entry()))
    assert set(entry) == {"run", "settings", "kind", "loss", "x", "snapshots"}
    assert set(entry["settings"]) == set(SETTINGS + EXTRA)
    assert entry["settings"]["epochs"] == 1 and entry["loss"]["epoch"] == [0, 1]
    snap = entry["snapshots"][-1]
    assert set(snap) == {"epoch", "input", "target", "prediction", "error", "rollout"}
    assert len(snap["input"]) == len(snap["prediction"]) == 6 and len(snap["rollout"]["prediction"]) == 32
    text = LiveRun({**SINE, "dataset": "lorem", "noise": 0.3}, **SMALL)
    assert text.settings["noise"] == 0.0 and text.entry()["kind"] == "text"
    assert text.entry()["vocab"] == list(text.task.corpus.vocab)


def test_reset_repeats_the_run_exactly():
    run = LiveRun(SINE, **SMALL)
    for _ in range(3):
        run.train_epoch()
    first = as_json(run.entry())
    run.reset()
    assert run.epoch == 0 and len(run.snapshots) == 1
    for _ in range(3):
        run.train_epoch()
    assert as_json(run.entry()) == first
    assert run.loss["validation"][-1] < run.loss["validation"][0]


def test_bad_settings_are_refused_by_name():
    with pytest.raises(ValueError, match="settings lack lr, batch"):
        LiveRun({k: v for k, v in SINE.items() if k not in ("lr", "batch")})
    with pytest.raises(ValueError, match="'layers' must be at least 1"):
        LiveRun({**SINE, "layers": 0})


def play_script(trainer, steps):
    """Run `steps` [(action, settings, ticks to wait after)] against the trainer in one event loop."""
    async def main():
        tasks = []
        for action, settings, ticks in steps:
            tasks.append(asyncio.ensure_future(trainer.control(action, settings)))
            for _ in range(ticks):
                await asyncio.sleep(0)
        await asyncio.gather(*tasks)
    run_async(main())


def test_trainer_plays_until_paused_and_says_so():
    sent = []
    trainer = LiveTrainer(sent.append, epochs=40, pace=0, **SMALL)
    play_script(trainer, [("play", SINE, 4), ("pause", SINE, 0)])
    epochs = [d["runs"][0]["settings"]["epochs"] for d in sent]
    assert epochs[:-1] == list(range(1, len(epochs))) and 2 <= len(epochs) < 10  # paused long before 40
    assert all(d["playing"] for d in sent[:-1]) and sent[-1]["playing"] is False
    assert {d["select"] for d in sent} == {"yours-1"}


def test_trainer_steps_resets_and_keeps_one_run_per_settings():
    sent = []
    trainer = LiveTrainer(sent.append, epochs=3, pace=0, **SMALL)
    gru = {**SINE, "cell": "gru"}
    play_script(trainer, [("step", SINE, 0), ("step", SINE, 0), ("step", gru, 0), ("reset", SINE, 0),
                          ("play", gru, 0)])
    names = [(d["runs"][0]["run"], d["runs"][0]["settings"]["epochs"]) for d in sent]
    assert names[:4] == [("yours-1", 1), ("yours-1", 2), ("yours-2", 1), ("yours-1", 0)]
    assert names[4:] == [("yours-2", 2), ("yours-2", 3), ("yours-2", 3)]  # play stops at `epochs`
    play_script(trainer, [("play", gru, 0)])  # at the limit, Play starts over
    assert sent[-1]["runs"][0]["settings"]["epochs"] == 3 and sent[-4]["runs"][0]["settings"]["epochs"] == 1


def test_a_change_of_settings_stops_the_play_without_pulling_the_view_back():
    sent = []
    trainer = LiveTrainer(sent.append, epochs=40, pace=0, **SMALL)
    other = {**SINE, "lr": 0.1}
    play_script(trainer, [("play", SINE, 3), ("settings", other, 0)])
    assert sent[-1]["playing"] is False and sent[-1]["select"] is None  # the figure shows `other` now
    assert all(d["select"] == "yours-1" for d in sent[:-1])
    assert len(sent) < 10


def test_reset_during_a_play_stops_it_and_a_new_play_runs_alone():
    sent = []
    trainer = LiveTrainer(sent.append, epochs=6, pace=0, **SMALL)
    play_script(trainer, [("play", SINE, 2), ("reset", SINE, 0), ("play", SINE, 40)])
    run = trainer.runs[live.settings_key(SINE)]
    assert run.loss["epoch"] == list(range(7))  # one play from 0 to 6 after the reset, not two interleaved
    assert sent[-1]["playing"] is False and not trainer.playing


@pytest.mark.parametrize("dataset", ["sine", "abab"])
def test_gradients_panel_is_the_itemized_gradients_flattened_row_by_row(dataset):
    run = LiveRun({**SINE, "dataset": dataset, "layers": 2}, "mine", **SMALL)
    run.train_epoch()
    panel = json.loads(as_json(run.gradients()))
    w = run._window
    item = run.model.itemized_gradients(w["inputs"], w["targets"], run.task.loss)
    (snap,) = panel["snapshots"]
    assert panel["run"] == "mine" and panel["cell"] == "lstm" and snap["epoch"] == 1
    assert panel["kind"] == run.task.kind and len(panel["input"]) == len(panel["target"]) == len(snap["loss"]) == 6
    for k, layer in enumerate(snap["layers"]):
        for group in ("ih", "hh", "all"):
            np.testing.assert_array_equal(np.reshape(layer[group], (6, 6)), item["G"][k][group])
    if dataset == "abab":
        assert panel["vocab"] == run.task.vocab and all(isinstance(i, int) for i in panel["input"])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("loss", ["mse", "ce"])
def test_numpy_cell_trace_equals_precomputes_on_the_same_weights(cell, loss):
    """unrolled_lite.trace against unrolled.precompute.celltrace (itself checked against torch autograd)."""
    import torch

    from unrolled.precompute.celltrace import cell_trace as precompute_trace
    from unrolled.precompute.models import SequenceModel
    from unrolled_lite import init_model
    from unrolled_lite.trace import cell_trace

    rng = np.random.default_rng(1)
    size = 1 if loss == "mse" else 5
    model = init_model(cell, size, 6, 2, size, rng)
    reference = SequenceModel(cell, size, 6, 2, size).double()
    reference.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    x = rng.standard_normal((7, size))
    y = rng.standard_normal(7) if loss == "mse" else rng.integers(0, size, 7)
    mine, theirs = cell_trace(model, x, y, loss), precompute_trace(reference, x, y, loss)
    assert len(mine) == len(theirs) == 2
    for layer, expected in zip(mine, theirs):
        assert set(layer) == set(expected)
        for key in layer:
            np.testing.assert_allclose(layer[key], expected[key], rtol=0, atol=1e-12, err_msg=key)


def test_cell_panel_has_the_cell_payload_shape():
    run = LiveRun({**SINE, "dataset": "lorem"}, "mine", **SMALL)
    panel = json.loads(as_json(run.cell_trace()))
    assert {k for k in panel} == {"run", "kind", "cell", "sequence", "snapshots", "vocab"}
    (snap,) = panel["snapshots"]
    assert set(snap) == {"epoch", "input", "target", "output", "loss", "layers"}
    vocab = len(panel["vocab"])
    assert np.shape(snap["output"]) == (6, vocab) and np.shape(snap["layers"][0]["x"]) == (6, vocab)
    assert np.shape(snap["layers"][0]["c"]) == (6, 4)
