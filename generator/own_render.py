"""One use of a project's own widget: check the options a spec file cannot (runs, data files), build the
payload, and let the widget's module draw the first frame, as the built-in widgets do.

The payload is `{run, documents: {kind: document}, files: {option: contents}}` (each part only when the
spec asks for it); the options reach the module as typed values, plus `snapshot` (the index of the
shown snapshot) for a widget that reads run documents.
"""
from __future__ import annotations

import csv
import io
import json
import math
from html import escape
from pathlib import Path

from unrolled.precompute.errors import UnrolledError
from unrolled.precompute.sources import inside_project, read_text

from .directives import ASCII_INT, figure, listed_runs, snapshot_index

DATA_SUFFIXES = (".json", ".csv")
DROPPED = ("digest", "provenance")  # how a document was made; the page needs what it holds


def render(block, ctx) -> str:
    widget = ctx.site.own_widgets[block.name]
    data, options, snapshot = {}, {}, None
    if widget.needs:
        run = block.options["run"]
        epochs = [int(e) for e in ctx.document(block, run, "run")["snapshots"]]
        snapshot = options["snapshot"] = snapshot_index(block, run, epochs)
        data["run"] = run
        data["documents"] = {kind: document(block, ctx, run, kind) for kind in widget.needs}
    for name, kind in widget.types.items():
        value = block.options[name]
        value = list(value) if isinstance(value, tuple) else value
        if value is not None:
            check(block, ctx, name, kind, value)
            if kind == "file":
                data.setdefault("files", {})[name] = read_data(block, ctx, value, name)
        options[name] = value
    caption = escape(block.options["caption"] or widget.caption)
    frame, table = ctx.first_frame(block, data, options)
    extra = f'<details class="widget-data"><summary>Data</summary>{table}</details>' if table else ""
    return figure(block, ctx, frame=frame, caption=caption, data=data or None, snapshot=snapshot,
                  options=options, extra=extra)


def check(block, ctx, name: str, kind: str, value) -> None:
    if kind == "run":
        ctx.spec(block, value, name)
    elif kind == "runs":
        for run in listed_runs(block, value, name):
            ctx.spec(block, run, name)
    elif kind == "float" and not math.isfinite(value):
        raise block.error(f"option {name!r} must be a finite number, got {value}", rule="option-value",
                          option=name, hint=f"write `{name}: ` followed by a number such as 0.5")


def document(block, ctx, run: str, kind: str) -> dict:
    try:
        doc = ctx.raw_document(run, kind)
    except UnrolledError as error:  # a kind the run does not export (e.g. horizon without `horizon = N`)
        if error.rule != "doc-unreadable" or Path(error.file).exists():
            raise
        raise block.error(f"run {run!r} has no {kind} document", rule="ref-document", option="run",
                          hint=f"{{{block.name}}} needs {', '.join(ctx.site.own_widgets[block.name].needs)}; "
                          "choose a run that exports them") from None
    return {key: value for key, value in doc.items() if key not in DROPPED}


def read_data(block, ctx, value: str, option: str):
    """A JSON file as it is, or a CSV file as {columns, rows} with numbers as numbers (an empty cell is null)."""
    line = block.option_lines.get(option, block.line)
    root = ctx.site.project.root
    path = inside_project(ctx.page.source.parent / value, root, what="data file", file=block.file, line=line)
    if path.suffix.lower() not in DATA_SUFFIXES:
        raise block.error(f"data file {value!r} is neither .json nor .csv", rule="data-file", option=option,
                          hint="name a .json or .csv file beside the article")
    if not path.is_file():
        raise block.error(f"data file {value!r} does not exist", rule="ref-file", option=option,
                          hint=f"put it beside the article ({ctx.page.source.parent.relative_to(root)}/) "
                          "or give its path relative to that folder")
    label = str(Path(block.file).parent / value)  # as the author wrote it, from the project folder
    text = read_text(path, label=label)
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text, parse_constant=reject_constant)
        except ValueError as exc:
            raise UnrolledError(f"not valid JSON: {exc}", file=label, rule="data-file",
                                hint="fix the file (NaN and Infinity are not JSON)") from None
    return read_csv(text, label)


def read_csv(text: str, label: str) -> dict:
    rows = list(csv.reader(io.StringIO(text)))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise UnrolledError("the CSV file is empty", file=label, rule="data-file", hint="start with a header row")
    columns = [name.strip() for name in rows[0]]
    for number, row in enumerate(rows[1:], 2):
        if len(row) != len(columns):
            raise UnrolledError(f"row has {len(row)} cells, the header {len(columns)}", file=label, line=number,
                                rule="data-file", hint="give every row one cell per column")
    return {"columns": columns, "rows": [[cell_value(cell) for cell in row] for row in rows[1:]]}


def cell_value(cell: str):
    text = cell.strip()
    if not text:
        return None
    if ASCII_INT.fullmatch(text):
        return int(text)
    try:
        number = float(text) if text.isascii() else math.nan
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")
