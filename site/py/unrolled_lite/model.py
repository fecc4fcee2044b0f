"""A stack of recurrent layers plus a linear head, keyed exactly like precompute's torch `SequenceModel`.

Parameter names are torch's (`rnn.weight_ih_l0`, …, `head.weight`, `head.bias`), so weights move
between the two worlds as plain dicts of arrays, and the same weights give the same numbers.
"""
from __future__ import annotations

import re

import numpy as np

from . import cells, losses, wavefront
from .itemized import itemized_gradients

PARAM_KINDS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def param_names(layers: int) -> list[str]:
    """Names in torch's `state_dict` order."""
    return [f"rnn.{kind}_l{k}" for k in range(layers) for kind in PARAM_KINDS] + ["head.weight", "head.bias"]


def param_shapes(cell: str, input_size: int, hidden: int, layers: int, output_size: int) -> dict[str, tuple]:
    gates = cells.GATES[cell] * hidden
    shapes = {}
    for k in range(layers):
        shapes.update({f"rnn.weight_ih_l{k}": (gates, input_size if k == 0 else hidden),
                       f"rnn.weight_hh_l{k}": (gates, hidden), f"rnn.bias_ih_l{k}": (gates,),
                       f"rnn.bias_hh_l{k}": (gates,)})
    shapes.update({"head.weight": (output_size, hidden), "head.bias": (output_size,)})
    return shapes


def _outer_sum(delta: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Σ over steps and columns of δ uᵀ (the weight gradient of a linear map), as one 2-D matmul."""
    def flat(a):
        return a.transpose(1, 0, 2).reshape(a.shape[1], -1)
    return flat(delta) @ flat(u).T


class Model:
    """RNN/LSTM/GRU stack + linear head on NumPy arrays. Build with `build_model` or `init_model`.

    `params` holds the live arrays (optimisers update them in place); `state_dict()` returns copies.
    """

    def __init__(self, cell: str, params: dict[str, np.ndarray]):
        if cell not in cells.GATES:
            raise ValueError(f"unknown cell {cell!r}; expected one of {sorted(cells.GATES)}")
        self.cell = cell
        self.params = params
        self._scratch = wavefront.Scratch()  # loss_and_grads' working arrays, reused batch after batch

    @property
    def num_layers(self) -> int:
        return (len(self.params) - 2) // 4

    @property
    def input_size(self) -> int:
        return self.params["rnn.weight_ih_l0"].shape[1]

    @property
    def hidden_size(self) -> int:
        return self.params["rnn.weight_hh_l0"].shape[1]

    @property
    def output_size(self) -> int:
        return self.params["head.weight"].shape[0]

    @property
    def dtype(self) -> np.dtype:
        return self.params["head.weight"].dtype

    def layer(self, k: int) -> cells.Weights:
        return cells.Weights(*(self.params[f"rnn.{kind}_l{k}"] for kind in PARAM_KINDS))

    @property
    def layers(self) -> list[cells.Weights]:
        return [self.layer(k) for k in range(self.num_layers)]

    def runs_stacked(self, steps: int) -> bool:
        """Whether a forward of `steps` runs all layers on the wavefront schedule (`wavefront.py`): LSTM
        stacks of two or more layers, over more than one step (one step leaves nothing to overlap)."""
        return self.cell == "lstm" and self.num_layers > 1 and steps > 1

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter, under torch's names and in torch's order."""
        return {name: self.params[name].copy() for name in param_names(self.num_layers)}

    # --- forward ---------------------------------------------------------------------------------

    def as_inputs(self, x) -> np.ndarray:
        """x as a (B, T, D) array of the model's dtype."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 3 or x.shape[2] != self.input_size or x.shape[1] == 0:
            raise ValueError(f"inputs must have shape (B, T >= 1, {self.input_size}), got {x.shape}")
        return x

    def trace(self, x: np.ndarray, state=None, scratch=wavefront.Fresh):
        """Forward pass keeping what the backward needs, in `cells`' (T, features, B) layout.

        Returns (outputs (T, O, B), per-layer caches, final state as (H, B) arrays per layer).
        A stacked forward keeps its arrays in `scratch`; with a `wavefront.Scratch` they last until its next use.
        """
        u = np.ascontiguousarray(x.transpose(1, 2, 0))
        if state is None:
            state = [cells.zero_state(self.cell, self.hidden_size, x.shape[0], self.dtype)] * self.num_layers
        if self.runs_stacked(x.shape[1]):
            u, final, caches = wavefront.lstm_forward(self.layers, u, state, scratch)
        else:
            caches, final = [], []
            for k in range(self.num_layers):
                u, last, cache = cells.FORWARD[self.cell](self.layer(k), u, state[k])
                caches.append(cache)
                final.append(last)
        out = cells.stacked_matmul(self.params["head.weight"], u) + self.params["head.bias"][:, None]
        return out, caches, final

    def forward_with_state(self, x, state=None):
        """(B, T, D) inputs from `state` (None: zeros) -> ((B, T, O) outputs, final state).

        A state is a list with one tuple per layer, (h,) or for LSTM (h, c), each (B, H) as in torch.
        """
        if state is not None:
            state = [tuple(np.ascontiguousarray(np.asarray(a, dtype=self.dtype).T) for a in layer) for layer in state]
        out, _, final = self.trace(self.as_inputs(x), state)
        return out.transpose(2, 0, 1), [tuple(a.T for a in layer) for layer in final]

    def forward(self, x) -> np.ndarray:
        """(B, T, D) -> (B, T, O), from the zero state, as `SequenceModel.forward`."""
        return self.forward_with_state(x)[0]

    # --- backward --------------------------------------------------------------------------------

    def backprop(self, caches: list[dict], dh_top: np.ndarray):
        """Yield (layer, cells.Backward) from the top layer down, given ∂/∂h of the top layer (T, H, R)."""
        if "stack" in caches[0]:
            stack = caches[0]["stack"]
            back = wavefront.lstm_backward(self.layers, stack, dh_top)
            for k in range(self.num_layers - 1, -1, -1):
                yield k, wavefront.layer_backward(back, k)
            return
        dh_in = dh_top
        for k in range(self.num_layers - 1, -1, -1):
            w = self.layer(k)
            back = cells.BACKWARD[self.cell](w, caches[k], dh_in)
            yield k, back
            if k:
                dh_in = cells.stacked_matmul(w.w_ih.T, back.d_ih)

    def mean_loss(self, x, y, loss: str) -> float:
        """Mean of L_t over batch and steps, without gradients (validation)."""
        out = self.forward(x)
        return float(losses.step_losses(out, losses.check_targets(out.shape, y, loss, self.dtype), loss).mean())

    def loss_and_grads(self, x, y, loss: str):
        """(mean loss over batch and steps, gradients keyed like `state_dict`) for a batch (B, T, D)."""
        x = self.as_inputs(x)
        out, caches, _ = self.trace(x, scratch=self._scratch)
        out_b = out.transpose(2, 0, 1)
        y = losses.check_targets(out_b.shape, y, loss, self.dtype)
        value = float(losses.step_losses(out_b, y, loss).mean())
        d_out = (losses.step_gradients(out_b, y, loss) / (x.shape[0] * x.shape[1])).transpose(1, 2, 0)
        head_w = self.params["head.weight"]
        grads = {"head.weight": _outer_sum(d_out, caches[-1]["h"]), "head.bias": d_out.sum(axis=(0, 2))}
        dh_top = cells.stacked_matmul(head_w.T, d_out)
        if "stack" in caches[0]:
            grads.update(self._stack_gradients(caches, dh_top))
        else:
            for k, back in self.backprop(caches, dh_top):
                grads[f"rnn.weight_ih_l{k}"] = _outer_sum(back.d_ih, caches[k]["u"])
                grads[f"rnn.weight_hh_l{k}"] = _outer_sum(back.d_hh, caches[k]["h_prev"])
                grads[f"rnn.bias_ih_l{k}"] = back.d_ih.sum(axis=(0, 2))
                grads[f"rnn.bias_hh_l{k}"] = back.d_hh.sum(axis=(0, 2))
        return value, {name: grads[name] for name in param_names(self.num_layers)}

    def _stack_gradients(self, caches: list[dict], dh_top: np.ndarray) -> dict[str, np.ndarray]:
        """The layers' gradients from one wavefront backward: per layer, W_ih, W_hh and the bias in one matmul."""
        stack = caches[0]["stack"]
        back = wavefront.lstm_backward(self.layers, stack, dh_top, self._scratch)
        grads = {}
        for k, (w_ih, w_hh, b) in enumerate(wavefront.weight_gradients(stack, back, self._scratch)):
            if w_ih is None:
                w_ih = _outer_sum(wavefront.layer_backward(back, k).d_ih, caches[k]["u"])
            grads.update({f"rnn.weight_ih_l{k}": w_ih, f"rnn.weight_hh_l{k}": w_hh,
                          f"rnn.bias_ih_l{k}": b, f"rnn.bias_hh_l{k}": b.copy()})
        return grads

    def trace_sequence(self, x, y, loss: str, view: str = "this view"):
        """Forward of ONE sequence x (T, D) for the per-step views (itemized gradients, cell traces).

        Returns (outputs (T, O), caches as `trace` gives them, ∂L_t/∂ŷ_t for every step (T, O))."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 2:
            raise ValueError(f"{view} takes one sequence (T, D), got shape {x.shape}")
        out, caches, _ = self.trace(self.as_inputs(x[None]))
        out = out[:, :, 0]
        y = losses.check_targets(out.shape, y, loss, self.dtype)
        return out, caches, losses.step_gradients(out, y, loss)

    def itemized_gradients(self, x, y, loss: str) -> dict:
        """Per-step gradient norms of one sequence (T, D); see `itemized.itemized_gradients`."""
        return itemized_gradients(self, x, y, loss)


def build_model(cell: str, state_dict: dict, dtype=np.float64) -> Model:
    """A model from arrays keyed by torch's names; sizes are read off the shapes. Arrays are copied."""
    names = set(state_dict)
    layers = len([n for n in names if re.fullmatch(r"rnn\.weight_ih_l\d+", n)])
    if cell not in cells.GATES:
        raise ValueError(f"unknown cell {cell!r}; expected one of {sorted(cells.GATES)}")
    if layers == 0 or "head.weight" not in names or "rnn.weight_hh_l0" not in names:
        raise ValueError("state_dict needs rnn.weight_ih_l0, rnn.weight_hh_l0, ... and head.weight")
    hidden = np.shape(state_dict["rnn.weight_hh_l0"])[1]
    expected = param_shapes(cell, np.shape(state_dict["rnn.weight_ih_l0"])[1], hidden, layers,
                            np.shape(state_dict["head.weight"])[0])
    if names != set(expected):
        raise ValueError(f"state_dict names differ from a {layers}-layer {cell}: "
                         f"missing {sorted(set(expected) - names)}, unexpected {sorted(names - set(expected))}")
    params = {name: np.array(state_dict[name], dtype=dtype) for name in expected}
    for name, shape in expected.items():
        if params[name].shape != shape:
            raise ValueError(f"{name} has shape {params[name].shape}; a {cell} with hidden {hidden} needs {shape}")
    return Model(cell, params)


def init_model(cell: str, input_size: int, hidden: int, layers: int, output_size: int,
               rng: np.random.Generator, dtype=np.float64) -> Model:
    """Fresh weights drawn as torch does, U(−1/√H, 1/√H) for every parameter (head: fan-in H)."""
    if cell not in cells.GATES:
        raise ValueError(f"unknown cell {cell!r}; expected one of {sorted(cells.GATES)}")
    bound = 1.0 / np.sqrt(hidden)
    shapes = param_shapes(cell, input_size, hidden, layers, output_size)
    return Model(cell, {name: rng.uniform(-bound, bound, size=shape).astype(dtype) for name, shape in shapes.items()})
