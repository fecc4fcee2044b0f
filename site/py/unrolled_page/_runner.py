"""Runs a cell's code inside the page's Python session (used by the browser runtime, not by cells).

Each cell compiles under its own filename (`<cell-ID>`) so tracebacks count lines from the cell's first
line; frames of this runner are left out. Top-level `await` works. If the last statement is an
expression, its repr is the cell's result (as in a notebook). Output written to sys.stdout/sys.stderr
goes to the cell that is running (a context variable, so async handlers keep their own cell).

Stop reaches sleeping code too: Pyodide's `time.sleep` waits outside the bytecode loop that checks the
interrupt buffer, so `time.sleep` is replaced by one that sleeps in short slices and checks the buffer
between them. A Stop that lands in a callback Python cannot raise from (a weakref finaliser, say) would
be printed as "Exception ignored ... KeyboardInterrupt" and lost; it is kept instead and raised at the
next check.
"""
from __future__ import annotations

import ast
import functools
import inspect
import json
import linecache
import sys
import time
import traceback
from pathlib import Path

import unrolled_page as page

HERE = str(Path(__file__).resolve().parent)
FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
SLEEP_SLICE = 0.02  # seconds: how late a Stop may reach code in time.sleep
_interrupt_lost = False  # a KeyboardInterrupt raised where Python could only print it


class CellStream:
    """sys.stdout / sys.stderr: each write goes straight to the page, to the running cell's output."""

    def __init__(self, name: str, fallback):
        self.name, self.fallback = name, fallback

    def write(self, text) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            cell = page.current_cell()
            if page._bridge is not None:
                page._bridge.write(cell.id if cell else "", self.name, text)
            else:
                self.fallback.write(text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:
        return "utf-8"

    def fileno(self) -> int:
        return self.fallback.fileno()


def connect(bridge) -> None:
    """Route cell output and publish() through `bridge` (a JS object registered by the worker)."""
    page._bridge = bridge
    if not isinstance(sys.stdout, CellStream):
        sys.stdout = CellStream("stdout", sys.__stdout__)
        sys.stderr = CellStream("stderr", sys.__stderr__)
        sys.unraisablehook = keep_lost_interrupt
        time.sleep = interruptible(time.sleep)


def check_interrupt() -> None:
    """Raise the KeyboardInterrupt that Stop asked for, if it has not been raised yet."""
    global _interrupt_lost
    if _interrupt_lost or (page._bridge is not None and page._bridge.interrupted()):
        _interrupt_lost = False
        raise KeyboardInterrupt


def interruptible(sleep):
    """`sleep` in slices of SLEEP_SLICE with a look at the interrupt buffer before each."""
    @functools.wraps(sleep)
    def interruptible_sleep(seconds) -> None:
        end = time.monotonic() + seconds if seconds >= 0 else sleep(seconds)  # sleep() refuses < 0
        while (left := end - time.monotonic()) > 0:
            check_interrupt()
            sleep(min(left, SLEEP_SLICE))
        check_interrupt()

    return interruptible_sleep


def keep_lost_interrupt(unraisable) -> None:
    """sys.unraisablehook: a KeyboardInterrupt is Stop's, kept for the next check, not printed."""
    global _interrupt_lost
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        _interrupt_lost = True
    else:
        sys.__unraisablehook__(unraisable)


def user_traceback(exc: BaseException) -> str:
    """The traceback from the first frame outside this package (the cell's own code comes first)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(HERE):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


async def run(cell_id: str, filename: str, code: str, drives_json: str = "[]") -> str:
    """Run one cell; returns JSON {status: ok|error|interrupted, result, traceback}."""
    global _interrupt_lost
    _interrupt_lost = False  # a Stop that came after the previous run ended
    cell = page.Cell(cell_id, tuple(json.loads(drives_json)), filename)
    token = page._current.set(cell)
    page._forget(cell_id)
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    namespace = sys.modules["__main__"].__dict__
    try:
        tree = ast.parse(code, filename, "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        result = eval(compile(tree, filename, "exec", flags=FLAGS), namespace)  # noqa: S307 - the reader's code
        if inspect.iscoroutine(result):
            await result
        value = None
        if last is not None:
            value = eval(compile(last, filename, "eval", flags=FLAGS), namespace)  # noqa: S307
            if inspect.iscoroutine(value):
                value = await value
        if value is not None:
            namespace["_"] = value
        return json.dumps({"status": "ok", "result": None if value is None else repr(value)})
    except KeyboardInterrupt:
        return json.dumps({"status": "interrupted"})
    except SyntaxError as exc:
        text = (user_traceback(exc) if exc.filename != filename  # raised by code the cell ran
                else "".join(traceback.format_exception_only(type(exc), exc)))
        return json.dumps({"status": "error", "traceback": text})
    except BaseException as exc:  # noqa: BLE001 - the reader sees every error as a traceback
        return json.dumps({"status": "error", "traceback": user_traceback(exc)})
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        page._current.reset(token)


def dispatch(target: str, action: str, settings_json: str, detail_json: str = "{}") -> int:
    return page._dispatch(target, action, settings_json, detail_json)


def cancel(cell_id: str) -> int:
    return page._cancel(cell_id)
