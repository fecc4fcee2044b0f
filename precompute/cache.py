"""Content-addressed cache of run documents: one directory per (run, key), written atomically.

Key = hash(normalised spec, precompute code version, torch version, schema version, corpus digest). A run's documents
are written into a private temporary directory and renamed into place in one step, so a run killed
mid-way leaves no half-written entry, and readers only ever see complete ones.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from importlib import metadata
from pathlib import Path

from .documents import SCHEMA_MAJOR, code_version, dumps
from .spec import RunSpec


def cache_key(spec: RunSpec) -> str:
    material = {"spec": spec.normalised(), "code": code_version(), "torch": metadata.version("torch"),
                "schema": SCHEMA_MAJOR, "corpus": _corpus_digest(spec)}
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:20]


def _corpus_digest(spec: RunSpec) -> str | None:
    """A user corpus, or the installed NumPy's headers, is data the cache must notice changes in."""
    if spec.dataset == "numpy-headers":
        from unrolled_lite.datasets import numpy_header_files

        digest = hashlib.sha256()
        for relative, path in numpy_header_files():
            digest.update(relative.encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()[:16]
    if spec.corpus is None:
        return None
    root = Path(spec.corpus) if Path(spec.corpus).is_absolute() else spec.source.parent / spec.corpus
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in {".c", ".h"} and path.is_file():
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def entry_dir(cache_root: Path, spec: RunSpec, key: str | None = None) -> Path:
    return Path(cache_root) / spec.name / (key or cache_key(spec))


def is_complete(path: Path) -> bool:
    return (path / "run.json").is_file()


def write_entry(cache_root: Path, spec: RunSpec, key: str, docs: dict[str, dict]) -> Path:
    """Write all documents of one run at once: temp dir + fsync + rename, then drop older keys."""
    final = entry_dir(cache_root, spec, key)
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(final.parent)
    tmp = final.parent / f".tmp-{key}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for kind, doc in docs.items():
        with open(tmp / f"{kind}.json", "wb") as fh:
            fh.write(dumps(doc))
            fh.flush()
            os.fsync(fh.fileno())
    if final.exists():  # another process finished the same key first; its bytes are identical
        shutil.rmtree(tmp)
    else:
        os.rename(tmp, final)
    for old in final.parent.iterdir():
        if old.is_dir() and old.name != key and not old.name.startswith(".tmp-"):
            shutil.rmtree(old, ignore_errors=True)
    return final


def _remove_orphans(run_dir: Path) -> None:
    """Temp dirs left by killed processes (their pid no longer runs)."""
    for tmp in run_dir.glob(".tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
