"""Run specs: `[run.NAME]` tables in TOML, every key typed and range-checked, unknown keys refused;
`[sweep.NAME]` tables expand to one run per combination of their grid.

Importing this module never imports torch, so the generator can read specs cheaply.
"""
from __future__ import annotations

import hashlib
import math
import re
import tomllib
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

from .errors import SpecError, UnrolledError
from .sources import inside_project, read_text

FUNCTION_DATASETS = ("sine", "sawtooth", "square", "composite")
TEXT_DATASETS = ("abab", "lorem", "c-code", "numpy-headers")
TASK_DATASETS = ("recall",)  # synthetic symbol tasks whose answer is known (unrolled_lite.tasks)
# The author's own data, read from `file` (precompute/userdata.py): a CSV time series, or text files.
SERIES_DATASETS = ("csv",)
USER_TEXT_DATASETS = ("text",)
USER_KEYS = {"csv": ("file", "columns", "target", "x_column", "normalize", "unit", "holdout"),
             "text": ("file", "vocab", "holdout")}
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
    "dataset": Option(str, None, FUNCTION_DATASETS + TEXT_DATASETS + TASK_DATASETS + SERIES_DATASETS
                      + USER_TEXT_DATASETS, doc="training data"),
    "noise": Option(float, 0.0, low=0.0, high=0.4, doc="uniform input noise amplitude (function data)"),
    "cell": Option(str, "lstm", ("rnn", "lstm", "gru"), doc="recurrent cell type"),
    "layers": Option(int, 3, low=1, high=7, doc="stacked recurrent layers"),
    "hidden": Option(int, 16, low=1, high=512, doc="units per layer, or a list of sizes, one per layer"),
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
    "file": Option(str, None, doc="csv: the CSV file; text: a file, a folder or a glob (relative to the spec file)"),
    "columns": Option(list, None, doc="csv: the input columns, e.g. [\"co2\"]"),
    "target": Option(str, None, doc="csv: the column predicted (default: the only column of `columns`)"),
    "x_column": Option(str, None, doc="csv: the column of the time axis (default: the row number)"),
    "normalize": Option(str, None, ("zscore", "minmax", "none"), doc="csv: how values are scaled (default zscore)"),
    "unit": Option(str, None, doc="csv: the target's unit, shown on the axis"),
    "holdout": Option(float, None, low=0.05, high=0.5, doc="csv and text: share held out at the end (default 0.2)"),
    "vocab": Option(int, None, low=2, high=1024, doc="text: at most this many symbols; rarer characters become one"),
    "horizon": Option(int, 0, low=0, high=256, doc="held-out sequences traced for the horizon document (0: none)"),
    "horizon_threshold": Option(float, 0.01, low=1e-9, high=1.0,
                                doc="a horizon is the first distance whose mean gradient ratio falls below this"),
    "title": Option(str, None, doc="the run's name in figure legends and labels (default: the run id)"),
    "model": Option(str, None, doc="your own cell: \"FILE.py:ClassName\", the file relative to the spec"),
}
MODEL_PATTERN = re.compile(r"^(?P<file>[^:]+\.py):(?P<cls>[A-Za-z_][A-Za-z0-9_]*)$")
REQUIRED = ("dataset",)
DISPLAY_ONLY = ("title",)  # shown by figures, never used to train: outside the cache key


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
        return self.values["dataset"] in TEXT_DATASETS + TASK_DATASETS + USER_TEXT_DATASETS

    @property
    def data_path(self) -> Path | None:
        """The `file` of an author's data: absolute as written, relative from the spec file's folder."""
        if self.values.get("file") is None:
            return None
        path = Path(self.values["file"])
        return path if path.is_absolute() else self.source.parent / path

    @property
    def corpus_dir(self) -> Path | None:
        """The `corpus` folder: an absolute path as written, a relative one from the spec file's folder."""
        if self.values.get("corpus") is None:
            return None
        corpus = Path(self.values["corpus"])
        return corpus if corpus.is_absolute() else self.source.parent / corpus

    @property
    def model(self) -> str | None:
        """`model` as written ("cells.py:Class"), or None for a built-in cell."""
        return self.values.get("model")

    @property
    def model_file(self) -> Path | None:
        """The `model` file (relative to the spec file's folder), or None for a built-in cell."""
        if self.values.get("model") is None:
            return None
        return self.source.parent / MODEL_PATTERN.match(self.values["model"]).group("file")

    @property
    def model_class(self) -> str | None:
        """The class named by `model`, or None for a built-in cell."""
        if self.values.get("model") is None:
            return None
        return MODEL_PATTERN.match(self.values["model"]).group("cls")

    def model_digest(self) -> str | None:
        """sha256 of the `model` file's bytes (cache key, import memo): an edited cell retrains."""
        if self.model_file is None:
            return None
        return hashlib.sha256(self.model_file.read_bytes()).hexdigest()[:16]

    def line_of(self, key: str) -> int | None:
        """The line of `key` inside this run's table (the table's header when the key is not written)."""
        text = read_text(self.source)
        return _key_line(text, key, self.line) or self.line

    def normalised(self) -> dict:
        """The spec as plain JSON data with every default filled in (the cache key's input); display-only
        keys (`title`) are left out, so renaming a run in legends never retrains it."""
        return {"name": self.name, **self.trained}

    @property
    def trained(self) -> dict:
        """The values that shape training (every key but the display-only ones): documents' provenance."""
        return {k: v for k, v in self.values.items() if k not in DISPLAY_ONLY}

    @property
    def label(self) -> str:
        """What figures call the run: its `title`, else its id."""
        return self.values.get("title") or self.name


def load_specs(path: str | Path, root: str | Path | None = None) -> list[RunSpec]:
    """Parse and validate every `[run.NAME]` table of one TOML file.

    `root` is the project folder: a relative `corpus` must resolve inside it (an absolute one may lie
    anywhere, since the author wrote it out on purpose).
    """
    path = Path(path)
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise SpecError("run spec file not found", file=path, rule="spec-missing-file",
                        hint="check the path, or the `runs:` entry in the article's front matter") from None
    except OSError as exc:
        raise SpecError(f"cannot read the run spec file: {exc.strerror}", file=path, rule="spec-missing-file",
                        hint="`runs:` must name a readable TOML file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        raise SpecError(f"not valid TOML: {getattr(exc, 'msg', exc)}", file=path, line=line,
                        rule="spec-toml", hint="fix the TOML syntax (strings need quotes, tables [run.NAME])") from None
    unknown_top = sorted(set(data) - {"run", "sweep"})
    if unknown_top:
        raise SpecError(f"unknown top-level table or key {unknown_top[0]!r}", file=path,
                        line=_find_line(text, rf"^\s*\[?{re.escape(unknown_top[0])}\b"), rule="spec-unknown-key",
                        hint="run specs live in tables named [run.NAME] or [sweep.NAME]")
    runs, sweeps = data.get("run", {}), data.get("sweep", {})
    for kind, tables in (("run", runs), ("sweep", sweeps)):
        if not isinstance(tables, dict):
            raise SpecError(f"`{kind}` must be tables [{kind}.NAME], got {tables!r}", file=path,
                            line=_find_line(text, rf"^\s*{kind}\s*="), rule="spec-invalid",
                            hint=f"write each {kind} as a table: [{kind}.NAME] followed by key = value lines")
    if not runs and not sweeps:
        raise SpecError("no runs defined", file=path, rule="spec-empty", hint="add a table such as [run.sine-lstm]")
    specs = [_validate(name, table, path, text, root=root) for name, table in runs.items()]
    for name, table in sweeps.items():
        for spec in expand_sweep(name, table, path, text, root):
            clash = next((s for s in specs if s.name == spec.name), None)
            if clash is not None:
                raise SpecError(f"sweep {name!r} makes run {spec.name!r}, which is already defined", file=path,
                                line=spec.line, rule="spec-duplicate",
                                hint=f"it is also at line {clash.line}; rename one, or set the sweep's `name` template")
            specs.append(spec)
    return specs


def _header(text: str, kind: str, name: str) -> int | None:
    return _find_line(text, rf"^\s*\[\s*{kind}\.\"?{re.escape(name)}\"?\s*\]")


def sweep_label(value) -> str:
    """A grid value as it appears in run names: 0.01 -> 0p01, 1e-05 -> 1em05, 25 -> 25, "gru" -> gru."""
    if isinstance(value, float):
        return format(value, "g").replace(".", "p").replace("-", "m").replace("+", "")
    if isinstance(value, list):
        return "x".join(sweep_label(v) for v in value)
    return str(value)


def expand_sweep(name: str, table: Any, path: Path, text: str, root: str | Path | None = None) -> list[RunSpec]:
    """`[sweep.NAME]` (shared keys) + `[sweep.NAME.grid]` (lists): one validated run per combination.

    Runs are named by the `name` template (`{key}` placeholders) or `NAME-KEYVALUE-...` in grid order, with
    values as `sweep_label` writes them, e.g. sine-lr0p01-batch25.
    """
    header = _header(text, "sweep", name)
    grid_header = _header(text, "sweep", f"{name}.grid") or header

    def fail(message, key=None, hint=None, rule="spec-sweep", grid_key=False):
        line = _key_line(text, key, grid_header if grid_key else header) if key else None
        raise SpecError(f"sweep {name!r}" + (f", key {key!r}" if key else "") + f": {message}", file=path,
                        line=line or header, rule=rule, hint=hint)

    if not NAME_PATTERN.match(name):
        fail("sweep names use lower-case letters, digits, '-' and '_'", rule="spec-name",
             hint="rename the table, e.g. [sweep.sine]")
    if not isinstance(table, dict):
        fail("expected a table of options", hint="write [sweep.NAME] with key = value lines and a [sweep.NAME.grid]")
    base = dict(table)
    grid, template = base.pop("grid", None), base.pop("name", None)
    if not isinstance(grid, dict) or not grid:
        fail("needs a grid: a table [sweep.NAME.grid] of keys with lists of values",
             hint=f"add e.g.\n[sweep.{name}.grid]\nlr = [0.001, 0.01]")
    for key, values in grid.items():
        if key not in OPTIONS or key == "snapshots":
            fail("is not a setting a sweep can vary", key, rule="spec-unknown-key", grid_key=True,
                 hint="vary any run key but snapshots: " + ", ".join(k for k in OPTIONS if k != "snapshots"))
        if not isinstance(values, list) or not values:
            fail("a grid key takes a non-empty list of values", key, grid_key=True,
                 hint=f"e.g. {key} = [{OPTIONS[key].default!r}]")
        if key in base:
            fail("is set both in the sweep and in its grid", key, grid_key=True, hint="keep it in one of the two")
        if len({repr(v) for v in values}) != len(values):
            fail("lists a value twice", key, grid_key=True, hint="list each value once")
    if template is not None and not isinstance(template, str):
        fail("`name` is a template such as \"NAME-lr{lr}\"", "name", rule="spec-type")
    keys = list(grid)
    specs = []
    for combo in product(*(grid[k] for k in keys)):
        labels = {k: sweep_label(v) for k, v in zip(keys, combo)}
        if template is None:
            run = "-".join([name] + [f"{k}{labels[k]}" for k in keys])
        else:
            try:
                run = template.format(**labels)
            except (KeyError, IndexError, ValueError) as exc:
                fail(f"the `name` template cannot be filled ({exc})", "name",
                     hint="use {key} placeholders for the grid's keys: " + ", ".join(keys))
        if any(s.name == run for s in specs):
            fail(f"the `name` template gives {run!r} twice", "name", hint="use every grid key in the template")
        specs.append(_validate(run, {**base, **dict(zip(keys, combo))}, path, text, header=header,
                               where=f"sweep {name!r} (run {run!r})", root=root))
    return specs


def _find_line(text: str, pattern: str, start: int = 0) -> int | None:
    lines = text.splitlines()
    for number in range(start, len(lines)):
        if re.search(pattern, lines[number]):
            return number + 1
    return None


def _key_line(text: str, key: str, header: int | None) -> int | None:
    """The line of `key = ...` in the table starting at line `header` (a sweep's grid table included)."""
    if header is None:
        return None
    lines = text.splitlines()
    table = re.match(r"^\s*\[\s*([^\]]*?)\s*\]", lines[header - 1])
    own = table.group(1) + "." if table else None
    for number in range(header, len(lines)):
        other = re.match(r"^\s*\[\s*([^\]]*?)\s*\]", lines[number])
        if other and not (own and other.group(1).startswith(own)):
            return None
        if re.search(rf"(^|[;{{,]\s*){re.escape(key)}\s*=", lines[number]):
            return number + 1
    return None


def _validate(name: str, table: Any, path: Path, text: str, header: int | None = None,
              where: str | None = None, root: str | Path | None = None) -> RunSpec:
    """One run's table checked key by key; a sweep passes its own header line and description."""
    header = header or _header(text, "run", name)

    def fail(message, key=None, hint=None, rule="spec-invalid"):
        line = _key_line(text, key, header) if key else header
        label = (where or f"run {name!r}") + (f", key {key!r}" if key else "")
        raise SpecError(f"{label}: {message}", file=path, line=line or header, rule=rule, hint=hint)

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
        if key == "hidden" and isinstance(table.get(key), list):
            values[key] = _check_sizes(table, option, fail)
        elif key in table:
            values[key] = _check(key, option, table[key], fail)
        else:
            values[key] = option.default
    _check_relations(values, table, fail)
    if isinstance(values["hidden"], list):
        values["layers"] = len(values["hidden"])
    spec = RunSpec(name, values, path, header)
    if values["model"] is not None:
        _check_model(spec, table, root, fail)
        values["cell"] = "custom"  # documents name the cell kind; `model` names the class
    else:
        del values["model"]  # a built-in cell's spec (so its cache key and provenance) stays as it was
    if spec.corpus_dir is not None:
        _check_corpus(spec.corpus_dir, None if Path(values["corpus"]).is_absolute() else root, fail)
    if spec.data_path is not None:
        from .userdata import data_files

        try:
            data_files(spec, None if Path(values["file"]).is_absolute() else root)
        except UnrolledError as error:
            fail(error.message, "file", rule=error.rule, hint=error.hint)
    return spec


def _check(key: str, option: Option, value: Any, fail) -> Any:
    if option.kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, option.kind) or isinstance(value, bool):
        fail(f"expected {option.describe()}, got {value!r}", key, rule="spec-type",
             hint=f"set {key} to {option.describe()}")
    if option.choices and value not in option.choices:
        fail(f"{value!r} is not {option.describe()}", key, rule="spec-choice", hint=f"use {option.describe()}")
    if option.kind is float and not math.isfinite(value):
        fail(f"{value!r} is not a finite number", key, rule="spec-range", hint=f"use {option.describe()}")
    if option.low is not None and value < option.low or option.high is not None and value > option.high:
        fail(f"{value!r} is out of range: expected {option.describe()}", key, rule="spec-range",
             hint=f"use {option.describe()}")
    return value


def _check_sizes(table: dict, option: Option, fail) -> list[int]:
    """`hidden = [64, 32]`: one size per layer, so `layers` is the list's length and is not written."""
    sizes, layers = table["hidden"], OPTIONS["layers"]
    if not layers.low <= len(sizes) <= layers.high:
        fail(f"a list of sizes needs {layers.low} to {layers.high} entries, got {len(sizes)}", "hidden",
             rule="spec-range", hint="write one size per layer, e.g. hidden = [64, 32]")
    if "layers" in table:
        fail("`layers` is implied by a list of sizes", "layers", rule="spec-invalid",
             hint=f"remove `layers`: hidden = {sizes!r} makes {len(sizes)} layers")
    return [_check("hidden", option, size, fail) for size in sizes]


def _check_model(spec: RunSpec, table: dict, root, fail) -> None:
    """`model = "FILE.py:ClassName"`: the form, the file inside the project, and `cell` not also set.
    The class itself is checked where torch is at hand (`owncell.load_cell`)."""
    spec_text = spec.values["model"]
    if not MODEL_PATTERN.match(spec_text) or Path(spec_text.split(":")[0]).is_absolute():
        fail(f"{spec_text!r} is not of the form \"FILE.py:ClassName\"", "model", rule="model-form",
             hint="name a Python file beside the spec and a class in it, e.g. model = \"cells.py:PeepholeLSTM\"")
    if "cell" in table:
        fail("`cell` has no effect with `model`", "cell", rule="spec-invalid",
             hint="remove `cell`: the class named by `model` is the cell")
    try:
        inside_project(spec.model_file, root, what="model file")
    except UnrolledError as error:
        fail(error.message, "model", rule=error.rule, hint="keep your cell's file inside the project")
    if not spec.model_file.is_file():
        fail(f"model file {str(spec.model_file)!r} does not exist", "model", rule="model-missing-file",
             hint="the file is relative to the spec file's folder, e.g. cells.py beside runs.toml")


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
    _check_user_data(values, table, fail)
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
        if values["dataset"] not in TEXT_DATASETS + USER_TEXT_DATASETS:
            fail("`trace_text` applies to text data only", "trace_text", rule="spec-invalid",
                 hint="remove it, or use dataset " + ", ".join(TEXT_DATASETS + USER_TEXT_DATASETS))
        if len(values["trace_text"]) < 3:
            fail("`trace_text` needs at least 3 characters", "trace_text", rule="spec-range",
                 hint="trace a snippet of the corpus, e.g. a loop header")
    if values["dataset"] not in FUNCTION_DATASETS + SERIES_DATASETS and values["noise"]:
        fail("noise applies to function data only", "noise", rule="spec-invalid", hint="remove `noise` for text data")
    if values["batch"] > values["sequences"]:
        fail(f"batch {values['batch']} is larger than sequences {values['sequences']}", "batch",
             rule="spec-range", hint="use batch <= sequences")


def _check_corpus(folder: Path, root, fail) -> None:
    """A corpus inside `root` (None for an absolute path, allowed anywhere) that is an existing folder."""
    where = "write an absolute path to train on a corpus outside the project"
    try:
        inside_project(folder, root, what="corpus folder")
    except UnrolledError as error:
        fail(error.message, "corpus", rule=error.rule, hint=where)
    if not folder.is_dir():
        fail(f"corpus folder {str(folder)!r} does not exist", "corpus", rule="spec-corpus",
             hint="point `corpus` at a folder of .c/.h files (a relative path starts at the spec file's folder)")


def _check_user_data(values: dict, table: dict, fail) -> None:
    """The keys of an author's own data: only with their dataset, `file` always, and for a CSV the
    columns (a non-empty list of distinct names) with the target among them. Defaults are filled in."""
    dataset = values["dataset"]
    own = USER_KEYS.get(dataset, ())
    for key in sorted({k for keys in USER_KEYS.values() for k in keys} - set(own)):
        if key in table:
            users = [d for d, keys in USER_KEYS.items() if key in keys]
            fail(f"`{key}` only applies to dataset " + " or ".join(repr(d) for d in users), key, rule="spec-invalid",
                 hint=f"remove `{key}`, or set dataset = \"{users[0]}\"")
    if not own:
        return
    if values["file"] is None:
        fail(f"dataset {dataset!r} reads the author's data: `file` is required", rule="spec-missing-key",
             hint='add e.g. file = "series.csv"' if dataset == "csv" else
                  'add e.g. file = "texts" (a file, a folder or a glob such as "texts/*.txt")')
    if values["holdout"] is None:
        values["holdout"] = 0.2
    if dataset != "csv":
        return
    columns = values["columns"]
    if columns is None:
        fail("dataset 'csv' needs `columns`: the columns fed to the network", rule="spec-missing-key",
             hint='add e.g. columns = ["co2"] (one column predicted from itself)')
    if not columns or not all(isinstance(c, str) and c for c in columns) or len(set(columns)) != len(columns):
        fail(f"expected a non-empty list of distinct column names, got {columns!r}", "columns", rule="spec-type",
             hint='e.g. columns = ["co2"], or columns = ["co2", "temperature"] with target = "co2"')
    if values["target"] is None:
        if len(columns) > 1:
            fail("with several columns, `target` names the one predicted", "columns", rule="spec-missing-key",
                 hint=f"add target = {columns[0]!r}")
        values["target"] = columns[0]
    elif values["target"] not in columns:
        fail(f"target {values['target']!r} is not one of the columns {columns}", "target", rule="spec-invalid",
             hint="the target's own past is an input: add it to `columns`")
    if values["x_column"] is not None and values["x_column"] in columns:
        fail(f"x column {values['x_column']!r} is also an input column", "x_column", rule="spec-invalid",
             hint="the x column places samples on the axis; remove it from `columns`")
    if values["normalize"] is None:
        values["normalize"] = "zscore"
    if values["unit"] is None:
        values["unit"] = ""
