"""Worker processes die with the process that started them, so a killed run leaves no trainer behind.

A pool worker whose parent is SIGKILLed would otherwise go on training, write into the cache after the
command is gone, then idle forever. On Linux the kernel kills the worker when its parent dies
(`prctl(PR_SET_PDEATHSIG, SIGKILL)`); where that call is missing, a daemon thread watches the parent pid.
Call `die_with_parent` first thing in a worker (a pool's `initializer`), with the parent's pid taken in
the parent.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.2


def die_with_parent(parent: int, *, kernel: bool = True) -> None:
    """Arm the kernel's parent-death signal, or else a watchdog thread (`kernel=False` forces the latter)."""
    armed = kernel and _parent_death_signal()
    if os.getppid() != parent:  # the parent died before we were armed
        _die()
    if not armed:
        threading.Thread(target=_watch, args=(parent,), name="unrolled-lifeline", daemon=True).start()


def _parent_death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        return libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    """An orphan is adopted by another process, so its parent pid changes."""
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    _die()


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def alive(pid: int) -> bool:
    """Whether another process runs under `pid` (this process's own pid counts as dead: whatever it
    left under its pid before is from a killed earlier process that had the same pid)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@functools.lru_cache(maxsize=1)
def libc() -> ctypes.CDLL:
    """The C library, for the Linux calls the standard library does not wrap (raises OSError elsewhere)."""
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
