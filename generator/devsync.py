"""The served folder kept equal to a file map, one file at a time, so it never goes missing.

The first build replaces the folder whole (`build.write_site`: temp folder, then swap, as `unrolled
build` does) before the server listens. Later builds compare the complete file map they want with what
was last written and write only the files whose bytes differ, each to a temp file in the same folder
then `os.replace`: a request sees the old file or the new one, never half of one, and the folder itself
is never renamed while serving. Referenced files (data, assets) land before the pages that reference
them; files no longer wanted go last.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from unrolled.precompute.folders import SITE_MARKER

from .build import write_site
from .swap import unwritable


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same folder, then rename over: readers see the old bytes or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_tree(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class ServedFolder:
    """The output folder and the bytes last written to each of its files (what a sync compares with)."""

    def __init__(self, out: Path):
        self.out = out
        self.written: dict[str, bytes] = {}

    def replace(self, files: dict[str, bytes]) -> None:
        """The whole folder, swapped in (the first build, before serving)."""
        write_site(files, self.out)
        self.written = dict(files)

    def adopt(self) -> None:
        """After a failed first build: later syncs may remove what is listed here, so list only a folder
        a build made (it carries the site marker); anything else stays untouched."""
        self.written = read_tree(self.out) if (self.out / SITE_MARKER).is_file() else {}

    def sync(self, files: dict[str, bytes]) -> tuple[list[str], list[str]]:
        """Write the files whose bytes differ (data and assets before pages), then drop unwanted ones."""
        out = self.out
        written = sorted((k for k, v in files.items() if self.written.get(k) != v), key=lambda k: (k.endswith(".html"), k))
        for rel in written:
            try:
                write_atomic(out / rel, files[rel])
            except OSError as exc:
                raise unwritable(out, exc) from None
            self.written[rel] = files[rel]
        removed = sorted(k for k in self.written if k not in files)
        for rel in removed:
            path = out / rel
            path.unlink(missing_ok=True)
            del self.written[rel]
            for parent in path.parents:  # drop folders left empty (a removed article)
                if parent == out or out not in parent.parents:
                    break
                try:
                    parent.rmdir()
                except OSError:
                    break
        return written, removed
