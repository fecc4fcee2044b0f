"""Content-addressed cache of run documents: one directory per (run, key), written atomically.

Key = hash(normalised spec, precompute code version, torch version, schema version, corpus digest, and
the source digest of an author's cell file). A run's documents
are written into a private temporary directory and renamed into place in one step, so a run killed
mid-way leaves no half-written entry, and readers only ever see complete ones. An entry counts as
complete only when every document matches its digest: a changed byte makes the run stale, so it is
recomputed instead of published.

Each run has a slot `<run>@<digest of its article folder and spec file name>`: two articles may both
name a run `sine`, with different specs, without evicting each other. A new key replaces the older keys
of its own slot only, and only folders shaped like cache entries; the cache root carries a CACHEDIR.TAG,
and a folder without one is never written to (see `folders.py`).
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from .documents import KINDS, OPTIONAL_KINDS, SCHEMA_MAJOR, check, code_version, torch_version
from .errors import UnrolledError
from .folders import claim_cache
from .lifeline import alive
from .spec import RunSpec

KEY_PATTERN = re.compile(r"[0-9a-f]{20}")

_reported: set[Path] = set()  # damaged entries already reported to the user
CORPUS_DIGESTS = "corpus-digests.json"  # in the cache folder: file -> (size, mtime_ns, sha256)


def cache_key(spec: RunSpec, cache_root: Path | None = None) -> str:
    """The entry's key; with `cache_root`, a user corpus's file digests are remembered there."""
    material = {"spec": spec.normalised(), "code": code_version(), "torch": torch_version(),
                "schema": SCHEMA_MAJOR, "corpus": _corpus_digest(spec, cache_root)}
    if spec.model is not None:  # the author's cell is code the documents depend on
        material["model"] = spec.model_digest()
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:20]


def _corpus_digest(spec: RunSpec, cache_root: Path | None) -> str | None:
    """A user corpus or data file, or the installed NumPy's headers, is data the cache must notice changes in.

    Each user-corpus file is hashed once, streamed, and its digest kept by (path, size, mtime_ns), so a
    corpus of hundreds of megabytes is not read again on every build.
    """
    if spec.dataset == "numpy-headers":
        from unrolled_lite.datasets import numpy_header_files

        digest = hashlib.sha256()
        for relative, path in numpy_header_files():
            digest.update(relative.encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()[:16]
    if spec.corpus_dir is not None:
        from unrolled_lite.datasets import c_files  # the walk that reads the corpus, so both see the same files

        files = [(path.relative_to(spec.corpus_dir).as_posix(), path) for path in c_files(spec.corpus_dir)]
    elif spec.data_path is not None:
        from .userdata import data_files  # the files the run reads, so both see the same ones

        home = Path(spec.source).parent
        files = [(Path(os.path.relpath(path, home)).as_posix(), path) for path in data_files(spec)]
    else:
        return None
    memo_path = Path(cache_root) / CORPUS_DIGESTS if cache_root is not None else None
    memo = _read_memo(memo_path)
    fresh = {}
    digest = hashlib.sha256()
    for relative, path in files:
        stat = path.stat()
        name = str(path.resolve())
        known = memo.get(name)
        if known is not None and known[:2] == [stat.st_size, stat.st_mtime_ns]:
            fresh[name] = known
        else:
            with open(path, "rb") as fh:
                fresh[name] = [stat.st_size, stat.st_mtime_ns, hashlib.file_digest(fh, "sha256").hexdigest()]
        digest.update(relative.encode() + b"\0" + fresh[name][2].encode())
    if memo_path is not None and any(memo.get(k) != v for k, v in fresh.items()):
        _write_memo(memo_path, {**memo, **fresh})
    return digest.hexdigest()[:16]


def _read_memo(path: Path | None) -> dict:
    try:
        memo = json.loads(path.read_text(encoding="utf-8")) if path is not None else {}
    except (OSError, ValueError):
        return {}  # missing or unreadable: every file is hashed again
    return memo if isinstance(memo, dict) else {}


def _write_memo(path: Path, memo: dict) -> None:
    """Temp file + rename; a cache folder that cannot be written only costs the hashing next time."""
    try:
        claim_cache(path.parent)  # the memo lives only in a cache folder Unrolled owns
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".tmp-digests-", delete=False) as fh:
            json.dump(memo, fh, sort_keys=True)
        os.replace(fh.name, path)
    except (OSError, UnrolledError):
        pass


def slot(spec: RunSpec) -> str:
    """The run's folder name: its name plus a digest of its spec file's article folder and file name,
    which tells two articles' runs apart and stays the same when a project is moved or copied."""
    where = f"{Path(spec.source).parent.name}/{Path(spec.source).name}"
    return f"{spec.name}@{hashlib.sha256(where.encode()).hexdigest()[:8]}"


def entry_dir(cache_root: Path, spec: RunSpec, key: str | None = None) -> Path:
    return Path(cache_root) / slot(spec) / (key or cache_key(spec, cache_root))


def is_complete(path: Path, *, report: bool = True) -> bool:
    """Every document is there (an optional kind only if written) and matches its digest; a damaged
    entry is reported once, as a note."""
    path = Path(path)
    if not (path / "run.json").is_file():
        return False
    for kind in KINDS:
        if kind in OPTIONAL_KINDS and not (path / f"{kind}.json").exists():
            continue
        try:
            check(path / f"{kind}.json")
        except UnrolledError as error:
            if report and path not in _reported:
                _reported.add(path)
                print(f"note: {error.location}: {error.message}; the run is recomputed", file=sys.stderr)
            return False
    return True


def write_entry(cache_root: Path, spec: RunSpec, key: str, docs: dict[str, bytes]) -> Path:
    """Write all documents (their canonical bytes) of one run at once: temp dir + fsync + rename, then
    drop older keys of the same slot."""
    final = entry_dir(cache_root, spec, key)
    tmp = final.parent / f".tmp-{key}-{os.getpid()}"
    try:
        claim_cache(cache_root)
        final.parent.mkdir(parents=True, exist_ok=True)
        _remove_orphans(final.parent)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        for kind, data in docs.items():
            with open(tmp / f"{kind}.json", "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        if is_complete(final, report=False):  # another process finished the same key first; same bytes
            shutil.rmtree(tmp)
        else:  # no entry yet, or a damaged one: the fresh documents replace it
            if final.exists():
                damaged = final.parent / f".tmp-damaged-{key}-{os.getpid()}"
                os.rename(final, damaged)
                shutil.rmtree(damaged, ignore_errors=True)
            os.rename(tmp, final)
            _reported.discard(final)  # should it be damaged again, say so again
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise unwritable(cache_root, exc) from None
    for old in final.parent.iterdir():  # only older entries of this slot, never anything else
        if old.name != key and KEY_PATTERN.fullmatch(old.name) and old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
    return final


def prepare(cache_root: Path) -> None:
    """Before any training: a folder Unrolled did not make is refused, and one that cannot take new
    entries is reported."""
    cache_root = Path(cache_root)
    if cache_root.exists() and not cache_root.is_dir():
        raise unwritable(cache_root, NotADirectoryError(errno.ENOTDIR, "it is a file, not a folder", str(cache_root)))
    try:
        claim_cache(cache_root)
        with tempfile.TemporaryFile(dir=cache_root):  # unnamed on Linux: nothing is left if killed here
            pass
    except OSError as exc:
        raise unwritable(cache_root, exc) from None


def unwritable(cache_root: Path, exc: OSError) -> UnrolledError:
    return UnrolledError(f"the precompute cache cannot be written: {exc.strerror or exc}"
                         + (f" ({exc.filename})" if exc.filename else ""), file=cache_root, rule="cache-unwritable",
                         hint="make the cache folder writable (or free disk space), or set `cache` in "
                              "unrolled.toml to a writable folder")


def _remove_orphans(run_dir: Path) -> None:
    """Temp dirs left by killed processes (their pid no longer runs)."""
    for tmp in run_dir.glob(".tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)
