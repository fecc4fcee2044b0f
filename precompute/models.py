"""The recurrent models precompute trains: a recurrent stack plus a linear head.

The stack is torch's own multi-layer RNN/LSTM/GRU when every layer has the same size; layers of
different sizes (`hidden = [64, 32]`) become a `TorchStack` of single-layer torch modules; an author's
own cell (`model = "cells.py:Name"`, protocol in `owncell.py`) becomes a `CellStack`. Built-in
parameter names and shapes are exactly torch's own (`rnn.weight_ih_l0`, ..., `head.weight`) in both
built-in forms, so an exported `state_dict` can be loaded by anyone, including the in-browser trainer.
"""
from __future__ import annotations

import torch
from torch import nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
PARAM_KINDS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def layer_sizes(hidden, layers: int) -> list[int]:
    """`hidden` as one size per layer: an int repeated `layers` times, or the list as written."""
    return list(hidden) if isinstance(hidden, (list, tuple)) else [hidden] * layers


def _torch_layers(cell: str, input_size: int, sizes: list[int]):
    kwargs = {"nonlinearity": "tanh"} if cell == "rnn" else {}
    if len(set(sizes)) == 1:
        return CELLS[cell](input_size, sizes[0], num_layers=len(sizes), batch_first=True, **kwargs)
    return TorchStack(cell, input_size, sizes, kwargs)


class TorchStack(nn.Module):
    """Single-layer torch modules in a stack, with the multi-layer module's parameter names and call.

    Each layer's parameters are registered here as `weight_ih_l{k}`, ... and handed to the layer's own
    module at call time, so the state_dict reads exactly like torch's multi-layer one.
    """

    def __init__(self, cell: str, input_size: int, sizes: list[int], kwargs: dict):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, list(sizes), len(sizes)
        modules = []
        for k, size in enumerate(sizes):
            module = CELLS[cell](sizes[k - 1] if k else input_size, size, batch_first=True, **kwargs)
            for kind in PARAM_KINDS:
                self.register_parameter(f"{kind}_l{k}", getattr(module, f"{kind}_l0"))
            modules.append(module)
        object.__setattr__(self, "_modules_by_layer", modules)  # not submodules: no duplicate names

    def forward(self, x: torch.Tensor, carry=None):
        carry = carry or [None] * self.num_layers
        out = []
        for k, module in enumerate(self._modules_by_layer):
            params = {f"{kind}_l0": getattr(self, f"{kind}_l{k}") for kind in PARAM_KINDS}
            x, state = torch.func.functional_call(module, params, (x, carry[k]))
            out.append(state)
        return x, out


class CellStack(nn.Module):
    """Layers of an author's cell (see `owncell.py`), stepped one time step at a time."""

    def __init__(self, cell_class, input_size: int, sizes: list[int]):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, list(sizes), len(sizes)
        self.cells = nn.ModuleList(cell_class(sizes[k - 1] if k else input_size, size)
                                   for k, size in enumerate(sizes))

    def forward(self, x: torch.Tensor, carry=None):
        states = carry or [cell.initial_state(x.shape[0]) for cell in self.cells]
        out = []
        for cell, state in zip(self.cells, states):
            steps = []
            for t in range(x.shape[1]):
                h, state, _ = cell.step(x[:, t], state)
                steps.append(h)
            x = torch.stack(steps, dim=1)
            out.append(state)
        return x, out


class SequenceModel(nn.Module):
    """Next-element predictor: `rnn` maps (B, T, D) inputs to (B, T, H) states, `head` to (B, T, O).

    `cell` is "rnn", "lstm", "gru" or an author's cell class; `hidden` an int (with `layers`) or a
    list of sizes, one per layer. `config` repeats the arguments, so a copy can be built.
    """

    def __init__(self, cell, input_size: int, hidden, layers: int, output_size: int):
        super().__init__()
        self.config = (cell, input_size, hidden, layers, output_size)
        sizes = layer_sizes(hidden, layers)
        if isinstance(cell, str):
            if cell not in CELLS:
                raise ValueError(f"unknown cell {cell!r}; expected one of {sorted(CELLS)}")
            self.cell = cell
            self.rnn = _torch_layers(cell, input_size, sizes)
        else:
            self.cell = "custom"
            self.rnn = CellStack(cell, input_size, sizes)
        self.head = nn.Linear(sizes[-1], output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states, _ = self.rnn(x)
        return self.head(states)
