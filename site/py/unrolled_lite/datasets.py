"""Training data: exploRNN's four functions and one-hot text, sampled with NumPy only.

Precompute (torch) and the in-browser trainer (Pyodide) both import this module, so the same seed gives
the same batches in both worlds. Every task is next-element prediction at every step: a sequence of
`window + 1` samples gives inputs `s[:-1]` and targets `s[1:]`.
"""
from __future__ import annotations

import math

import numpy as np

STEP = 0.2  # Δx between samples, as in exploRNN
ROLLOUT = 32  # autoregressive predictions shown after the validation window (exploRNN: 2π / 0.2 ≈ 32)


def _sawtooth(x):
    return -1.0 + 2.0 * (np.mod(x, math.pi) / math.pi)


def _square(x):
    return np.where(np.sin(math.pi / 2.0 * x) >= 0.0, 1.0, -1.0)


def _composite(x):
    return (np.sin(1.5 * x) + np.sin(4.5 * x)) * 2.0 / 3.0


#: name -> (function of x, period in x units)
FUNCTIONS = {
    "sine": (np.sin, 2.0 * math.pi),
    "sawtooth": (_sawtooth, math.pi),
    "square": (_square, 4.0),
    "composite": (_composite, 4.0 * math.pi / 3.0),
}


def function_values(name: str, x: np.ndarray) -> np.ndarray:
    """The noiseless function `name` at positions `x` (float64)."""
    fn, _ = FUNCTIONS[name]
    return np.asarray(fn(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def function_sequences(name: str, rng: np.random.Generator, count: int, length: int) -> np.ndarray:
    """`count` noiseless sequences of `length` samples, (count, length).

    Start offsets are spread evenly over one period from a random phase (as exploRNN does), then
    shuffled, so every epoch sees the whole shape of the function.
    """
    _, period = FUNCTIONS[name]
    phase = rng.uniform(0.0, period)
    starts = phase + period * np.arange(count) / count
    starts = starts[rng.permutation(count)]
    x = starts[:, None] + STEP * np.arange(length)[None, :]
    return function_values(name, x)


def add_noise(values: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    """Uniform noise in [-noise, noise]; exploRNN perturbs inputs only, never targets."""
    if noise <= 0.0:
        return values.copy()
    return values + rng.uniform(-noise, noise, size=values.shape)


def function_epoch(name: str, rng: np.random.Generator, count: int, window: int, noise: float = 0.0):
    """One epoch of training pairs: inputs (count, window, 1) with noise, targets (count, window, 1)."""
    seqs = function_sequences(name, rng, count, window + 1)
    inputs = add_noise(seqs[:, :-1], rng, noise)
    return inputs[..., None], seqs[:, 1:, None]
