"""Training epochs and the validation views: what the in-browser trainer runs between redraws."""
from __future__ import annotations

import numpy as np

from . import losses
from .datasets import ROLLOUT


def train_epoch(model, optimizer, inputs, targets, batch: int, loss: str) -> dict:
    """One pass over (N, T, D) inputs in order, one optimiser step per `batch` sequences (as precompute).

    Returns {"loss": mean of the batch losses, "steps": optimiser steps, "batch_losses": list}.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    batch_losses = []
    for start in range(0, len(inputs), batch):
        value, grads = model.loss_and_grads(inputs[start:start + batch], targets[start:start + batch], loss)
        optimizer.step(grads)
        batch_losses.append(value)
    return {"loss": float(np.mean(batch_losses)), "steps": len(batch_losses), "batch_losses": batch_losses}


def predict_window(model, inputs, targets, loss: str) -> dict:
    """One validation window (T, D): raw outputs (T, O), per-step losses, their mean, and the prediction
    a plot shows (the value for one-output regression, the most likely id for text)."""
    out = model.forward(np.asarray(inputs)[None])[0]
    step = losses.step_losses(out, losses.check_targets(out.shape, targets, loss, model.dtype), loss)
    if loss == "ce":
        prediction = out.argmax(axis=-1)
    else:
        prediction = out[:, 0] if out.shape[1] == 1 else out
    return {"output": out, "prediction": prediction, "step_loss": step, "loss": float(step.mean())}


def rollout(model, inputs, steps: int = ROLLOUT) -> np.ndarray:
    """Predict after a (T, 1) window, then feed each prediction back in as the next input: (steps,).

    This is exploRNN's free-running view of a function: errors compound, as they would in use.
    """
    if model.input_size != 1 or model.output_size != 1:
        raise ValueError("a roll-out feeds outputs back as inputs: it needs one input and one output")
    out, state = model.forward_with_state(np.asarray(inputs)[None])
    value = out[:, -1:]
    predictions = np.empty(steps, dtype=model.dtype)
    for i in range(steps):
        predictions[i] = value[0, 0, 0]
        value, state = model.forward_with_state(value, state)
    return predictions
