"""Turn a trained run into documents: run (loss curves), weights and predictions per snapshot, the
traced views (itemized gradients, cell traces) and, when the spec asks, the horizon statistics."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from unrolled_lite import datasets

from . import arrays
from .documents import document
from .models import SequenceModel
from .train import TrainResult, as_tensors, seeded_rng


def model_at(result: TrainResult, epoch: int, dtype=torch.float32) -> SequenceModel:
    """A fresh copy of the model with the weights of one snapshot."""
    model = SequenceModel(*result.model.config)
    model.load_state_dict(result.snapshots[epoch])
    return model.to(dtype).eval()


def character_counts(corpus) -> dict:
    """How often each vocabulary character occurs in the training and in the validation text (the whole
    text for both when nothing is held out): what a unigram baseline of the corpus needs."""
    size = len(corpus.vocab)
    if corpus.held_out is None:
        both = np.bincount(corpus.ids, minlength=size).tolist()
        return {"train": both, "validation": both}
    return {"train": np.bincount(corpus.ids[~corpus.held_out], minlength=size).tolist(),
            "validation": np.bincount(corpus.ids[corpus.held_out], minlength=size).tolist()}


def run_document(spec, task, result: TrainResult, prov: dict) -> dict:
    info = {"kind": task.kind, "dataset": spec.dataset, "cell": spec.cell, "layers": spec.layers,
            "hidden": spec.hidden, "input_size": task.input_size, "output_size": task.output_size,
            "loss": task.loss}
    if task.kind == "text":
        info["vocab"] = task.vocab
    if getattr(task, "corpus", None) is not None:  # text corpora; recall draws fresh episodes
        info["counts"] = character_counts(task.corpus)
    if spec.model is not None:
        info["model"] = spec.model
    if hasattr(task, "series"):
        info["series"] = series_info(spec, task.series)
    loss = {"epoch": list(range(spec.epochs + 1)), "train": result.loss_train, "validation": result.loss_validation}
    return document("run", spec.name, prov, task=info, loss=loss, snapshots=sorted(result.snapshots))


def series_info(spec, series) -> dict:
    """An author's series as the documents record it: where its numbers came from and how they were
    normalised (real = value · scale + shift), so widgets and prose can speak in its units."""
    return {"file": spec.file, "columns": list(spec.columns), "target": spec.target, "x_column": spec.x_column,
            "unit": spec.unit, "normalize": spec.normalize, "shift": [float(v) for v in series.shift],
            "scale": [float(v) for v in series.scale], "rows": len(series.values),
            "train_rows": series.rows("train"), "validation_rows": series.rows("validation"),
            "x_start": series.x_start, "x_step": series.x_step}


def axes(spec, task) -> dict:
    """The predictions' axis labels and, for an author's series, the target's real units."""
    if not hasattr(task, "series"):
        return {}
    s = task.series
    return {"y": {"label": spec.target, "unit": spec.unit or "", "shift": float(s.shift[s.target]),
                  "scale": float(s.scale[s.target])}}


def weights_document(spec, result: TrainResult, prov: dict) -> dict:
    snaps = [{"epoch": e, "state_dict": {k: arrays.encode(v.numpy(), "float32") for k, v in sd.items()}}
             for e, sd in sorted(result.snapshots.items())]
    return document("weights", spec.name, prov, snapshots=snaps)


def _rollout(model: SequenceModel, inputs: torch.Tensor, steps: int) -> np.ndarray:
    """Feed the window, then each prediction back in as the next input (exploRNN's validation plot)."""
    with torch.no_grad():
        states, carry = model.rnn(inputs[None])
        value = model.head(states[:, -1:])
        out = []
        for _ in range(steps):
            out.append(float(value[0, 0, 0]))
            states, carry = model.rnn(value, carry)
            value = model.head(states)
    return np.array(out)


def predictions_document(spec, task, result: TrainResult, prov: dict) -> dict:
    window = task.validation_window(seeded_rng(spec, 2), spec.window)
    x, y = as_tensors(task, window["inputs"], window["targets"])
    shown = getattr(task, "shown", 0)
    snaps = []
    for epoch in sorted(result.snapshots):
        model = model_at(result, epoch)
        with torch.no_grad():
            out = model(x[None])[0]
        if task.kind == "function":
            pred = out[:, 0].numpy()
            entry = {"input": arrays.encode(window["inputs"][:, shown]), "target": arrays.encode(window["targets"]),
                     "prediction": arrays.encode(pred), "error": arrays.encode(pred - window["targets"])}
            if window["continuation"] is not None:
                entry["rollout"] = {"prediction": arrays.encode(_rollout(model, x, len(window["continuation"]))),
                                    "target": arrays.encode(window["continuation"])}
        else:
            ce = F.cross_entropy(out, y, reduction="none").numpy()
            entry = {"input": arrays.encode(window["inputs"].argmax(-1), "int32"),
                     "target": arrays.encode(window["targets"], "int32"),
                     "prediction": arrays.encode(out.argmax(-1).numpy(), "int32"), "error": arrays.encode(ce)}
        snaps.append({"epoch": epoch, **entry})
    x_axis = {"start": window["start"], "step": window.get("step", datasets.STEP)}
    if spec.dataset == "csv":
        x_axis["label"] = spec.x_column or "step"
    body = {"kind": task.kind, "x": x_axis, "snapshots": snaps, **axes(spec, task)}
    if task.kind == "text":
        body["vocab"] = task.vocab
    return document("predictions", spec.name, prov, **body)


def traced_sequences(spec, task) -> list[tuple[np.ndarray, np.ndarray]]:
    """The validation sequences whose gradients and cell values are exported, same at every snapshot."""
    if spec.trace_text is not None:
        ids = task.corpus.encode(spec.trace_text)
        return [(task.corpus.one_hot(ids[:-1]), ids[1:])]
    if spec.trace == 0:
        return []
    inputs, targets = held_out_sequences(spec, task, spec.trace)
    return list(zip(inputs, targets))


def held_out_sequences(spec, task, count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` validation sequences of `trace_window` steps: inputs (N, T, D), targets (N, T).

    Itemized, cell-trace and horizon documents draw from the same stream, so the first `trace` of the
    horizon's sequences are the itemized document's (when no `trace_text` replaces them)."""
    inputs, targets = task.held_out(seeded_rng(spec, 3), count, spec.trace_window)
    return inputs, targets[..., 0] if task.kind == "function" else targets


def _sequence_header(task, x: np.ndarray, y: np.ndarray) -> dict:
    if task.kind == "function":
        return {"input": arrays.encode(x[:, getattr(task, "shown", 0)], "float64"), "target": arrays.encode(y, "float64")}
    return {"input": arrays.encode(x.argmax(-1), "int32"), "target": arrays.encode(y, "int32")}


def step_losses(model: SequenceModel, task, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """L_t for each step of one sequence, in float64: (ŷ_t − y_t)² or −log p(y_t)."""
    with torch.no_grad():
        out = model(torch.as_tensor(x, dtype=torch.float64)[None])[0]
    if task.loss == "ce":
        return F.cross_entropy(out, torch.as_tensor(y, dtype=torch.long), reduction="none").numpy()
    return ((out[:, 0] - torch.as_tensor(y, dtype=torch.float64)) ** 2).numpy()


def _traced_document(kind: str, spec, task, result: TrainResult, prov: dict, per_sequence) -> dict:
    """Per snapshot, per traced sequence: its header, per-step losses and what `per_sequence` adds."""
    seqs = traced_sequences(spec, task)
    snaps = []
    for epoch in sorted(result.snapshots):
        model = model_at(result, epoch, torch.float64)
        entries = [{**_sequence_header(task, x, y), "loss": arrays.encode(step_losses(model, task, x, y), "float64"),
                    **per_sequence(model, x, y)} for x, y in seqs]
        snaps.append({"epoch": epoch, "sequences": entries})
    body = {"kind": task.kind, "cell": spec.cell, "snapshots": snaps}
    if task.kind == "text":
        body["vocab"] = task.vocab
    return document(kind, spec.name, prov, **body)


def itemized_document(spec, task, result: TrainResult, prov: dict) -> dict:
    from .generic_itemized import itemized_gradients_generic
    from .itemized import itemized_gradients

    itemize = itemized_gradients_generic if spec.model is not None else itemized_gradients

    def layers(model, x, y):
        grads = itemize(model, x, y, task.loss)
        return {"layers": [{**{g: arrays.encode(grads["G"][k][g], "float64") for g in ("ih", "hh", "all")},
                            "H": arrays.encode(grads["H"][k], "float64")} for k in range(spec.layers)]}

    return _traced_document("itemized-gradients", spec, task, result, prov, layers)


def cell_trace_document(spec, task, result: TrainResult, prov: dict) -> dict:
    from .celltrace import cell_trace, custom_cell_trace

    trace = custom_cell_trace if spec.model is not None else cell_trace

    def layers(model, x, y):
        with torch.no_grad():
            out = model(torch.as_tensor(x, dtype=torch.float64)[None])[0].numpy()
        return {"output": arrays.encode(out, "float64"),
                "layers": [_arrays(dict(sorted(layer.items()))) for layer in trace(model, x, y, task.loss)]}

    return _traced_document("cell-trace", spec, task, result, prov, layers)


def _arrays(tree, dtype: str = "float64"):
    """Encode every array in a nest of dicts and lists; None and numbers stay as they are."""
    if isinstance(tree, dict):
        return {k: _arrays(v, dtype) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_arrays(v, dtype) for v in tree]
    return arrays.encode(tree, dtype) if isinstance(tree, np.ndarray) else tree


def horizon_document(spec, task, result: TrainResult, prov: dict) -> dict:
    """Per snapshot, the reach statistics of `horizon.reach` over `spec.horizon` held-out sequences,
    with the mean loss and (text) accuracy per step, which say whether the reach is used."""
    from .horizon import reach

    xs, ys = held_out_sequences(spec, task, spec.horizon)
    snaps = []
    for epoch in sorted(result.snapshots):
        model = model_at(result, epoch, torch.float64)
        with torch.no_grad():
            out = model(torch.as_tensor(xs, dtype=torch.float64))
        entry = {"epoch": epoch, **_arrays(reach(model, xs, ys, task.loss, spec.horizon_threshold))}
        if task.loss == "ce":
            target = torch.as_tensor(ys, dtype=torch.long)
            step_loss = F.cross_entropy(out.transpose(1, 2), target, reduction="none").numpy()
            entry["accuracy"] = arrays.encode((out.argmax(-1) == target).double().mean(0).numpy(), "float64")
        else:
            step_loss = ((out[..., 0] - torch.as_tensor(ys, dtype=torch.float64)) ** 2).numpy()
        entry["loss"] = arrays.encode(step_loss.mean(0), "float64")
        snaps.append(entry)
    if task.kind == "function":
        sequences = {"input": arrays.encode(xs[..., getattr(task, "shown", 0)], "float64"), "target": arrays.encode(ys, "float64")}
    else:
        sequences = {"input": arrays.encode(xs.argmax(-1), "int32"), "target": arrays.encode(ys, "int32")}
    body = {"kind": task.kind, "cell": spec.cell, "threshold": spec.horizon_threshold, "sequences": sequences,
            "distance": arrays.encode(np.arange(spec.trace_window - 1), "int32"), "snapshots": snaps}
    if task.kind == "text":
        body["vocab"] = task.vocab
    return document("horizon", spec.name, prov, **body)


def all_documents(spec, task, result: TrainResult, prov: dict) -> dict[str, dict]:
    docs = {"run": run_document(spec, task, result, prov),
            "weights": weights_document(spec, result, prov),
            "predictions": predictions_document(spec, task, result, prov),
            "itemized-gradients": itemized_document(spec, task, result, prov),
            "cell-trace": cell_trace_document(spec, task, result, prov)}
    if spec.horizon:
        docs["horizon"] = horizon_document(spec, task, result, prov)
    return docs
