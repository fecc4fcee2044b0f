"""What a run learns, built from a spec: the task classes live in `unrolled_lite.tasks` (NumPy only),
shared with the in-browser trainer, so both draw the same epochs and validation windows.
"""
from __future__ import annotations

from pathlib import Path

from unrolled_lite.tasks import make_task as task_for

from .spec import FUNCTION_DATASETS, RunSpec


def check_trace_text(spec: RunSpec, corpus) -> None:
    """Every traced character must be one the model can read."""
    unknown = sorted(set(spec.trace_text) - set(corpus.vocab))
    if unknown:
        from .errors import SpecError
        from .spec import _find_line

        text = spec.source.read_text(encoding="utf-8")
        raise SpecError(f"run {spec.name!r}, key 'trace_text': characters {unknown!r} are not in the "
                        f"{spec.dataset} corpus", file=spec.source, line=_find_line(text, r"^\s*trace_text\s*=")
                        or spec.line, rule="spec-trace-text", hint="trace text taken from the corpus itself")


def make_task(spec: RunSpec):
    """The spec's task; a `corpus` path is taken relative to the spec file."""
    if spec.dataset in FUNCTION_DATASETS:
        return task_for(spec.dataset, spec.noise)
    corpus_dir = None
    if spec.corpus is not None:
        corpus_dir = Path(spec.corpus)
        if not corpus_dir.is_absolute():
            corpus_dir = spec.source.parent / corpus_dir
    if spec.dataset == "recall":
        return task_for("recall", delay=spec.delay, symbols=spec.symbols)
    try:
        task = task_for(spec.dataset, corpus_dir=corpus_dir)
    except ValueError as exc:
        from .errors import SpecError
        from .spec import _find_line

        text = spec.source.read_text(encoding="utf-8")
        key = "corpus" if spec.corpus is not None else "dataset"
        line = _find_line(text, rf"^\s*{key}\s*=", (spec.line or 1) - 1) or spec.line
        raise SpecError(f"run {spec.name!r}: {exc}", file=spec.source, line=line, rule="spec-corpus",
                        hint="check that the corpus exists and holds text") from None
    if spec.trace_text is not None:
        check_trace_text(spec, task.corpus)
    return task
