"""The recurrent models precompute trains: a torch RNN/LSTM/GRU stack plus a linear head.

Parameter names and shapes are exactly torch's own (`rnn.weight_ih_l0`, ..., `head.weight`), so an
exported `state_dict` can be loaded by anyone, including the in-browser NumPy trainer.
"""
from __future__ import annotations

import torch
from torch import nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class SequenceModel(nn.Module):
    """Next-element predictor: `rnn` maps (B, T, D) inputs to (B, T, H) states, `head` to (B, T, O)."""

    def __init__(self, cell: str, input_size: int, hidden: int, layers: int, output_size: int):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r}; expected one of {sorted(CELLS)}")
        self.cell = cell
        kwargs = {"nonlinearity": "tanh"} if cell == "rnn" else {}
        self.rnn = CELLS[cell](input_size, hidden, num_layers=layers, batch_first=True, **kwargs)
        self.head = nn.Linear(hidden, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states, _ = self.rnn(x)
        return self.head(states)
