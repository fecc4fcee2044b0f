"""Runs trained live, epoch by epoch, in the shape the {network} figure reads.

`LiveRun` is one network in training; `LiveTrainer` answers a {network} figure's controls (play, pause,
step, reset, settings) with one `LiveRun` per combination of settings the reader asks for, publishing
`{"runs": [run.entry()], "select": …, "playing": …}` after each epoch, which the figure shows like a
precomputed run. A page's Python cell registers it with `unrolled_page.on_control(trainer.control)`.

LiveRun's loop is precompute's:
the same random streams (`[seed, 0]` training epochs, `[seed, 1]` the validation epoch, `[seed, 2]` the
prediction window), epoch 0 is the untrained model measured on the first epoch's data, epoch 1 trains
on that same data and every later epoch draws fresh sequences. Started from a precomputed run's epoch-0
weights (`weights=`), it retraces that run up to float32-versus-float64 rounding.
"""
from __future__ import annotations

import asyncio

import numpy as np

from . import datasets
from .model import build_model, init_model
from .optim import make_optimizer
from .tasks import make_task
from .trace import cell_trace
from .train import predict_window, rollout, train_epoch

#: The settings a {network} figure's controls choose (its `network-control` events carry them).
SETTINGS = ("dataset", "cell", "layers", "hidden", "lr", "batch", "noise")
#: The random stream that draws fresh weights (precompute's streams 0–3 are data, validation, window, traces).
WEIGHTS_STREAM = 4


def normalise(settings: dict) -> dict:
    """The SETTINGS of `settings` as a run has them: whole numbers for sizes, no noise on text."""
    absent = [k for k in SETTINGS if k not in settings]
    if absent:
        raise ValueError(f"settings lack {', '.join(absent)}; a run needs {', '.join(SETTINGS)}")
    out = {k: settings[k] for k in SETTINGS}
    for key in ("layers", "hidden", "batch"):
        if int(out[key]) < 1:
            raise ValueError(f"setting {key!r} must be at least 1, got {out[key]!r}")
        out[key] = int(out[key])
    out["lr"] = float(out["lr"])
    out["noise"] = float(out["noise"]) if out["dataset"] in datasets.FUNCTIONS else 0.0
    return out


def settings_key(settings: dict) -> tuple:
    """A hashable key: two settings dicts with the same key train the same run."""
    return tuple(normalise(settings).values())


def gradients_panel(name: str, model, inputs, targets, loss: str, epoch: int, cell: str | None = None,
                    vocab=None) -> dict:
    """One panel of the {gradients} payload for a window (T, D): every layer's itemized gradients
    (T×T, row t = loss step, flattened as the widget reads them) and the per-step loss, at `epoch`.

    Publish `{"sequence": 0, "panels": [panel, …]}` to a {gradients} figure."""
    item = model.itemized_gradients(inputs, targets, loss)
    seen = predict_window(model, inputs, targets, loss)
    text = loss == "ce"
    panel = {"run": name, "cell": cell or model.cell, "kind": "text" if text else "function",
             "input": np.asarray(inputs).argmax(-1) if text else np.asarray(inputs)[:, 0],
             "target": np.asarray(targets).reshape(len(inputs)),
             "snapshots": [{"epoch": epoch, "loss": seen["step_loss"],
                            "layers": [{g: m.ravel() for g, m in item["G"][k].items()} for k in sorted(item["G"])]}]}
    if text:
        panel["vocab"] = list(vocab or [])
    return panel


def cell_panel(name: str, model, inputs, targets, loss: str, epoch: int, vocab=None) -> dict:
    """The {cell} payload for one window (T, D) at `epoch`: every value inside every cell, forward and
    backward (`trace.cell_trace`), with the window's outputs and per-step losses. Publish it as it is to
    a {cell} figure that draws a network of the same shape (cell type, layers, sizes)."""
    seen = predict_window(model, inputs, targets, loss)
    text = loss == "ce"
    snap = {"epoch": epoch, "input": np.asarray(inputs).argmax(-1) if text else np.asarray(inputs)[:, 0],
            "target": np.asarray(targets).reshape(len(inputs)), "output": seen["output"], "loss": seen["step_loss"],
            "layers": cell_trace(model, inputs, targets, loss)}
    panel = {"run": name, "kind": "text" if text else "function", "cell": model.cell, "sequence": 0,
             "snapshots": [snap]}
    if text:
        panel["vocab"] = list(vocab or [])
    return panel


class LiveRun:
    """One network trained in the page: `train_epoch()` adds an epoch, `entry()` is what the figure reads.

    `settings` needs the keys of SETTINGS (extra keys are ignored); text datasets take no input noise.
    """

    def __init__(self, settings: dict, name: str = "live", *, seed: int = 0, sequences: int = 100,
                 window: int = 15, optimizer: str = "rmsprop", weights: dict | None = None, dtype=np.float64):
        self.settings = normalise(settings)
        self.name, self.seed, self.sequences, self.window = name, seed, sequences, window
        self.optimizer_name, self.weights, self.dtype = optimizer, weights, dtype
        self.task = make_task(self.settings["dataset"], self.settings["noise"])
        self.reset()

    def _rng(self, stream: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, stream])

    def _epoch_data(self, rng):
        x, y = self.task.epoch(rng, self.sequences, self.window)
        return np.asarray(x, dtype=self.dtype), y

    def reset(self) -> None:
        """Back to the untrained network (epoch 0), with the same weights and data as the first time."""
        s = self.settings
        if self.weights is not None:
            self.model = build_model(s["cell"], self.weights, dtype=self.dtype)
        else:
            self.model = init_model(s["cell"], self.task.input_size, s["hidden"], s["layers"],
                                    self.task.output_size, self._rng(WEIGHTS_STREAM), dtype=self.dtype)
        self.optimizer = make_optimizer(self.optimizer_name, self.model.params, lr=float(s["lr"]))
        self._data_rng = self._rng(0)
        x, y = self.task.held_out(self._rng(1), self.sequences, self.window)
        self._validation = np.asarray(x, dtype=self.dtype), y
        self._window = self.task.validation_window(self._rng(2), self.window)
        self._next = self._epoch_data(self._data_rng)
        self.loss = {"epoch": [], "train": [], "validation": []}
        self.snapshots: list[dict] = []
        self._record(0, self.model.mean_loss(*self._next, self.task.loss))

    @property
    def epoch(self) -> int:
        """The last epoch trained (0: none yet)."""
        return self.loss["epoch"][-1]

    def train_epoch(self) -> float:
        """Train one more epoch; returns its validation loss."""
        x, y = self._next if self._next is not None else self._epoch_data(self._data_rng)
        self._next = None
        trained = train_epoch(self.model, self.optimizer, x, y, self.settings["batch"], self.task.loss)
        self._record(self.epoch + 1, trained["loss"])
        return self.loss["validation"][-1]

    def _record(self, epoch: int, train_loss: float) -> None:
        self.loss["epoch"].append(epoch)
        self.loss["train"].append(float(train_loss))
        self.loss["validation"].append(float(self.model.mean_loss(*self._validation, self.task.loss)))
        self.snapshots.append(self.snapshot(epoch))

    def snapshot(self, epoch: int) -> dict:
        """The prediction window now: inputs, targets, predictions, errors (and the roll-out for functions)."""
        w = self._window
        seen = predict_window(self.model, w["inputs"], w["targets"], self.task.loss)
        if self.task.kind == "function":
            prediction = seen["prediction"]
            return {"epoch": epoch, "input": w["inputs"][:, 0], "target": w["targets"], "prediction": prediction,
                    "error": prediction - w["targets"],
                    "rollout": {"prediction": rollout(self.model, w["inputs"]), "target": w["continuation"]}}
        return {"epoch": epoch, "input": np.asarray(w["inputs"]).argmax(-1), "target": w["targets"],
                "prediction": seen["prediction"], "error": seen["step_loss"]}

    def gradients(self) -> dict:
        """The {gradients} panel of the prediction window now (see `gradients_panel`)."""
        w = self._window
        return gradients_panel(self.name, self.model, w["inputs"], w["targets"], self.task.loss, self.epoch,
                               vocab=self.task.vocab or None)

    def cell_trace(self) -> dict:
        """The {cell} payload of the prediction window now (see `cell_panel`)."""
        w = self._window
        return cell_panel(self.name, self.model, w["inputs"], w["targets"], self.task.loss, self.epoch,
                          vocab=self.task.vocab or None)

    def entry(self) -> dict:
        """The run as one entry of the {network} payload (`{"runs": [entry]}`)."""
        settings = {**self.settings, "optimizer": self.optimizer_name, "window": self.window,
                    "sequences": self.sequences, "epochs": self.epoch, "seed": self.seed}
        entry = {"run": self.name, "settings": settings, "kind": self.task.kind, "loss": self.loss,
                 "x": {"start": self._window["start"], "step": datasets.STEP}, "snapshots": self.snapshots}
        if self.task.kind == "text":
            entry["vocab"] = self.task.vocab
        return entry


class LiveTrainer:
    """A {network} figure's controls, answered by training: use `control` as an on_control handler.

    play   trains the selected settings' run epoch after epoch, publishing each, until pause, reset, a
           change of settings or `epochs` (at that limit, Play starts the run over);
    step   trains one epoch; reset starts the run over; pause and settings stop a play.
    `publish(data)` sends data to the figure; `pace` seconds pass between epochs so the figure can
    draw and later controls get through; `run_options` go to every LiveRun (seed, optimizer, window, …).
    """

    def __init__(self, publish, *, epochs: int = 50, pace: float = 0.05, name: str = "yours", **run_options):
        self.publish, self.epochs, self.pace, self.name = publish, epochs, pace, name
        self.run_options = run_options
        self.runs: dict[tuple, LiveRun] = {}
        self.settings: dict | None = None  # what the figure shows now
        self._playing = None  # the running play's token

    @property
    def playing(self) -> bool:
        return self._playing is not None

    def run_for(self, settings: dict) -> LiveRun:
        """The run of these settings, created (untrained) the first time they are asked for."""
        key = settings_key(settings)
        if key not in self.runs:
            self.runs[key] = LiveRun(settings, f"{self.name}-{len(self.runs) + 1}", **self.run_options)
        return self.runs[key]

    def show(self, run: LiveRun) -> None:
        """Publish `run`; the figure switches to it only if it still shows the run's settings."""
        shown = self.settings is None or settings_key(self.settings) == settings_key(run.settings)
        self.publish({"runs": [run.entry()], "select": run.name if shown else None, "playing": self.playing})

    async def control(self, action: str, settings: dict) -> None:
        """The on_control handler: (action, settings) from the figure's `network-control` events."""
        self.settings = settings
        if action in ("pause", "settings"):
            self._playing = None
            return
        run = self.run_for(settings)
        if action == "reset":
            self._playing = None
            run.reset()
            self.show(run)
        elif action == "step":
            run.train_epoch()
            self.show(run)
        elif action == "play":
            await self._play(run)

    async def _play(self, run: LiveRun) -> None:
        token = self._playing = object()
        if run.epoch >= self.epochs:
            run.reset()
        try:
            while self._playing is token and run.epoch < self.epochs:
                run.train_epoch()
                self.show(run)
                await asyncio.sleep(self.pace)
        finally:
            if self._playing is token:
                self._playing = None
            self.show(run)
