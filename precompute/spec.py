"""Run specs: `[run.NAME]` tables in TOML, every key typed and range-checked, unknown keys refused.

Importing this module never imports torch, so the generator can read specs cheaply.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import SpecError

FUNCTION_DATASETS = ("sine", "sawtooth", "square", "composite")
TEXT_DATASETS = ("abab", "lorem", "c-code", "numpy-headers")
TASK_DATASETS = ("recall",)  # synthetic symbol tasks whose answer is known (unrolled_lite.tasks)
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class Option:
    """One spec key: its type, allowed values or range, and default (None = required)."""

    kind: type
    default: Any = None
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    doc: str = ""

    def describe(self) -> str:
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        bounds = []
        if self.low is not None:
            bounds.append(f">= {self.low}")
        if self.high is not None:
            bounds.append(f"<= {self.high}")
        name = {int: "an integer", float: "a number", str: "a string", list: "a list"}[self.kind]
        return name + (" " + " and ".join(bounds) if bounds else "")


# Defaults give exploRNN's scale: 3 LSTM layers x 16 units, 15-step windows, 100 sequences, batch 25.
OPTIONS: dict[str, Option] = {
    "dataset": Option(str, None, FUNCTION_DATASETS + TEXT_DATASETS + TASK_DATASETS, doc="training data"),
    "noise": Option(float, 0.0, low=0.0, high=0.4, doc="uniform input noise amplitude (function data)"),
    "cell": Option(str, "lstm", ("rnn", "lstm", "gru"), doc="recurrent cell type"),
    "layers": Option(int, 3, low=1, high=7, doc="stacked recurrent layers"),
    "hidden": Option(int, 16, low=1, high=512, doc="units per layer"),
    "window": Option(int, 15, low=2, high=400, doc="steps per training sequence"),
    "optimizer": Option(str, "rmsprop", ("adam", "rmsprop", "sgd"), doc="optimiser"),
    "lr": Option(float, 0.025, low=1e-6, high=10.0, doc="learning rate"),
    "batch": Option(int, 25, low=1, high=4096, doc="sequences per gradient step"),
    "epochs": Option(int, 20, low=0, high=100000, doc="training epochs"),
    "sequences": Option(int, 100, low=1, high=100000, doc="training sequences per epoch"),
    "seed": Option(int, 0, low=0, high=2**32 - 1, doc="seed for weights and data"),
    "snapshots": Option(list, None, doc="epochs at which to export (default: first and last)"),
    "trace": Option(int, 1, low=0, high=32, doc="validation sequences traced per snapshot"),
    "trace_window": Option(int, None, low=2, high=400, doc="length of traced sequences (default: window)"),
    "corpus": Option(str, None, doc="directory of C sources for dataset 'c-code'"),
    "trace_text": Option(str, None, doc="text data: trace exactly this text instead of random windows"),
    "delay": Option(int, None, low=1, high=399, doc="recall: steps between the key and the first query (default 10)"),
    "symbols": Option(int, None, low=2, high=26, doc="recall: number of distinct keys (default 4)"),
    "horizon": Option(int, 0, low=0, high=256, doc="held-out sequences traced for the horizon document (0: none)"),
    "horizon_threshold": Option(float, 0.01, low=1e-9, high=1.0,
                                doc="a horizon is the first distance whose mean gradient ratio falls below this"),
}
REQUIRED = ("dataset",)


@dataclass(frozen=True)
class RunSpec:
    """A validated, normalised run spec; `source` is where it was written, for error messages."""

    name: str
    values: dict
    source: Path = field(compare=False)
    line: int | None = field(default=None, compare=False)

    def __getattr__(self, key):
        if key.startswith("__") or key == "values":  # unpickling looks these up before `values` exists
            raise AttributeError(key)
        try:
            return self.values[key]
        except KeyError:
            raise AttributeError(key) from None

    @property
    def is_text(self) -> bool:
        """Whether the run reads symbols (a corpus or a symbol task) rather than function values."""
        return self.values["dataset"] in TEXT_DATASETS + TASK_DATASETS

    def normalised(self) -> dict:
        """The spec as plain JSON data with every default filled in (the cache key's input)."""
        return {"name": self.name, **self.values}


def load_specs(path: str | Path) -> list[RunSpec]:
    """Parse and validate every `[run.NAME]` table of one TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("run spec file not found", file=path, rule="spec-missing-file",
                        hint="check the path, or the `runs:` entry in the article's front matter") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        raise SpecError(f"not valid TOML: {getattr(exc, 'msg', exc)}", file=path, line=line,
                        rule="spec-toml", hint="fix the TOML syntax (strings need quotes, tables [run.NAME])") from None
    unknown_top = sorted(set(data) - {"run"})
    if unknown_top:
        raise SpecError(f"unknown top-level table or key {unknown_top[0]!r}", file=path,
                        line=_find_line(text, rf"^\s*\[?{re.escape(unknown_top[0])}\b"), rule="spec-unknown-key",
                        hint="run specs live in tables named [run.NAME]")
    runs = data.get("run", {})
    if not runs:
        raise SpecError("no runs defined", file=path, rule="spec-empty", hint="add a table such as [run.sine-lstm]")
    return [_validate(name, table, path, text) for name, table in runs.items()]


def _find_line(text: str, pattern: str, start: int = 0) -> int | None:
    lines = text.splitlines()
    for number in range(start, len(lines)):
        if re.search(pattern, lines[number]):
            return number + 1
    return None


def _validate(name: str, table: Any, path: Path, text: str) -> RunSpec:
    header = _find_line(text, rf"^\s*\[\s*run\.\"?{re.escape(name)}\"?\s*\]")

    def fail(message, key=None, hint=None, rule="spec-invalid"):
        line = _find_line(text, rf"(^|[;{{,]\s*){re.escape(key)}\s*=", (header or 1) - 1) if key else header
        where = f"run {name!r}" + (f", key {key!r}" if key else "")
        raise SpecError(f"{where}: {message}", file=path, line=line or header, rule=rule, hint=hint)

    if not NAME_PATTERN.match(name):
        fail("run names use lower-case letters, digits, '-' and '_'", rule="spec-name",
             hint="rename the table, e.g. [run.sine-lstm]")
    if not isinstance(table, dict):
        fail("expected a table of options", rule="spec-invalid", hint="write [run.NAME] followed by key = value lines")
    for key in table:
        if key not in OPTIONS:
            close = [k for k in OPTIONS if k.startswith(key[:3])]
            fail("unknown key", key, rule="spec-unknown-key",
                 hint=(f"did you mean {close[0]!r}? " if close else "") + "known keys: " + ", ".join(OPTIONS))
    for key in REQUIRED:
        if key not in table:
            fail(f"missing required key {key!r}", rule="spec-missing-key",
                 hint=f"add `{key} = ...` ({OPTIONS[key].describe()})")
    values = {}
    for key, option in OPTIONS.items():
        if key in table:
            values[key] = _check(key, option, table[key], fail)
        else:
            values[key] = option.default
    _check_relations(values, table, fail)
    return RunSpec(name, values, path, header)


def _check(key: str, option: Option, value: Any, fail) -> Any:
    if option.kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, option.kind) or isinstance(value, bool):
        fail(f"expected {option.describe()}, got {value!r}", key, rule="spec-type",
             hint=f"set {key} to {option.describe()}")
    if option.choices and value not in option.choices:
        fail(f"{value!r} is not {option.describe()}", key, rule="spec-choice", hint=f"use {option.describe()}")
    if option.low is not None and value < option.low or option.high is not None and value > option.high:
        fail(f"{value!r} is out of range: expected {option.describe()}", key, rule="spec-range",
             hint=f"use {option.describe()}")
    return value


def _check_relations(values: dict, table: dict, fail) -> None:
    epochs = values["epochs"]
    snaps = values["snapshots"]
    if snaps is None:
        values["snapshots"] = sorted({0, epochs})
    else:
        if not all(isinstance(s, int) and not isinstance(s, bool) for s in snaps) or not snaps:
            fail("expected a non-empty list of epoch numbers", "snapshots", rule="spec-type",
                 hint=f"e.g. snapshots = [0, {epochs}]")
        bad = [s for s in snaps if not 0 <= s <= epochs]
        if bad:
            fail(f"epoch {bad[0]} is outside 0..{epochs}", "snapshots", rule="spec-range",
                 hint=f"snapshot epochs must lie between 0 and epochs = {epochs}")
        values["snapshots"] = sorted(set(snaps))
    if values["trace_window"] is None:
        values["trace_window"] = values["window"]
    if values["corpus"] is not None and values["dataset"] != "c-code":
        fail("`corpus` only applies to dataset 'c-code'", "corpus", rule="spec-invalid",
             hint="remove `corpus`, or set dataset = \"c-code\"")
    recall = values["dataset"] == "recall"
    for key, default in (("delay", 10), ("symbols", 4)):
        if values[key] is None:
            values[key] = default if recall else None
        elif not recall:
            fail(f"`{key}` only applies to dataset 'recall'", key, rule="spec-invalid",
                 hint=f"remove `{key}`, or set dataset = \"recall\"")
    if recall and values["delay"] >= values["window"]:
        fail(f"delay {values['delay']} leaves no query in a window of {values['window']} steps", "delay",
             rule="spec-range", hint=f"use delay < window, e.g. window = {values['delay'] + 10}")
    if recall and values["delay"] >= values["trace_window"]:
        fail(f"delay {values['delay']} leaves no query in traced windows of {values['trace_window']} steps",
             "trace_window", rule="spec-range", hint=f"use trace_window > delay = {values['delay']}")
    if values["horizon"] == 0 and "horizon_threshold" in table:
        fail("`horizon_threshold` has no effect without `horizon`", "horizon_threshold", rule="spec-invalid",
             hint="set horizon = 32 (sequences traced for the horizon document), or remove horizon_threshold")
    if values["trace_text"] is not None:
        if values["dataset"] not in TEXT_DATASETS:
            fail("`trace_text` applies to text data only", "trace_text", rule="spec-invalid",
                 hint="remove it, or use dataset " + ", ".join(TEXT_DATASETS))
        if len(values["trace_text"]) < 3:
            fail("`trace_text` needs at least 3 characters", "trace_text", rule="spec-range",
                 hint="trace a snippet of the corpus, e.g. a loop header")
    if values["dataset"] not in FUNCTION_DATASETS and values["noise"]:
        fail("noise applies to function data only", "noise", rule="spec-invalid", hint="remove `noise` for text data")
    if values["batch"] > values["sequences"]:
        fail(f"batch {values['batch']} is larger than sequences {values['sequences']}", "batch",
             rule="spec-range", hint="use batch <= sequences")
