"""What a run learns: its data, input/output sizes and loss, built from a spec.

All sampling goes through `unrolled_lite.datasets` (NumPy only), shared with the in-browser trainer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from unrolled_lite import datasets

from .spec import FUNCTION_DATASETS, RunSpec


@dataclass
class FunctionTask:
    """Next-value regression on one of exploRNN's functions (MSE at every step)."""

    dataset: str
    noise: float
    kind: str = "function"
    loss: str = "mse"
    input_size: int = 1
    output_size: int = 1
    vocab: list = field(default_factory=list)

    def epoch(self, rng: np.random.Generator, count: int, window: int):
        return datasets.function_epoch(self.dataset, rng, count, window, self.noise)

    def validation_window(self, rng: np.random.Generator, window: int) -> dict:
        """A fixed window plus the continuation the autoregressive roll-out must follow."""
        _, period = datasets.FUNCTIONS[self.dataset]
        start = float(rng.uniform(0.0, period))
        x = start + datasets.STEP * np.arange(window + 1 + datasets.ROLLOUT)
        values = datasets.function_values(self.dataset, x)
        inputs = datasets.add_noise(values[:window], rng, self.noise)
        return {"start": start, "inputs": inputs[:, None], "targets": values[1:window + 1],
                "continuation": values[window + 1:]}


@dataclass
class TextTask:
    """Next-character classification on a one-hot corpus (cross-entropy at every step)."""

    dataset: str
    corpus: "datasets.TextCorpus"
    kind: str = "text"
    loss: str = "ce"

    @property
    def vocab(self) -> list:
        return list(self.corpus.vocab)

    @property
    def input_size(self) -> int:
        return len(self.corpus.vocab)

    output_size = input_size

    def epoch(self, rng: np.random.Generator, count: int, window: int):
        return self.corpus.epoch(rng, count, window)

    def validation_window(self, rng: np.random.Generator, window: int) -> dict:
        inputs, targets = self.corpus.epoch(rng, 1, window)
        return {"start": 0.0, "inputs": inputs[0], "targets": targets[0], "continuation": None}


def check_trace_text(spec: RunSpec, corpus) -> None:
    """Every traced character must be one the model can read."""
    unknown = sorted(set(spec.trace_text) - set(corpus.vocab))
    if unknown:
        from .errors import SpecError
        from .spec import _find_line

        text = spec.source.read_text(encoding="utf-8")
        raise SpecError(f"run {spec.name!r}, key 'trace_text': characters {unknown!r} are not in the "
                        f"{spec.dataset} corpus", file=spec.source, line=_find_line(text, r"^\s*trace_text\s*=")
                        or spec.line, rule="spec-trace-text", hint="trace text taken from the corpus itself")


def make_task(spec: RunSpec):
    if spec.dataset in FUNCTION_DATASETS:
        return FunctionTask(spec.dataset, spec.noise)
    corpus_dir = None
    if spec.corpus is not None:
        corpus_dir = Path(spec.corpus)
        if not corpus_dir.is_absolute():
            corpus_dir = spec.source.parent / corpus_dir
    task = TextTask(spec.dataset, datasets.load_text(spec.dataset, corpus_dir))
    if spec.trace_text is not None:
        check_trace_text(spec, task.corpus)
    return task
