"""What a run learns, built from a spec: the task classes live in `unrolled_lite.tasks` (NumPy only),
shared with the in-browser trainer, so both draw the same epochs and validation windows.

Whatever the data turns out to hold (an empty corpus, a text shorter than a window, characters the
corpus lacks) is reported here as the spec's error, on the key that asks for too much.
"""
from __future__ import annotations

from unrolled_lite.tasks import SeriesTask, TextTask, make_task as task_for

from .errors import SpecError
from .spec import FUNCTION_DATASETS, RunSpec
from .userdata import load_series, load_text


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


def check_series(spec: RunSpec, series) -> None:
    """Training windows need `window + 1` training rows; validation and traced windows as many held-out rows."""
    parts = [("window", "train"), ("window", "validation")]
    if spec.trace > 0 or spec.horizon > 0:
        parts.append(("trace_window", "validation"))
    for key, part in parts:
        rows = series.rows(part)
        if spec.values[key] + 1 > rows:
            where = "the first" if part == "train" else "the held-out last"
            _fail(spec, key, f"{spec.values[key]} steps need {spec.values[key] + 1} rows, but {where} part of "
                  f"{spec.file} has {rows} ({len(series.values)} rows, holdout {spec.holdout:g})", "csv-too-short",
                  f"lower `{key}` (at most {rows - 1})" + (", or raise `holdout`" if part == "validation" else
                                                           ", or lower `holdout`") + ", or add rows")


def _check_text_windows(spec: RunSpec, corpus) -> None:
    """An author's text: its training part and its held-out tail each need a window's worth of characters."""
    check_windows(spec, corpus)
    held = int(corpus.held_out.sum())
    checks = [("window", "training", len(corpus.ids) - held), ("window", "held-out last", held)]
    if (spec.trace > 0 and spec.trace_text is None) or spec.horizon > 0:
        checks.append(("trace_window", "held-out last", held))  # traced sequences are held-out text
    for key, part, size in checks:
        if spec.values[key] + 1 > size:
            _fail(spec, key, f"{spec.values[key]} steps need {spec.values[key] + 1} characters, but the {part} "
                  f"part of the text has {size} ({len(corpus.ids)} characters, holdout {spec.holdout:g})",
                  "text-too-short", f"lower `{key}` (at most {size - 1}), or add text")


def make_task(spec: RunSpec):
    """The spec's task; a `corpus` or `file` path is taken relative to the spec file."""
    if spec.dataset in FUNCTION_DATASETS:
        return task_for(spec.dataset, spec.noise)
    if spec.dataset == "csv":
        series = load_series(spec)
        check_series(spec, series)
        return SeriesTask(series, spec.noise)
    if spec.dataset == "text":
        task = TextTask("text", load_text(spec))
        _check_text_windows(spec, task.corpus)
        if spec.trace_text is not None:
            check_trace_text(spec, task.corpus)
        return task
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
