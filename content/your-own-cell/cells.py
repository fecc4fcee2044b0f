"""A peephole LSTM (Gers & Schmidhuber 2000) written as an Unrolled cell.

Its gates see the cell state c as well as the input and h: the input and forget gates read c_{t-1},
the output gate reads the new c_t, each through a per-unit (diagonal) peephole weight.
"""
import torch
from torch import nn


class PeepholeLSTM(nn.Module):
    ih = ("weight_ih",)  # parameters that read the input x_t
    hh = ("weight_hh",)  # parameters that read the previous state h_{t-1}

    def __init__(self, input_size, hidden_size):
        super().__init__()
        bound = hidden_size ** -0.5
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size).uniform_(-bound, bound))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.zeros(4 * hidden_size))
        self.peep = nn.Parameter(torch.empty(3, hidden_size).uniform_(-bound, bound))  # c -> i, f, o

    def initial_state(self, batch):
        zero = self.weight_hh.new_zeros(batch, self.hidden_size)
        return zero, zero

    def step(self, x, state):
        h_prev, c_prev = state
        pre = x @ self.weight_ih.T + h_prev @ self.weight_hh.T + self.bias
        pre_i, pre_f, pre_g, pre_o = pre.chunk(4, dim=1)
        i = torch.sigmoid(pre_i + self.peep[0] * c_prev)
        f = torch.sigmoid(pre_f + self.peep[1] * c_prev)
        g = torch.tanh(pre_g)
        c = f * c_prev + i * g
        o = torch.sigmoid(pre_o + self.peep[2] * c)
        h = o * torch.tanh(c)
        return h, (h, c), {"i": i, "f": f, "g": g, "c": c, "o": o}
