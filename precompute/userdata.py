"""The author's own data (`dataset = "csv"` or `"text"`): which files a run reads, and their contents.

One place lists the files (`data_files`), so the spec check, the cache key's digest, the inputs shipped
to a Dask worker and the training all see the same ones. Reading is strict UTF-8 through `sources`;
whatever a file turns out to hold is reported as the spec's error, at the line of the key that asked
for it, naming the data file (and its line where there is one).
"""
from __future__ import annotations

import glob
import os
from pathlib import Path

from unrolled_lite import datasets

from .errors import SpecError, UnrolledError
from .sources import inside_project, read_text

GLOB_CHARS = frozenset("*?[")


def _spec_error(spec, key: str, message: str, rule: str, hint: str) -> SpecError:
    return SpecError(f"run {spec.name!r}, key {key!r}: {message}", file=spec.source, line=spec.line_of(key),
                     rule=rule, hint=hint)


def data_files(spec, root=None) -> list[Path]:
    """The files of `file`: the file itself, every file under a folder (hidden ones skipped), or a
    glob's matches, in sorted order of their path from the spec's folder; each inside `root` (the
    project; None skips the check). A missing file or a glob matching nothing is an error."""
    written, path = spec.values["file"], spec.data_path
    home = Path(spec.source).parent
    hint = "a relative path starts at the spec file's folder"
    if GLOB_CHARS & set(written) and spec.dataset == "text":
        found = [Path(p) for p in glob.glob(str(path), recursive=True)]
        files = sorted((p for p in found if p.is_file()), key=lambda p: os.path.relpath(p, home))
        if not files:
            raise UnrolledError(f"no file matches {written!r}", rule="data-file-missing",
                                hint=f"check the pattern ({hint}; `**` matches any depth of folders)")
    elif path.is_dir() and spec.dataset == "text":
        files = sorted((p for p in path.rglob("*") if p.is_file()
                        and not any(part.startswith(".") for part in p.relative_to(path).parts)),
                       key=lambda p: p.relative_to(path).as_posix())
        if not files:
            raise UnrolledError(f"folder {written!r} holds no files", rule="data-file-missing",
                                hint="put the text files in it, or point `file` at a file")
    elif path.is_file():
        files = [path]
    else:
        what = "a CSV file" if spec.dataset == "csv" else "a file, a folder or a glob"
        raise UnrolledError(f"{'folder, not a file' if path.is_dir() else 'file not found'}: {written!r}",
                            rule="data-file-missing", hint=f"point `file` at {what} ({hint})")
    for file in files:
        inside_project(file, root, what="data file",
                       hint="keep the data inside the project folder, or write an absolute path to read it "
                            "from elsewhere")
    return files


def _read(spec, path: Path) -> str:
    try:
        text = read_text(path)
    except UnrolledError as error:
        raise _spec_error(spec, "file", f"{path.name}: {error.message}", error.rule, error.hint) from None
    except OSError as exc:
        raise _spec_error(spec, "file", f"cannot read {path.name}: {exc.strerror}", "data-file-missing",
                          "make the file readable") from None
    if not text.strip():
        raise _spec_error(spec, "file", f"{path.name} is empty", "data-file-empty",
                          "fill it, or remove it from the data")
    return text


def _files(spec) -> list[Path]:
    try:
        return data_files(spec)
    except UnrolledError as error:
        raise _spec_error(spec, "file", error.message, error.rule, error.hint) from None


def load_series(spec) -> datasets.Series:
    """The CSV series of a `csv` run, normalised as the spec says."""
    (path,) = _files(spec)
    text = _read(spec, path)
    try:
        table, x = datasets.parse_csv(text, spec.columns, spec.x_column)
        return datasets.Series(table, spec.columns.index(spec.target), x, spec.holdout, spec.normalize)
    except datasets.DataError as error:
        key = {"csv-unknown-column": "columns", "csv-x-uneven": "x_column"}.get(error.rule, "file")
        if error.rule == "csv-unknown-column" and error.column == spec.x_column:
            key = "x_column"
        raise _spec_error(spec, key, f"{path.name}: {error}", error.rule, error.hint) from None


def load_text(spec) -> datasets.TextCorpus:
    """The text of a `text` run: its files joined in `data_files` order (a newline after each), up to the
    first MAX_CORPUS_CHARS characters (files after those are not read), capped at `vocab` symbols."""
    parts, size = [], 0
    for path in _files(spec):
        if size >= datasets.MAX_CORPUS_CHARS:
            break
        part = _read(spec, path)
        parts.append(part if part.endswith("\n") else part + "\n")
        size += len(parts[-1])
    return datasets.user_text("".join(parts)[:datasets.MAX_CORPUS_CHARS], spec.vocab, spec.holdout)
