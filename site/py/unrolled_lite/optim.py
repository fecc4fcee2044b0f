"""Optimisers that repeat torch's update arithmetic step for step (torch's defaults, no weight decay).

Each one updates a dict of parameter arrays in place from a dict of gradients with the same keys, so
a NumPy run and a torch run started from the same weights and fed the same batches stay together.
Adam and RMSprop keep their running averages in one flat vector: the arithmetic is elementwise, so
this changes no number, and a dozen small arrays cost one NumPy call per operation instead of twelve.
"""
from __future__ import annotations

import numpy as np


class _Optimizer:
    default_lr = 1e-3

    def __init__(self, params: dict[str, np.ndarray], lr: float | None = None):
        if not params:
            raise ValueError("the optimizer got no parameters")
        self.params = params
        self.lr = self.default_lr if lr is None else lr
        self.names = list(params)
        self.ends = np.cumsum([params[name].size for name in self.names]).tolist()

    def _flatten(self, grads: dict[str, np.ndarray]) -> np.ndarray:
        return np.concatenate([grads[name].ravel() for name in self.names])

    def _subtract(self, update: np.ndarray) -> None:
        """p ← p − update, per parameter, from the flat vector."""
        start = 0
        for name, end in zip(self.names, self.ends):
            param = self.params[name]
            param -= update[start:end].reshape(param.shape)
            start = end

    def _zeros(self) -> np.ndarray:
        return np.zeros(self.ends[-1], dtype=self.params[self.names[0]].dtype)


class SGD(_Optimizer):
    """Plain gradient descent: p ← p − lr·g."""

    def step(self, grads: dict[str, np.ndarray]) -> None:
        self._subtract(self.lr * self._flatten(grads))


class RMSprop(_Optimizer):
    """torch's RMSprop: v ← αv + (1−α)g²; p ← p − lr·g / (√v + ε)."""

    default_lr = 1e-2

    def __init__(self, params: dict[str, np.ndarray], lr: float | None = None, alpha: float = 0.99,
                 eps: float = 1e-8):
        super().__init__(params, lr)
        self.alpha, self.eps = alpha, eps
        self.square_avg = self._zeros()

    def step(self, grads: dict[str, np.ndarray]) -> None:
        grad, avg = self._flatten(grads), self.square_avg
        avg *= self.alpha
        avg += (1 - self.alpha) * grad * grad
        self._subtract(self.lr * (grad / (np.sqrt(avg) + self.eps)))


class Adam(_Optimizer):
    """torch's Adam with its bias correction: the step divides m by √v / √(1−β₂ᵗ) + ε, scaled by lr / (1−β₁ᵗ)."""

    def __init__(self, params: dict[str, np.ndarray], lr: float | None = None, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8):
        super().__init__(params, lr)
        self.betas, self.eps = betas, eps
        self.steps = 0
        self.exp_avg, self.exp_avg_sq = self._zeros(), self._zeros()

    def step(self, grads: dict[str, np.ndarray]) -> None:
        beta1, beta2 = self.betas
        self.steps += 1
        step_size = self.lr / (1 - beta1 ** self.steps)
        correction2_sqrt = (1 - beta2 ** self.steps) ** 0.5
        grad, m, v = self._flatten(grads), self.exp_avg, self.exp_avg_sq
        m += (1 - beta1) * (grad - m)  # torch's lerp for weights below 0.5
        v *= beta2
        v += (1 - beta2) * grad * grad
        self._subtract(step_size * (m / (np.sqrt(v) / correction2_sqrt + self.eps)))


OPTIMIZERS = {"adam": Adam, "rmsprop": RMSprop, "sgd": SGD}


def make_optimizer(name: str, params: dict[str, np.ndarray], lr: float | None = None):
    """Optimiser `name` ("adam", "rmsprop", "sgd") over `params`, at torch's default lr unless given."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {sorted(OPTIMIZERS)}")
    return OPTIMIZERS[name](params, lr=lr)
