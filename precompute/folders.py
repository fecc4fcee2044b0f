"""Folders the tool owns: it replaces or cleans a folder only when a marker proves it made that folder.

The site folder carries `.unrolled-site`; the precompute cache carries a `CACHEDIR.TAG` (the Cache
Directory Tagging convention, so backup tools skip it too). A folder that exists, holds files and has
no marker was made by someone else: the build refuses to touch it instead of deleting an author's work.
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import UnrolledError

SITE_MARKER = ".unrolled-site"
SITE_MARKER_TEXT = b"Written by `unrolled build`; the whole folder is replaced by the next build.\n"
CACHE_MARKER = "CACHEDIR.TAG"
CACHE_MARKER_TEXT = (b"Signature: 8a477f597d28d172789f06886806bc55\n"
                     b"# The precompute cache of an Unrolled project: safe to delete, rebuilt on demand.\n")


def owned(folder: Path, marker: str) -> bool:
    """True when `folder` is missing, empty, or carries `marker` (so this tool may replace its content)."""
    folder = Path(folder)
    if not folder.exists():
        return True
    if not folder.is_dir():
        return False
    return (folder / marker).is_file() or not any(folder.iterdir())


def refuse_foreign(folder: Path, marker: str, *, what: str, setting: str) -> None:
    if not owned(folder, marker):
        raise UnrolledError(f"the {what} folder {folder} already holds files that Unrolled did not write",
                            file=folder, rule=f"{setting}-not-owned",
                            hint=f"set `{setting}` in unrolled.toml to a new folder, or move that folder's "
                                 f"files away (Unrolled only replaces folders marked with {marker})")


def claim_cache(cache_root: Path) -> None:
    """Refuse a foreign cache folder; otherwise make sure it exists and carries its tag."""
    cache_root = Path(cache_root)
    refuse_foreign(cache_root, CACHE_MARKER, what="cache", setting="cache")
    cache_root.mkdir(parents=True, exist_ok=True)
    tag = cache_root / CACHE_MARKER
    if not tag.is_file():
        tmp = tag.with_name(f".{tag.name}.tmp-{os.getpid()}")
        tmp.write_bytes(CACHE_MARKER_TEXT)
        os.replace(tmp, tag)


def check_site_folder(out_dir: Path) -> None:
    """Before a build replaces `out_dir`: it must be missing, empty, or a previous build's output
    (the build writes SITE_MARKER among the site's files)."""
    refuse_foreign(out_dir, SITE_MARKER, what="output", setting="output")
