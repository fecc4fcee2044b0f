"""Training with snapshots: the real torch model, trained exactly as the spec says.

Runs single-threaded with deterministic algorithms so the same spec and seed give bit-identical
weights, whichever machine load or `--jobs` setting is used.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from .errors import SpecError
from .models import SequenceModel
from .spec import RunSpec

OPTIMIZERS = {"adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop, "sgd": torch.optim.SGD}


@dataclass
class TrainResult:
    model: SequenceModel
    snapshots: dict[int, dict[str, torch.Tensor]]
    loss_train: list[float]
    loss_validation: list[float]


def seeded_rng(spec: RunSpec, stream: int) -> np.random.Generator:
    """Independent NumPy streams per purpose (0 training data, 1 validation, 2 predictions, 3 traces)."""
    return np.random.default_rng([spec.seed, stream])


def as_tensors(task, inputs, targets):
    x = torch.as_tensor(inputs, dtype=torch.float32)
    y = torch.as_tensor(targets, dtype=torch.long if task.loss == "ce" else torch.float32)
    return x, y


def mean_loss(task, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean per-step loss over batch and time: MSE for values, cross-entropy for characters."""
    if task.loss == "ce":
        return F.cross_entropy(output.reshape(-1, output.shape[-1]), target.reshape(-1))
    return F.mse_loss(output, target)


def build_model(spec: RunSpec, task) -> SequenceModel:
    """The spec's model, seeded; an author's cell is loaded and checked against the protocol first."""
    cell = spec.cell
    if spec.model is not None:
        from .owncell import check_cell, load_cell

        cell = load_cell(spec)
        check_cell(spec, cell, task.input_size)
    torch.manual_seed(spec.seed)
    return SequenceModel(cell, task.input_size, spec.hidden, spec.layers, task.output_size)


def check_finite(spec: RunSpec, epoch: int, train_loss: float, validation_loss: float) -> None:
    """A loss that overflows to inf or NaN ends the run: its curves and weights would be meaningless."""
    which, value = next(((name, loss) for name, loss in (("training", train_loss), ("validation", validation_loss))
                         if not math.isfinite(loss)), (None, None))
    if which is None:
        return
    raise SpecError(f"run {spec.name!r} diverged: its {which} loss became {value} in epoch {epoch} "
                    f"(optimizer {spec.optimizer!r}, lr {spec.lr})", file=spec.source, line=spec.line_of("lr"),
                    rule="run-diverged",
                    hint=f"lower `lr` (e.g. {spec.lr / 10:g}), or use optimizer \"adam\" or \"rmsprop\", which "
                         "scale their steps; a smaller `window` or fewer `layers` also tame exploding gradients")


def train(spec: RunSpec, task, on_epoch: Callable[[int], None] | None = None) -> TrainResult:
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    model = build_model(spec, task)
    optimizer = OPTIMIZERS[spec.optimizer](model.parameters(), lr=spec.lr)
    data_rng = seeded_rng(spec, 0)
    val_x, val_y = as_tensors(task, *task.held_out(seeded_rng(spec, 1), spec.sequences, spec.window))
    snapshots, loss_train, loss_validation = {}, [], []

    def evaluate(x, y) -> float:
        with torch.no_grad():
            return float(mean_loss(task, model(x), y))

    x, y = as_tensors(task, *task.epoch(data_rng, spec.sequences, spec.window))
    for epoch in range(spec.epochs + 1):
        if epoch == 0:
            loss_train.append(evaluate(x, y))
        else:
            if epoch > 1:
                x, y = as_tensors(task, *task.epoch(data_rng, spec.sequences, spec.window))
            batch_losses = []
            for start in range(0, len(x), spec.batch):
                optimizer.zero_grad()
                loss = mean_loss(task, model(x[start:start + spec.batch]), y[start:start + spec.batch])
                loss.backward()
                optimizer.step()
                batch_losses.append(float(loss.detach()))
            loss_train.append(float(np.mean(batch_losses)))
        loss_validation.append(evaluate(val_x, val_y))
        check_finite(spec, epoch, loss_train[-1], loss_validation[-1])
        if epoch in spec.snapshots:
            snapshots[epoch] = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if on_epoch is not None:
            on_epoch(epoch)
    return TrainResult(model, snapshots, loss_train, loss_validation)
