"""What a run learns, built from a spec: the task classes live in `unrolled_lite.tasks` (NumPy only),
shared with the in-browser trainer, so both draw the same epochs and validation windows.

Whatever the data turns out to hold (an empty corpus, a text shorter than a window, characters the
corpus lacks) is reported here as the spec's error, on the key that asks for too much.
"""
from __future__ import annotations

from unrolled_lite.tasks import make_task as task_for

from .errors import SpecError
from .spec import FUNCTION_DATASETS, RunSpec


def _fail(spec: RunSpec, key: str, message: str, rule: str, hint: str):
    raise SpecError(f"run {spec.name!r}, key {key!r}: {message}", file=spec.source, line=spec.line_of(key),
                    rule=rule, hint=hint)


def check_trace_text(spec: RunSpec, corpus) -> None:
    """Every traced character must be one the model can read."""
    unknown = sorted(set(spec.trace_text) - set(corpus.vocab))
    if unknown:
        _fail(spec, "trace_text", f"characters {unknown!r} are not in the {spec.dataset} corpus", "spec-trace-text",
              "trace text taken from the corpus itself")


def check_windows(spec: RunSpec, corpus) -> None:
    """Training and traced windows need `window + 1` characters of text."""
    traced = spec.trace > 0 and spec.trace_text is None
    for key in ("window", "trace_window") if traced else ("window",):
        if spec.values[key] + 1 > len(corpus.ids):
            _fail(spec, key, f"{spec.values[key]} steps need {spec.values[key] + 1} characters, but the corpus "
                  f"has {len(corpus.ids)}", "spec-range", f"lower `{key}`, or use a larger corpus")


def make_task(spec: RunSpec):
    """The spec's task; a `corpus` path is taken relative to the spec file."""
    if spec.dataset in FUNCTION_DATASETS:
        return task_for(spec.dataset, spec.noise)
    if spec.dataset == "recall":
        return task_for("recall", delay=spec.delay, symbols=spec.symbols)
    try:
        task = task_for(spec.dataset, corpus_dir=spec.corpus_dir)
    except ValueError as exc:  # a corpus folder without C sources, or with fewer than two characters
        key = "corpus" if spec.corpus is not None else "dataset"
        _fail(spec, key, str(exc), "spec-corpus", "point `corpus` at a folder holding .c or .h files")
    check_windows(spec, task.corpus)
    if spec.trace_text is not None:
        check_trace_text(spec, task.corpus)
    return task
