"""What the dev server's watcher sees: the files under its roots, polled with `os.scandir` + `stat`.

Polling (every `POLL_SECONDS`) needs no platform API and no dependency, and a snapshot of a project's
sources takes a millisecond or two. Editor droppings (dotfiles, `*~`, `*.swp`, ...) are ignored.
"""
from __future__ import annotations

import os
import stat
import sys
import threading
import traceback
from pathlib import Path
from typing import Callable

POLL_SECONDS = 0.05
IGNORED_DIRS = {"__pycache__", "node_modules"}
IGNORED_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".tmp", ".part", ".crdownload")


def ignored(name: str) -> bool:
    """Names the watcher skips: hidden files, editor swap/backup files, caches."""
    return (name.startswith((".", "#")) or name.endswith(IGNORED_SUFFIXES) or name in IGNORED_DIRS
            or name == "4913")  # vim's probe file


def snapshot(roots: list[Path], skip: tuple[str, ...] = ()) -> dict[str, tuple]:
    """{path: (mtime_ns, size, inode)} of every file under `roots` (files or folders; missing is fine)."""
    found: dict[str, tuple] = {}

    def visit(path: str):
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    if ignored(entry.name) or entry.path in skip:
                        continue
                    try:
                        if entry.is_dir():
                            visit(entry.path)
                        else:
                            st = entry.stat()
                            found[entry.path] = (st.st_mtime_ns, st.st_size, st.st_ino)
                    except OSError:
                        continue
        except OSError:
            pass

    for root in roots:
        try:
            st = os.stat(root)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode):
            visit(str(root))
        else:
            found[str(root)] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return found


def changed_paths(before: dict[str, tuple], after: dict[str, tuple]) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


class Watcher:
    """A thread that snapshots `roots()` every `poll` seconds and calls `on_tick(changed, appeared_or_vanished)`
    each time, with empty sets when nothing changed (the dev server also hears of landed runs there).

    `roots` is asked anew on every poll: the files worth watching follow the last build (a run spec
    named from outside the content folder)."""

    def __init__(self, roots: Callable[[], list[Path]], on_tick: Callable[[set[str], set[str]], None], *,
                 skip: tuple[str, ...] = (), poll: float = POLL_SECONDS, err=None):
        self.roots, self.on_tick, self.skip, self.poll = roots, on_tick, skip, poll
        self.err = err or sys.stderr
        self.snap: dict[str, tuple] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def scan(self) -> dict[str, tuple]:
        return snapshot(self.roots(), skip=self.skip)

    def mark(self) -> None:
        """Take the snapshot later changes are measured against (before the first build reads anything)."""
        self.snap = self.scan()

    def check(self) -> tuple[set[str], set[str]]:
        """What changed since the last snapshot, and which of those files appeared or vanished."""
        before, after = self.snap or {}, self.scan()
        changed = changed_paths(before, after)
        self.snap = after
        return changed, {p for p in changed if (p in before) != (p in after)}

    def start(self) -> None:
        if self.snap is None:
            self.mark()
        self._thread = threading.Thread(target=self._loop, name="unrolled-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ends the thread after the rebuild it may be running."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                self.on_tick(*self.check())
            except Exception:  # the watcher must outlive any bug
                traceback.print_exc(file=self.err)
