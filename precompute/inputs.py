"""The files a run reads besides its spec (a C corpus, an author's CSV or text files), so a worker without the author's filesystem can be sent them.

`gather` reads them on the machine that has the project; `materialise` lays them out again under a
private folder on the worker, with the spec file beside them, so relative paths resolve as they did at
home and the spec's values (and so the documents' bytes) stay exactly as written.
"""
from __future__ import annotations

import os
from pathlib import Path

from unrolled_lite.datasets import C_SUFFIXES

from .spec import RunSpec


def gather(spec: RunSpec) -> dict[str, bytes]:
    """Relative path (from the spec file's folder) -> bytes, for the spec file and every file it reads
    through a relative path (a corpus, a `model` cell file). Absolute paths are read where the run trains
    (a shared filesystem)."""
    home = Path(spec.source).parent
    files = {Path(spec.source).name: Path(spec.source).read_bytes()} if Path(spec.source).is_file() else {}
    if spec.model is not None and spec.model_file.is_file():  # the author's cell, imported on the worker
        files[Path(os.path.relpath(spec.model_file, home)).as_posix()] = spec.model_file.read_bytes()
    if spec.corpus is not None and not Path(spec.corpus).is_absolute() and (home / spec.corpus).is_dir():
        for path in sorted((home / spec.corpus).rglob("*")):
            if path.is_file() and path.name.endswith(C_SUFFIXES):
                files[Path(os.path.relpath(path, home)).as_posix()] = path.read_bytes()
    if spec.data_path is not None and not Path(spec.file).is_absolute():
        from .userdata import data_files

        for path in data_files(spec):
            files[Path(os.path.relpath(path, home)).as_posix()] = path.read_bytes()
    return files


def materialise(spec: RunSpec, files: dict[str, bytes], folder: Path) -> RunSpec:
    """Write `files` under `folder` and return the same spec, now read from there. A corpus reached
    through `../` gets as many folder levels above the spec as it climbs."""
    folder = Path(folder).resolve()
    climb = max((sum(1 for part in rel.split("/") if part == "..") for rel in files), default=0)
    home = folder.joinpath(*["up"] * climb)
    for rel, data in files.items():
        path = (home / rel).resolve()
        if folder not in path.parents:
            raise ValueError(f"input path {rel!r} leaves the run's folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return RunSpec(spec.name, spec.values, home / Path(spec.source).name, spec.line)
