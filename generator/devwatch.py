"""What the dev server's watcher sees: the files under its roots, polled with `os.scandir` + `stat`.

Polling (every `devserver.POLL_SECONDS`) needs no platform API and no dependency, and a snapshot of a
project's sources takes a millisecond or two. Editor droppings (dotfiles, `*~`, `*.swp`, ...) are ignored.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

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
