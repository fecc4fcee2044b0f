"""An author's own recurrent cell: load the class a spec's `model` names and check it keeps the protocol.

The protocol (docs/authoring.md, "Your own cell"): a `torch.nn.Module` subclass built as
`Cell(input_size, hidden_size)`, with
- `initial_state(batch)`: the state before step 0 (a tensor, or a tuple/list of tensors);
- `step(x_t, state) -> (h_t, new_state, intermediates)`: x_t is (batch, input_size), h_t
  (batch, hidden_size) and itself part of `new_state` (the same tensor, so ∂L/∂h_t is exact), and
  `intermediates` a dict from a name to a (batch, n) tensor, in the order the step computes them;
- class attributes `ih` and `hh`: tuples naming the parameters that map the input and the previous
  state (the itemized groups "ih" and "hh"; every parameter counts in "all").

The file is the author's own code, imported at precompute time like a plugin. Every violation is an
error at the spec's `model` line with a rule id, raised before anything is trained or written.
"""
from __future__ import annotations

import importlib.util
import re
import sys

import torch
from torch import nn

from .errors import SpecError
from .models import layer_sizes

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_loaded: dict[str, type] = {}  # source digest + class name -> class, so a file is imported once


def _error(spec, message: str, rule: str, hint: str) -> SpecError:
    return SpecError(f"run {spec.name!r}, model {spec.model!r}: {message}", file=spec.source,
                     line=spec.line_of("model"), rule=rule, hint=hint)


def load_cell(spec) -> type:
    """The class `spec.model` names, imported from its file (relative to the spec file)."""
    path = spec.model_file
    if not path.is_file():
        raise _error(spec, f"model file {str(path)!r} does not exist", "model-missing-file",
                     "the file is relative to the spec file's folder, e.g. cells.py beside runs.toml")
    key = f"{spec.model_digest()}:{spec.model_class}"
    if key in _loaded:
        return _loaded[key]
    name = f"unrolled_cell_{key.replace(':', '_')}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module  # dataclasses and pickling look classes up by module name
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:  # the author's code may raise anything while it is imported
        del sys.modules[name]
        where = _author_line(exc, path)
        raise _error(spec, f"importing {path.name} failed{where}: {type(exc).__name__}: {exc}", "model-import",
                     f"fix {path.name} so that `python {path.name}` runs") from None
    cls = getattr(module, spec.model_class, None)
    if not isinstance(cls, type):
        found = sorted(n for n, v in vars(module).items() if isinstance(v, type) and issubclass(v, nn.Module)
                       and v.__module__ == name)
        raise _error(spec, f"{path.name} defines no class {spec.model_class!r}", "model-missing-class",
                     "name one of its cell classes: " + (", ".join(found) if found else "(none defined)"))
    _loaded[key] = cls
    return cls


def _author_line(exc: BaseException, path) -> str:
    """' (line N)' for the deepest traceback frame inside the author's file, or a syntax error's line."""
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f" (line {exc.lineno})"
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == str(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" (line {line})" if line else ""


def check_cell(spec, cls: type, input_size: int) -> None:
    """Build every layer's cell in float64 and run two steps on a batch of two: every rule of the
    protocol is checked on real calls, so training never starts on a cell that breaks it."""
    def fail(message, hint, rule="model-protocol"):
        raise _error(spec, message, rule, hint)

    if not issubclass(cls, nn.Module):
        fail(f"{cls.__name__} is not a torch.nn.Module", "derive the cell from torch.nn.Module")
    for method in ("initial_state", "step"):
        if not callable(getattr(cls, method, None)):
            fail(f"{cls.__name__} has no method {method}()",
                 "define initial_state(self, batch) and step(self, x_t, state) -> (h_t, new_state, intermediates)")
    for group in ("ih", "hh"):
        names = getattr(cls, group, None)
        if not isinstance(names, tuple) or not names or not all(isinstance(n, str) for n in names):
            fail(f"class attribute {group!r} must be a non-empty tuple of parameter names, got {names!r}",
                 f'e.g. {group} = ("weight_{group}",)')
    sizes = layer_sizes(spec.hidden, spec.layers)
    for k, hidden in enumerate(sizes):
        inputs = sizes[k - 1] if k else input_size
        try:
            cell = cls(inputs, hidden).double()
        except Exception as exc:
            fail(f"{cls.__name__}({inputs}, {hidden}) raised {type(exc).__name__}: {exc}",
                 "the constructor takes (input_size, hidden_size)")
        params = dict(cell.named_parameters())
        if not params:
            fail(f"{cls.__name__} has no parameters", "register weights as nn.Parameter or submodules")
        for group in ("ih", "hh"):
            missing = [n for n in getattr(cls, group) if n not in params]
            if missing:
                fail(f"{group} names {missing[0]!r}, which is not a parameter of the cell",
                     "its parameters are: " + ", ".join(params))
        if set(cls.ih) & set(cls.hh):
            fail(f"{sorted(set(cls.ih) & set(cls.hh))[0]!r} is in both ih and hh", "list each parameter in one group")
        _check_steps(cell, inputs, hidden, fail)


def _tensors(state) -> list:
    return list(state) if isinstance(state, (tuple, list)) else [state]


def _check_steps(cell, inputs: int, hidden: int, fail) -> None:
    batch = 2
    try:
        state = cell.initial_state(batch)
    except Exception as exc:
        fail(f"initial_state({batch}) raised {type(exc).__name__}: {exc}",
             "initial_state(batch) returns the zero state")
    if not all(isinstance(t, torch.Tensor) for t in _tensors(state)):
        fail("initial_state must return a tensor or a tuple of tensors", "e.g. self.weight_hh.new_zeros(batch, H)")
    x = torch.linspace(-1.0, 1.0, batch * inputs, dtype=torch.float64).reshape(batch, inputs)
    names = None
    for _ in range(2):
        try:
            out = cell.step(x, state)
        except Exception as exc:
            fail(f"step(x_t, state) raised {type(exc).__name__}: {exc}",
                 f"step takes x_t of shape (batch, {inputs}) and the state from initial_state or the last step")
        if not isinstance(out, tuple) or len(out) != 3:
            fail("step must return a tuple (h_t, new_state, intermediates)", "return h, state, {\"name\": tensor, ...}")
        h, state, named = out
        if not isinstance(h, torch.Tensor) or tuple(h.shape) != (batch, hidden):
            fail(f"h_t must have shape (batch, hidden_size) = ({batch}, {hidden}), got "
                 f"{tuple(h.shape) if isinstance(h, torch.Tensor) else type(h).__name__}", "return h_t as (batch, H)",
                 "model-shape")
        if not any(t is h for t in _tensors(state)):
            fail("h_t is not part of new_state", "return the same tensor h_t in the new state, e.g. (h, c)")
        if not isinstance(named, dict) or not all(isinstance(n, str) and NAME.match(n) for n in named):
            fail("intermediates must be a dict from names (letters, digits, _) to tensors",
                 'e.g. {"i": i, "f": f, "c": c}')
        if names is not None and list(named) != names:
            fail(f"the intermediates are named {list(named)} at one step and {names} at another",
                 "return the same names, in the same order, at every step")
        names = list(named)
        reserved = {"x", "h", "h_prev", "dh"} & set(named)
        if reserved:
            fail(f"intermediate name {sorted(reserved)[0]!r} is reserved",
                 "the trace records x, h_prev, h and dh itself")
        for n, t in named.items():
            if not isinstance(t, torch.Tensor) or t.ndim != 2 or t.shape[0] != batch:
                fail(f"intermediate {n!r} must have shape (batch, n), got "
                     f"{tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__}",
                     "record per-unit values of shape (batch, n)", "model-shape")
