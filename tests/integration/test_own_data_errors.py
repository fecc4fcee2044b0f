"""An author's own data file that cannot be trained on, through the real CLI: each case is an error at the
spec's file and line, with a rule id, a message saying what was wrong in which data file (and row), a
hint, exit 1, and nothing written: the built site, the content and the cache stay as they were.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.test_hostile_inputs import ENV, assert_cache_complete, cache_snapshot, snapshot

CSV = "year,co2,temp\n" + "".join(f"{1990 + i},{350 + 0.5 * i + (i % 4)},{14 + (i % 3) * 0.1:.1f}\n"
                                  for i in range(40))
RUNS = """[run.series]
dataset = "csv"
file = "data/series.csv"
columns = ["co2"]
x_column = "year"
unit = "ppm"
cell = "rnn"
layers = 1
hidden = 2
window = 4
batch = 2
sequences = 4
epochs = 1

[run.words]
dataset = "text"
file = "texts"
vocab = 8
cell = "rnn"
layers = 1
hidden = 2
window = 4
batch = 2
sequences = 4
epochs = 1
"""
PAGE = """---
title: Own data
runs: runs.toml
---

```{predictions}
run: series
```

```{predictions}
run: words
```
"""
ARTICLE, SPEC = "content/a/index.md", "content/a/runs.toml"
DATA, TEXTS = "content/a/data/series.csv", "content/a/texts"


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unrolled.generator", "--project", str(root), *args, "--jobs", "1", "--quiet"],
                          env=ENV, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("own-data-base")
    (root / DATA).parent.mkdir(parents=True)
    (root / ARTICLE).write_text(PAGE)
    (root / SPEC).write_text(RUNS)
    (root / DATA).write_text(CSV)
    (root / TEXTS).mkdir()
    (root / TEXTS / "one.txt").write_text("the cat sat on the mat. " * 20)
    (root / TEXTS / "two.txt").write_text("a dog ran far away! " * 10)
    result = cli(root, "build")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def project(base, tmp_path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(base, root, symlinks=True)
    return root


def spec_edit(old: str, new: str):
    def edit(root: Path) -> None:
        text = (root / SPEC).read_text()
        assert old in text, old
        (root / SPEC).write_text(text.replace(old, new, 1))
    return edit


def data(rel: str, content: bytes):
    def edit(root: Path) -> None:
        (root / rel).write_bytes(content)
    return edit


def remove(rel: str):
    return lambda root: (root / rel).unlink()


@dataclass
class Case:
    id: str
    edit: object
    rule: str
    line: int  # of content/a/runs.toml
    words: tuple[str, ...]  # what the message must say


ROWS = CSV.splitlines(keepends=True)
CASES = [
    Case("csv-missing-file", remove(DATA), "data-file-missing", 3, ("file not found", "data/series.csv")),
    Case("csv-empty-file", data(DATA, b""), "data-file-empty", 3, ("series.csv is empty",)),
    Case("csv-header-only", data(DATA, ROWS[0].encode()), "data-file-empty", 3, ("series.csv", "no data rows")),
    Case("csv-non-numeric-cell", data(DATA, "".join(ROWS[:7] + ["1996,n/a,14.0\n"] + ROWS[8:]).encode()),
         "csv-not-numeric", 3, ("series.csv", "row 8", "'co2'", "'n/a'")),
    Case("csv-empty-cell", data(DATA, "".join(ROWS[:12] + ["2001,,14.1\n"] + ROWS[13:]).encode()),
         "csv-not-numeric", 3, ("row 13", "''")),
    Case("csv-unknown-column", spec_edit('columns = ["co2"]', 'columns = ["CO2"]'), "csv-unknown-column", 4,
         ("no column 'CO2'", "'co2'")),
    Case("csv-unknown-x-column", spec_edit('x_column = "year"', 'x_column = "date"'), "csv-unknown-column", 5,
         ("no column 'date'",)),
    Case("csv-too-few-rows-for-window", spec_edit("window = 4", "window = 9"), "csv-too-short", 10,
         ("9 steps need 10 rows", "held-out", "has 8")),
    Case("csv-undecodable-bytes", data(DATA, CSV.encode().replace(b"1995,", b"19\xff5,", 1)), "encoding-utf8", 3,
         ("series.csv", "not valid UTF-8", "0xff", "line 7")),
    Case("csv-uneven-x", data(DATA, "".join(ROWS[:5] + ROWS[6:]).encode()), "csv-x-uneven", 5,
         ("equal steps",)),
    Case("text-missing-folder", lambda root: shutil.rmtree(root / TEXTS), "data-file-missing", 17,
         ("file not found", "texts")),
    Case("text-empty-file", data(f"{TEXTS}/two.txt", b""), "data-file-empty", 17, ("two.txt is empty",)),
    Case("text-undecodable-bytes", data(f"{TEXTS}/two.txt", b"fine\nstill fine\nbad \xc3\x28 byte\n"),
         "encoding-utf8", 17, ("two.txt", "0xc3", "line 3")),
    Case("text-glob-matches-nothing", spec_edit('file = "texts"', 'file = "texts/*.md"'), "data-file-missing", 17,
         ("no file matches 'texts/*.md'",)),
    Case("text-too-short-for-traced-window", spec_edit("vocab = 8", "vocab = 8\ntrace_window = 200"),
         "text-too-short", 19, ("200 steps need 201 characters", "held-out last part")),
    Case("text-outside-project", spec_edit('file = "texts"', 'file = "../../../elsewhere.txt"'),
         "path-outside-project", 17, ("outside the project",)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_data_file_is_a_clear_error_and_writes_nothing(project, case):
    case.edit(project)
    if case.id == "text-outside-project":
        (project.parent / "elsewhere.txt").write_text("outside text " * 50)
    site, content, cache = snapshot(project / "_site"), snapshot(project / "content"), cache_snapshot(project)
    result = cli(project, "build")
    err = result.stderr
    assert result.returncode == 1, err
    assert "Traceback" not in err, err
    match = re.search(r"^(?P<file>\S+?):(?P<line>\d+): error\[(?P<rule>[\w-]+)\]: (?P<message>.+)\n  hint: \S", err,
                      re.M)
    assert match, err
    assert (match["file"], int(match["line"]), match["rule"]) == (str(project / SPEC), case.line, case.rule), err
    for words in case.words:
        assert words in match["message"], err
    assert snapshot(project / "_site") == site
    assert snapshot(project / "content") == content
    assert cache_snapshot(project) == cache
    assert_cache_complete(project)
