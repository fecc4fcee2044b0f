"""What a Python cell on an Unrolled page can tell the page, and hear from it.

    import unrolled_page

    unrolled_page.publish("w3-predictions", {"run": "mine", "x": {...}, "snapshots": [...]})

    @unrolled_page.on_control
    def control(action, settings):      # a {network} figure this cell drives: play, pause, step, reset, settings
        ...

`publish(target, data)` sends `data` (dicts, lists, numbers, strings, booleans, None, NumPy arrays and
scalars) to the widget whose element id is `target`; the page calls that widget's
`update({"data": data})`. A cell may only publish to the widgets named in its `drives` option.

`on_control(fn)` registers `fn(action, settings)` for the `network-control` events of the figures the
cell drives (or of `target=`); a third parameter, if `fn` has one, gets the event's whole detail (e.g.
`run`, `epoch`) plus `target`; `fn` may be `async def` and await (e.g. `asyncio.sleep(0)`) so later
events (a "reset" while "play" runs) reach it. Running the cell again replaces its handlers.

Outside the browser (plain CPython) nothing is sent: published payloads are kept in `published`, so
cell code can be tried and tested anywhere.
"""
from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
import math
import sys
from dataclasses import dataclass, field

__all__ = ["publish", "on_control", "to_json", "published", "current_cell"]


@dataclass(frozen=True)
class Cell:
    """The cell whose code is running: its id and the widget ids it may publish to."""

    id: str
    drives: tuple = ()
    filename: str = "<cell>"


@dataclass
class _Handler:
    cell: Cell
    fn: object
    targets: tuple = field(default_factory=tuple)  # empty: every figure the cell drives


_current: contextvars.ContextVar = contextvars.ContextVar("unrolled_cell", default=None)
_handlers: list[_Handler] = []
_bridge = None  # set by the browser runtime: publish, write, handlers, busy (see _runner)
published: list[tuple[str, object]] = []  # CPython only: what publish() would have sent


def current_cell() -> Cell | None:
    """The cell whose code (or control handler) is running now, if any."""
    return _current.get()


# -- JSON ------------------------------------------------------------------------------------------
def to_json(value, _path: str = "data"):
    """`value` as plain JSON-able Python: arrays and NumPy scalars become lists and numbers, tuples become
    lists, non-finite floats become None (JSON has no NaN). Anything else is a TypeError naming where."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, (str, int, float, bool)) and not hasattr(key, "item"):
                raise TypeError(f"{_path} has a key of type {type(key).__name__}; keys must be strings")
            name = str(key.item() if hasattr(key, "item") else key)
            out[name] = to_json(item, f"{_path}[{name!r}]")
        return out
    if isinstance(value, (list, tuple)):
        return [to_json(item, f"{_path}[{i}]") for i, item in enumerate(value)]
    tolist = getattr(value, "tolist", None)  # NumPy arrays and scalars (numpy itself need not be importable)
    if callable(tolist) and type(value).__module__.split(".")[0] == "numpy":
        return to_json(tolist(), _path)
    if hasattr(value, "__dataclass_fields__"):
        return to_json({k: getattr(value, k) for k in value.__dataclass_fields__}, _path)
    raise TypeError(f"{_path} is a {type(value).__name__}, which cannot be sent to the page; use dicts, lists, "
                    "numbers, strings, booleans, None or NumPy arrays")


# -- publish ---------------------------------------------------------------------------------------
def publish(target: str, data) -> None:
    """Send `data` to the widget with element id `target` (it must be in the cell's `drives`)."""
    if not isinstance(target, str):
        raise TypeError(f"publish() target must be a widget element id (a string), not {type(target).__name__}")
    cell = _current.get()
    if cell is not None and target not in cell.drives:
        named = ", ".join(repr(t) for t in cell.drives) or "none"
        raise ValueError(f"cell {cell.id!r} does not drive {target!r} (its drives: {named}); add it to the "
                         f"cell's `drives:` option")
    payload = to_json(data)
    if _bridge is None:
        published.append((target, payload))
        return
    _bridge.publish(cell.id if cell else "", target, json.dumps(payload, separators=(",", ":"), allow_nan=False))


# -- controls --------------------------------------------------------------------------------------
def on_control(fn=None, *, target: str | None = None):
    """Register `fn(action, settings)` for a driven figure's controls; usable as `@on_control` or
    `@on_control(target="w2-network")`. Returns `fn`."""
    def register(fn):
        if not callable(fn):
            raise TypeError("on_control() needs a function taking (action, settings)")
        cell = _current.get() or Cell("")
        targets = (target,) if target else ()
        if target and cell.id and target not in cell.drives:
            raise ValueError(f"cell {cell.id!r} does not drive {target!r}; add it to the cell's `drives:` option")
        _handlers.append(_Handler(cell, fn, targets))
        _announce()
        return fn

    return register(fn) if fn is not None else register


def _targets_of(handler: _Handler) -> tuple:
    return handler.targets or handler.cell.drives


def _announce() -> None:
    if _bridge is not None:
        targets = sorted({t for h in _handlers for t in _targets_of(h)})
        _bridge.handlers(json.dumps(targets))


def _forget(cell_id: str) -> None:
    """A cell runs again: drop the handlers its previous run registered."""
    _cancel(cell_id)
    _handlers[:] = [h for h in _handlers if h.cell.id != cell_id]
    _announce()


_active: dict[str, int] = {}  # cell id -> control handlers running now (sync calls and async tasks)
_tasks: dict[str, set] = {}  # cell id -> async handler tasks not finished


def _busy(cell: Cell, delta: int) -> None:
    before = _active.get(cell.id, 0)
    _active[cell.id] = after = before + delta
    if _bridge is not None and (before == 0) != (after == 0):
        _bridge.busy(cell.id, after > 0)


def _wants_event(fn) -> bool:
    """Does `fn` take a third positional argument (the event's whole detail)?"""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 3 or any(p.kind is p.VAR_POSITIONAL for p in params)


def _dispatch(target: str, action: str, settings_json: str, detail_json: str = "{}") -> int:
    """Called by the runtime for a `network-control` event on `target`; returns how many handlers ran."""
    settings = json.loads(settings_json) if settings_json else {}
    event = {**(json.loads(detail_json) if detail_json else {}), "target": target, "action": action}
    count = 0
    for handler in list(_handlers):
        if target not in _targets_of(handler):
            continue
        count += 1
        cell = handler.cell
        token = _current.set(cell)
        _busy(cell, +1)
        try:
            args = (action, settings, event) if _wants_event(handler.fn) else (action, settings)
            result = handler.fn(*args)
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                _tasks.setdefault(cell.id, set()).add(task)
                _busy(cell, +1)
                task.add_done_callback(lambda t, cell=cell: _task_done(t, cell))
        except KeyboardInterrupt:
            _write(cell, "stderr", f"Stopped: the {action!r} handler was interrupted.\n")
        except Exception as exc:  # noqa: BLE001 - reported to the cell, never lost
            _report(exc, cell)
        finally:
            _busy(cell, -1)
            _current.reset(token)
    return count


def _task_done(task, cell: Cell) -> None:
    _tasks.get(cell.id, set()).discard(task)
    _busy(cell, -1)
    if not task.cancelled() and task.exception() is not None:
        _report(task.exception(), cell)


def _cancel(cell_id: str) -> int:
    """Stop the cell's async control handlers (the reader pressed Stop)."""
    tasks = list(_tasks.get(cell_id, ()))
    for task in tasks:
        task.cancel()
    return len(tasks)


def _report(exc: BaseException, cell: Cell) -> None:
    from ._runner import user_traceback

    _write(cell, "stderr", user_traceback(exc))


def _write(cell: Cell, stream: str, text: str) -> None:
    if _bridge is not None:
        _bridge.write(cell.id, stream, text)
    else:
        getattr(sys, stream).write(text)
