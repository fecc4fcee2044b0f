"""What a run learns, as data: the training epochs and the fixed validation window of a dataset.

Precompute and the in-browser trainer both build their runs from these classes, so a dataset's
windows, targets and loss are defined once: the same seed gives the same epochs and the same
validation window on either side. `held_out` draws validation data: text the model never trains on
for a corpus with held-out blocks, otherwise the same kind of windows as `epoch` (fresh draws).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import datasets


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

    held_out = epoch

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
    corpus: datasets.TextCorpus
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

    def held_out(self, rng: np.random.Generator, count: int, window: int):
        return self.corpus.epoch(rng, count, window, "validation")

    def validation_window(self, rng: np.random.Generator, window: int) -> dict:
        inputs, targets = self.held_out(rng, 1, window)
        return {"start": 0.0, "inputs": inputs[0], "targets": targets[0], "continuation": None}


@dataclass
class RecallTask:
    """Delayed recall (`datasets.recall_epoch`): a key, `delay - 1` distractors, then the key is asked for.

    A text task over the symbols of `datasets.recall_vocab`, so every text view can show it; episodes
    are endless fresh draws, so validation episodes are as unseen as held-out text.
    """

    delay: int
    symbols: int
    dataset: str = "recall"
    kind: str = "text"
    loss: str = "ce"

    @property
    def vocab(self) -> list:
        return list(datasets.recall_vocab(self.symbols))

    @property
    def input_size(self) -> int:
        return len(self.vocab)

    output_size = input_size

    def epoch(self, rng: np.random.Generator, count: int, window: int):
        return datasets.recall_epoch(rng, count, window, self.delay, self.symbols)

    held_out = epoch

    def validation_window(self, rng: np.random.Generator, window: int) -> dict:
        inputs, targets = self.epoch(rng, 1, window)
        return {"start": 0.0, "inputs": inputs[0], "targets": targets[0], "continuation": None}


@dataclass
class SeriesTask:
    """Next-value regression on an author's time series (`datasets.Series`, MSE at every step).

    The inputs are the chosen columns, the target the next value of one of them; training windows come
    from the series' training rows, validation windows and the plotted window from its held-out tail.
    The plotted window starts where the held-out rows start; its roll-out runs on as far as they go
    (at most ROLLOUT steps), and only when the target is the one input (nothing else to feed back).
    """

    series: datasets.Series
    noise: float = 0.0
    dataset: str = "csv"
    kind: str = "function"
    loss: str = "mse"
    output_size: int = 1
    vocab: list = field(default_factory=list)

    @property
    def input_size(self) -> int:
        return self.series.values.shape[1]

    @property
    def shown(self) -> int:
        """The input column plotted beside the targets: the target's own column."""
        return self.series.target

    def epoch(self, rng: np.random.Generator, count: int, window: int):
        inputs, targets = self.series.epoch(rng, count, window, "train")
        return datasets.add_noise(inputs, rng, self.noise), targets

    def held_out(self, rng: np.random.Generator, count: int, window: int):
        inputs, targets = self.series.epoch(rng, count, window, "validation")
        return datasets.add_noise(inputs, rng, self.noise), targets

    def validation_window(self, rng: np.random.Generator, window: int) -> dict:
        s = self.series
        first = s.split
        values, column = s.values, s.values[:, s.target]
        rest = column[first + window + 1:first + window + 1 + datasets.ROLLOUT]
        inputs = datasets.add_noise(values[first:first + window], rng, self.noise)
        return {"start": s.x_start + s.x_step * first, "step": s.x_step, "inputs": inputs,
                "targets": column[first + 1:first + window + 1],
                "continuation": rest if self.input_size == 1 and len(rest) else None}


TASK_DATASETS = ("recall",)


def make_task(dataset: str, noise: float = 0.0, corpus_dir=None, delay: int = 10, symbols: int = 4):
    """The task for a dataset name: a function (with input noise), a text corpus (noise does not apply),
    or delayed recall (`delay`, `symbols`)."""
    if dataset in datasets.FUNCTIONS:
        return FunctionTask(dataset, float(noise))
    if dataset == "recall":
        return RecallTask(int(delay), int(symbols))
    return TextTask(dataset, datasets.load_text(dataset, corpus_dir))
