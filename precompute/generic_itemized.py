"""Exact itemized gradients for any cell keeping the protocol of `owncell.py`, by torch autograd.

`itemized.py` is fast because it knows the built-in cells' equations; an author's cell has none we
know. So here every step s gets its own leaf copy θ^(s) of each layer's parameters (the cell called
through `torch.func.functional_call`), which unties the unrolled graph exactly as in the definition:
G[t][s] = ∂L_t/∂θ^(s). All T loss terms are then carried back together in one batched backward
(`torch.autograd.grad(..., is_grads_batched=True)`, one-hot cotangents e_t on the vector of L_t) to
the states every step hands on: row t of the result at step s is ∂L_t/∂state_s, the total derivative.
θ^(s) reaches the loss only through step s's state, so one more batched backward through that single
step (its vector-Jacobian product at all T rows) gives ∂L_t/∂θ^(s), reduced to norms at once. The T²
parameter-sized gradients are never held together: memory stays at T state-sized rows per step. Only
when even that would exceed `BATCH_BYTES` is the batch of cotangents split into row blocks.

Results have exactly the layout of `itemized.itemized_gradients`, so documents and widgets do not care
which path made them. `generic_reference` (one backward per L_t) and the built-in cells wrapped as
protocol cells (`BUILTIN_STEPS`) are the tests' independent checks.
"""
from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from .itemized import _empty_result, check_inputs, torch_step_losses
from .models import PARAM_KINDS

BATCH_BYTES = 1 << 30  # the batched backward's gradient tensors may take this much memory at once


class _BuiltinStep:
    """torch's own cells under the protocol: used to check the generic path against the fast one."""

    ih, hh = ("weight_ih",), ("weight_hh",)

    def initial_state(self, batch: int):
        zero = self.weight_hh.new_zeros(batch, self.hidden_size)
        return (zero, zero) if isinstance(self, nn.LSTMCell) else zero

    def step(self, x, state):
        out = self(x, state)
        return (out[0] if isinstance(out, tuple) else out), out, {}


class RNNStep(_BuiltinStep, nn.RNNCell):
    pass


class LSTMStep(_BuiltinStep, nn.LSTMCell):
    pass


class GRUStep(_BuiltinStep, nn.GRUCell):
    pass


BUILTIN_STEPS = {"rnn": RNNStep, "lstm": LSTMStep, "gru": GRUStep}


def protocol_cells(model) -> list[nn.Module]:
    """float64 copies of a SequenceModel's layers as protocol cells (built-in layers wrapped)."""
    if model.cell == "custom":
        return [copy.deepcopy(cell).double() for cell in model.rnn.cells]
    cells = []
    for k in range(model.rnn.num_layers):
        w_ih = getattr(model.rnn, f"weight_ih_l{k}")
        cell = BUILTIN_STEPS[model.cell](w_ih.shape[1], getattr(model.rnn, f"weight_hh_l{k}").shape[1],
                                         dtype=torch.float64)
        with torch.no_grad():
            for kind in PARAM_KINDS:
                getattr(cell, kind).copy_(getattr(model.rnn, f"{kind}_l{k}"))
        cells.append(cell)
    return cells


class _Stepper(nn.Module):
    """One protocol step as a module call, so `functional_call` can hand it a step's own parameters.
    A state of None means step 0: the initial state is made with step 0's copy."""

    def __init__(self, cell: nn.Module):
        super().__init__()
        self.cell = cell

    def forward(self, x, state):
        if state is None:
            state = self.cell.initial_state(x.shape[0])
        return self.cell.step(x, state)


def unrolled(model, x, y, loss: str) -> dict:
    """The float64 forward of one sequence with a leaf copy of every layer's parameters at every step.

    Returns per-step losses "L" (T,), "judged" (T,) (the output L_t judges: the value, or the target's
    logit), "x" (T, D) (the input, a leaf), "copies"[k][s] {name: leaf}, "h"[k][s] (1, H),
    "states"[k][s] (the tensors step s produced and hands on, and their identity copies that later
    steps, layers and the head read; "h" holds the copies), "inputs"[k][s] (the layer's input), "named"[k][s]
    {name: (1, n)} (the cell's intermediates), "cells".
    """
    cells = protocol_cells(model)
    head_w = model.head.weight.detach().to(torch.float64)
    head_b = model.head.bias.detach().to(torch.float64)
    x_np, y_np = check_inputs(model.rnn.input_size, x, y, loss)
    x_leaf = torch.from_numpy(x_np).requires_grad_()
    inputs = list(x_leaf[:, None, :])
    out = {"copies": [], "h": [], "states": [], "inputs": [], "named": [], "cells": cells, "x": x_leaf}
    for cell in cells:
        stepper, base = _Stepper(cell), {n: p.detach() for n, p in cell.named_parameters()}
        copies, hs, states, named, state = [], [], [], [], None
        for u in inputs:
            leaves = {n: p.clone().requires_grad_() for n, p in base.items()}
            h, state, values = torch.func.functional_call(stepper, {f"cell.{n}": v for n, v in leaves.items()},
                                                          (u, state))
            produced = _handed_on(state)
            h, state, handed = _boundary(h, state)
            copies.append(leaves)
            hs.append(h)
            states.append((produced, handed))
            named.append(values)
        out["inputs"].append(inputs)
        out["copies"].append(copies)
        out["h"].append(hs)
        out["states"].append(states)
        out["named"].append(named)
        inputs = hs
    out["L"], out["judged"] = torch_step_losses(torch.cat(inputs) @ head_w.T + head_b, y_np, loss)
    return out


def _boundary(h: torch.Tensor, state):
    """Identity copies of the tensors a step hands on, which every later use reads: the gradient with
    respect to a copy is then what flows back through later uses only, not through the step's own use
    of one state tensor in another (h_t = o ⊙ tanh(c_t) reads c_t)."""
    copies: dict[int, torch.Tensor] = {}

    def copy_of(tensor):
        if not isinstance(tensor, torch.Tensor) or not tensor.requires_grad:
            return tensor
        return copies.setdefault(id(tensor), tensor.clone())

    parts = list(state) if isinstance(state, (tuple, list)) else [state]
    new = [copy_of(t) for t in parts]
    new_state = type(state)(new) if isinstance(state, (tuple, list)) else new[0]
    return copy_of(h), new_state, _handed_on(new_state)


def _handed_on(state) -> list[torch.Tensor]:
    """The distinct tensors of a step's new state that carry gradient (h_t is one of them)."""
    tensors = list(state) if isinstance(state, (tuple, list)) else [state]
    out = []
    for tensor in tensors:
        if tensor.requires_grad and not any(tensor is seen for seen in out):
            out.append(tensor)
    return out


def _groups(cell: nn.Module) -> dict[str, list[str]]:
    names = [n for n, _ in cell.named_parameters()]
    return {"ih": list(type(cell).ih), "hh": list(type(cell).hh), "all": names}


def _leaves(graph: dict) -> tuple[list[torch.Tensor], list[tuple[int, int, str]]]:
    """Every leaf copy, flattened, with (layer, step, name) for each."""
    leaves, where = [], []
    for k, copies in enumerate(graph["copies"]):
        for s, leaf in enumerate(copies):
            for name, tensor in leaf.items():
                leaves.append(tensor)
                where.append((k, s, name))
    return leaves, where


def _row_blocks(t_len: int, leaves: list[torch.Tensor], extra: int = 0) -> list[range]:
    """Rows of cotangents per batched backward: all T unless their gradients (one per tensor of `leaves`,
    plus `extra` numbers) exceed BATCH_BYTES."""
    per_row = 8 * (sum(leaf.numel() for leaf in leaves) + extra)
    rows = max(1, min(t_len, BATCH_BYTES // max(per_row, 1)))
    return [range(a, min(a + rows, t_len)) for a in range(0, t_len, rows)]


def _batched_grads(graph: dict, targets: list[torch.Tensor], rows: range, of: str = "L") -> tuple:
    """∂L_t/∂target (or ∂ŷ_t with of="judged") for every t in `rows`: one backward with a batch of
    one-hot cotangents."""
    t_len = len(graph[of])
    eye = torch.zeros(len(rows), t_len, dtype=torch.float64)
    eye[torch.arange(len(rows)), torch.tensor(list(rows))] = 1.0
    grads = torch.autograd.grad(graph[of], targets, grad_outputs=eye, is_grads_batched=True, retain_graph=True,
                                allow_unused=True, materialize_grads=True)
    # a target the loss never reads (the last step's cell state) comes back as unbatched zeros
    return tuple(g if g.dim() == t.dim() + 1 else g.expand(len(rows), *t.shape) for g, t in zip(grads, targets))


def plan(graph: dict) -> tuple[list, list[torch.Tensor], list[range]]:
    """Every (layer, step, produced, handed-on) state, the handed-on tensors flattened, and the row blocks
    of the batched backward (one block unless a step's gradients for all T rows exceed BATCH_BYTES)."""
    where = [(k, s, produced, handed) for k, layer in enumerate(graph["states"])
             for s, (produced, handed) in enumerate(layer)]
    flat = [tensor for *_, handed in where for tensor in handed]
    step_size = max(sum(p.numel() for p in copies[0].values()) for copies in graph["copies"])
    return where, flat, _row_blocks(len(graph["L"]), flat, extra=step_size)


def _step_gradients(graph: dict):
    """Yield (rows, k, s, {name: ∂L_t/∂θ^(s)_name (R, ...)}, ∂L_t/∂h_s (R, 1, H)) for every layer k and
    step s, rows t of `rows`: one batched backward to all handed-on states, then one through each step."""
    where, flat, blocks = plan(graph)
    for rows in blocks:
        grads = iter(_batched_grads(graph, flat, rows))
        for k, s, produced, handed in where:
            cotangents = [next(grads) for _ in handed]
            dh = next(c for tensor, c in zip(handed, cotangents) if tensor is graph["h"][k][s])
            leaves = graph["copies"][k][s]
            local = torch.autograd.grad(produced, list(leaves.values()), grad_outputs=cotangents,
                                        is_grads_batched=True, retain_graph=True, allow_unused=True,
                                        materialize_grads=True)
            yield rows, k, s, dict(zip(leaves, local)), dh


def itemized_gradients_generic(model, x, y, loss: str) -> dict:
    """`itemized.itemized_gradients` for any cell: G[k][g][t, s] = ‖∂L_t/∂θ_g^(s)‖ and
    H[k][t, s] = ‖∂L_t/∂h_s‖."""
    graph = unrolled(model, x, y, loss)
    t_len, n_layers = len(graph["L"]), len(graph["cells"])
    out = _empty_result((t_len, t_len), n_layers)
    groups = [_groups(cell) for cell in graph["cells"]]
    for rows, k, s, grads, dh in _step_gradients(graph):
        sq = {name: torch.linalg.vector_norm(g.reshape(len(rows), -1), dim=1).square().numpy()
              for name, g in grads.items()}
        for group, names in groups[k].items():
            out["G"][k][group][rows.start:rows.stop, s] = np.sqrt(sum(sq[n] for n in names))
        out["H"][k][rows.start:rows.stop, s] = dh.reshape(len(rows), -1).norm(dim=1).numpy()
    return out


def itemized_gradients_generic_batch(model, xs, ys, loss: str) -> dict:
    """`itemized.itemized_gradients_batch` for any cell: N sequences, every array (N, T, T)."""
    each = [itemized_gradients_generic(model, x, y, loss) for x, y in zip(xs, ys, strict=True)]
    if not each:
        raise ValueError("expected one or more sequences")
    return {"G": {k: {g: np.stack([r["G"][k][g] for r in each]) for g in groups} for k, groups in each[0]["G"].items()},
            "H": {k: np.stack([r["H"][k] for r in each]) for k in each[0]["H"]}}


def connectivity_generic_batch(model, xs, ys, loss: str) -> np.ndarray:
    """`itemized.connectivity_batch` for any cell: C[n, t, s] = ‖∂ŷ_t/∂x_s‖, one batched backward each."""
    out = []
    for x, y in zip(xs, ys, strict=True):
        graph = unrolled(model, x, y, loss)
        t_len = len(graph["judged"])
        (grad,) = _batched_grads(graph, [graph["x"]], range(t_len), of="judged")  # (t, s, D)
        out.append(torch.linalg.vector_norm(grad, dim=2).numpy())
    return np.stack(out)


def generic_contributions_sum(model, x, y, loss: str) -> list[dict[str, np.ndarray]]:
    """Σ_t Σ_s ∂L_t/∂θ^(s) per layer and parameter name, from the same batched backward: it must equal
    torch's ordinary gradient of L = Σ_t L_t (the identity that makes the items a decomposition)."""
    graph = unrolled(model, x, y, loss)
    sums = [{n: np.zeros(tuple(p.shape)) for n, p in cell.named_parameters()} for cell in graph["cells"]]
    for _, k, _, grads, _ in _step_gradients(graph):
        for name, g in grads.items():
            sums[k][name] += g.sum(0).numpy()
    return sums


def generic_reference(model, x, y, loss: str, loss_steps=None) -> dict:
    """The per-step reference: the same untied graph, one ordinary backward per loss term L_t.
    `loss_steps` (default: all) limits the rows t computed, so a benchmark can time a sample."""
    graph = unrolled(model, x, y, loss)
    t_len, n_layers = len(graph["L"]), len(graph["cells"])
    leaves, where = _leaves(graph)
    hs = [h for layer in graph["h"] for h in layer]
    out = _empty_result((t_len, t_len), n_layers)
    groups = [_groups(cell) for cell in graph["cells"]]
    for t in range(t_len) if loss_steps is None else loss_steps:
        grads = torch.autograd.grad(graph["L"][t], leaves + hs, retain_graph=True, allow_unused=True,
                                    materialize_grads=True)
        sq = {key: float(g.square().sum()) for key, g in zip(where, grads)}
        for k in range(n_layers):
            for s in range(t_len):
                for group, names in groups[k].items():
                    out["G"][k][group][t, s] = np.sqrt(sum(sq[k, s, n] for n in names))
                out["H"][k][t, s] = float(grads[len(leaves) + k * t_len + s].norm())
    return out
