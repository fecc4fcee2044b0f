"""A folder replaced whole: filled beside its target, then swapped in, so the target is complete at every
instant and a build killed at any moment leaves nothing a later build cannot recognise and remove.

`replace_folder(target, fill)` makes `<target>.tmp-<pid>/` next to the target (same filesystem) holding a
marker file and `site/`, calls `fill(site)`, then swaps `site/` and the target in one step with Linux's
`renameat2(RENAME_EXCHANGE)`; where that call is missing or the filesystem refuses it, two renames do
(`target` -> `old/`, `site/` -> `target`), with a moment in between where the target is absent. The
previous tree, now inside the temp folder, is deleted with it. Before starting, temp folders of dead
processes are removed, but only those named by this pattern that carry the marker (and empty ones), and
a previous tree that could not be deleted (a read-only folder in it) stops the build before it writes.
"""
from __future__ import annotations

import ctypes
import errno
import glob
import os
import shutil
from pathlib import Path
from typing import Callable

from unrolled.precompute.errors import UnrolledError
from unrolled.precompute.lifeline import alive, libc

MARKER = ".unrolled-build"  # in the temp folder only, never in the tree swapped in
TREE, OLD = "site", "old"
AT_FDCWD = -100
RENAME_EXCHANGE = 2
UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP}


def replace_folder(target: Path, fill: Callable[[Path], None], *, exchange: bool = True) -> None:
    """`fill(folder)` writes the new content; an OSError on the way is the author's error, with a hint."""
    target = Path(target)
    staging = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    created = False
    try:
        if os.path.lexists(target) and not target.is_dir():
            raise UnrolledError(f"{target} is not a folder", file=target, rule="output-not-folder",
                                hint="move that file away, or set another output folder in unrolled.toml")
        remove_leftovers(target)
        if os.path.lexists(target):
            check_removable(target)
        staging.mkdir(parents=True)
        created = True
        (staging / MARKER).write_bytes(b"")
        (staging / TREE).mkdir()
        fill(staging / TREE)
        swap(staging / TREE, target, exchange=exchange)
    except OSError as exc:
        raise unwritable(target, exc) from None
    finally:
        if created:
            _remove(staging)  # the previous tree after a swap, the partial new one after a failure


def unwritable(target: Path, exc: OSError) -> UnrolledError:
    """The author's error for a folder the build cannot write (the output folder is `target`)."""
    return UnrolledError(f"cannot write {exc.filename or target}: {exc.strerror or exc}", file=target,
                         rule="output-unwritable", hint="make that folder and the folder around it writable "
                         "(permissions, `lsattr` for the immutable flag, free space), or set another output "
                         "folder in unrolled.toml")


def swap(tree: Path, target: Path, *, exchange: bool = True) -> None:
    """Put `tree` at `target`; the previous target ends up at `tree`'s path (or at `old/` beside it)."""
    if not os.path.lexists(target):
        os.rename(tree, target)
    elif not (exchange and _exchange(tree, target)):
        os.rename(target, tree.with_name(OLD))
        os.rename(tree, target)


def check_removable(tree: Path) -> None:
    """Refuse before writing anything when the old tree could be swapped out but not deleted (a folder
    in it read-only, or immutable even for root): it would stay behind as a leftover after every build."""
    for folder, _, _ in os.walk(tree):
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OSError(errno.EACCES, "the folder is read-only, so the previous site cannot be deleted", folder)


def remove_leftovers(target: Path) -> None:
    """Temp folders of this target left by builds that were killed (their pid no longer runs)."""
    prefix = f"{target.name}.tmp-"
    for path in Path(target).parent.glob(glob.escape(prefix) + "*"):
        pid = path.name[len(prefix):]
        if not pid.isdigit() or alive(int(pid)) or path.is_symlink() or not path.is_dir():
            continue
        if (path / MARKER).is_file():
            if not os.path.lexists(target) and (path / OLD).is_dir() and (path / TREE).is_dir():
                os.rename(path / TREE, target)  # killed between the two renames: the new tree was complete
            _remove(path)
        else:
            try:
                path.rmdir()  # without its marker, only an empty folder can be a build's
            except OSError:
                pass


def _remove(staging: Path) -> None:
    """Trees first, the marker last, so a removal cut short is still recognised as a build's."""
    for name in (TREE, OLD):
        shutil.rmtree(staging / name, ignore_errors=True)
    try:
        if not any(os.path.lexists(staging / name) for name in (TREE, OLD)):
            (staging / MARKER).unlink(missing_ok=True)
            staging.rmdir()
    except OSError:
        pass


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False where the kernel, libc or filesystem cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(b))


def _renameat2():
    try:
        function = libc().renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function
