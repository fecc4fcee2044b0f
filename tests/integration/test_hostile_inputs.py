"""Hostile and mistaken input, through the real CLI: every case ends as a clear error (the file, the line
where there is one, a rule id, a hint, exit 1), and leaves the built site, the content and the cache as
they were. One tiny project is trained and built once; each case edits a copy of it.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import ROOT

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "site" / "py")]), "OMP_NUM_THREADS": "1"}
KINDS = ("cell-trace", "itemized-gradients", "predictions", "run", "weights")

SPEC = """[run.tiny]
dataset = "sine"
cell = "rnn"
layers = 1
hidden = 2
window = 4
optimizer = "adam"
lr = 0.01
batch = 2
sequences = 4
epochs = 1
"""
PAGE = """---
title: A tiny article
authors: [Ada]
date: 2026-11-23
runs: runs.toml
---

Some prose.

```{predictions}
run: tiny
```
"""
ARTICLE = "content/a/index.md"
RUNS = "content/a/runs.toml"


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unrolled.generator", "--project", str(root), *args, "--jobs", "1", "--quiet"],
                          env=ENV, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The tiny project, trained and built once for every case."""
    root = tmp_path_factory.mktemp("hostile-base")
    (root / "content" / "a").mkdir(parents=True)
    (root / ARTICLE).write_text(PAGE)
    (root / RUNS).write_text(SPEC)
    result = cli(root, "build")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def project(base, tmp_path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(base, root, symlinks=True)
    return root


def snapshot(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file's bytes (a symlink's target), so any change, even to a link, is seen."""
    if folder.is_file():
        return {"": folder.read_bytes()}
    return {p.relative_to(folder).as_posix(): os.readlink(p).encode() if p.is_symlink() else p.read_bytes()
            for p in sorted(folder.rglob("*")) if (p.is_file() or p.is_symlink()) and p.name not in skip}


def cache_snapshot(root: Path) -> dict[str, bytes]:
    """The cache's entries; the corpus digests it remembers may grow (they are not entries)."""
    from unrolled.precompute.cache import CORPUS_DIGESTS

    return snapshot(root / ".cache", skip=(CORPUS_DIGESTS,))


def assert_cache_complete(root: Path) -> None:
    """Only whole entries: no temp folders, and every document present and matching its digest."""
    from unrolled.precompute.cache import is_complete

    cache = root / ".cache" / "precompute"
    if not cache.is_dir():
        return
    for run in cache.iterdir():
        if run.is_dir():
            for entry in run.iterdir():
                assert not entry.name.startswith(".tmp-"), entry
                assert sorted(p.stem for p in entry.iterdir()) == list(KINDS), entry
                assert is_complete(entry), entry


# -- edits ------------------------------------------------------------------------------------------

def replace(rel: str, old: str, new: str | bytes) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        path = root / rel
        data = path.read_bytes()
        assert old.encode() in data, (rel, old)
        path.write_bytes(data.replace(old.encode(), new if isinstance(new, bytes) else new.encode(), 1))
    return edit


def write(rel: str, text: str | bytes) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.is_symlink() or path.exists():
            path.unlink()
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return edit


def symlink(rel: str, target: Callable[[Path], Path]) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        path = root / rel
        if path.exists() or path.is_symlink():
            path.unlink()
        path.symlink_to(target(root))
    return edit


def outside(name: str, text: str) -> Callable[[Path], Path]:
    """A file next to the project folder, outside it."""
    def make(root: Path) -> Path:
        path = root.parent / "outside" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text(text)
        return path
    return make


def both(*edits: Callable[[Path], None]) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        for one in edits:
            one(root)
    return edit


def c_corpus(rel: str, text: str | None) -> Callable[[Path], None]:
    """A corpus folder inside the article, holding one C file (or none)."""
    def edit(root: Path) -> None:
        folder = root / rel
        folder.mkdir(parents=True, exist_ok=True)
        if text is not None:
            (folder / "a.c").write_text(text)
        else:
            (folder / "notes.txt").write_text("no C here\n")
    return edit


def text_spec(extra: str) -> str:
    return SPEC.replace('dataset = "sine"', 'dataset = "c-code"') + extra


BOMB = "authors:\n" + "".join(f"  - &a{i} [{', '.join([f'*a{i - 1}' if i else 'lol'] * 9)}]\n" for i in range(9))
TEMPLATE_HEAD = '{% extends "base.html" %}\n{% block main %}\n'


@dataclass
class Case:
    id: str
    edit: Callable[[Path], None]
    rule: str
    file: str  # the end of the path the error names
    line: int | None  # None: the error has no line (the file as a whole)


CASES = [
    # 1. a YAML alias bomb: refused at its first anchor, before anything expands
    Case("yaml-alias-bomb", replace(ARTICLE, "authors: [Ada]\n", BOMB), "frontmatter-alias", ARTICLE, 4),
    # 2. training that diverges names the epoch, the spec's line and how to tame it
    Case("diverging-run", both(replace(RUNS, 'optimizer = "adam"', 'optimizer = "sgd"'),
                               replace(RUNS, "lr = 0.01", "lr = 10.0"), replace(RUNS, "sequences = 4", "sequences = 8"),
                               replace(RUNS, "epochs = 1", "epochs = 4")), "run-diverged", RUNS, 8),
    # 3. what used to be tracebacks
    Case("date-out-of-calendar", replace(ARTICLE, "2026-11-23", "2026-13-45"), "frontmatter-date", ARTICLE, 4),
    Case("index-not-utf8", replace(ARTICLE, "Some prose.", b"Some \xff prose."), "encoding-utf8", ARTICLE, 8),
    Case("spec-not-utf8", replace(RUNS, 'cell = "rnn"', b'cell = "rnn" # \xc3('), "encoding-utf8", RUNS, 3),
    Case("lr-nan", replace(RUNS, "lr = 0.01", "lr = nan"), "spec-range", RUNS, 8),
    Case("lr-inf", replace(RUNS, "lr = 0.01", "lr = inf"), "spec-range", RUNS, 8),
    Case("noise-nan", replace(RUNS, "epochs = 1\n", "epochs = 1\nnoise = nan\n"), "spec-range", RUNS, 12),
    Case("noise-minus-inf", replace(RUNS, "epochs = 1\n", "epochs = 1\nnoise = -inf\n"), "spec-range", RUNS, 12),
    Case("run-is-a-number", write(RUNS, "# runs\nrun = 5\n"), "spec-invalid", RUNS, 2),
    Case("template-unclosed-if", write("templates/article.html", TEMPLATE_HEAD + "{% if meta.title %}\n<p>x</p>\n"
                                       "{% endblock %}\n"), "template-syntax", "templates/article.html", 5),
    Case("template-undefined", write("templates/article.html", TEMPLATE_HEAD + "<p>{{ nope.x }}</p>\n{% endblock %}\n"),
         "template-undefined", "templates/article.html", 3),
    Case("template-missing-include", write("templates/article.html", TEMPLATE_HEAD + "\n{% include 'gone.html' %}\n"
                                           "{% endblock %}\n"), "template-missing", "templates/article.html", 4),
    # 5. weak spots
    Case("date-not-iso", replace(ARTICLE, "2026-11-23", "yesterday-ish"), "frontmatter-date", ARTICLE, 4),
    Case("authors-mapping", replace(ARTICLE, "authors: [Ada]", "authors: [{name: Ada, url: 'javascript:alert(1)'}]"),
         "frontmatter-type", ARTICLE, 3),
    Case("title-mapping", replace(ARTICLE, "title: A tiny article", "title: {text: A tiny article}"),
         "frontmatter-type", ARTICLE, 2),
    Case("runs-entry-not-text", replace(ARTICLE, "runs: runs.toml", "runs: [5]"), "frontmatter-type", ARTICLE, 5),
    Case("fullwidth-digit-option", replace(ARTICLE, "run: tiny\n", "run: tiny\nsnapshot: \uff11\n"), "option-type",
         ARTICLE, 12),
    Case("stray-fence", replace(ARTICLE, "run: tiny\n```\n", "run: tiny\n```\n\nMore.\n\n```python\nx = 1\n"),
         "fence-unclosed", ARTICLE, 16),
    Case("trace-window-longer-than-corpus",
         both(c_corpus("content/a/src", "int main(void) { return 0; }\n"),
              write(RUNS, text_spec('corpus = "src"\ntrace_window = 40\n'))), "spec-range", RUNS, 13),
    Case("corpus-missing", write(RUNS, text_spec('corpus = "nowhere"\n')), "spec-corpus", RUNS, 12),
    Case("corpus-without-c-files", both(c_corpus("content/a/src", None), write(RUNS, text_spec('corpus = "src"\n'))),
         "spec-corpus", RUNS, 12),
    Case("cache-not-writable", both(replace(RUNS, "epochs = 1", "epochs = 2"), write(".cache/precompute", "a file\n")),
         "cache-unwritable", ".cache/precompute", None),
    # 7. paths out of the project
    Case("bibliography-dotdot", replace(ARTICLE, "runs: runs.toml", "runs: runs.toml\nbibliography: ../../../../etc/passwd"),
         "path-outside-project", ARTICLE, 6),
    Case("bibliography-symlink", symlink("content/a/references.bib", lambda root: Path("/etc/passwd")),
         "path-outside-project", ARTICLE, None),
    Case("runs-dotdot", both(lambda root: outside("runs.toml", SPEC)(root),
                             replace(ARTICLE, "runs: runs.toml", "runs: ../../../outside/runs.toml")),
         "path-outside-project", ARTICLE, 5),
    Case("runs-symlink", symlink(RUNS, outside("runs.toml", SPEC)), "path-outside-project", ARTICLE, 5),
    Case("corpus-dotdot", both(lambda root: outside("x.c", "int x;\n")(root),
                               write(RUNS, text_spec('corpus = "../../../outside"\n'))), "path-outside-project", RUNS, 12),
    Case("corpus-symlink", both(lambda root: outside("x.c", "int x;\n")(root),
                                symlink("content/a/src", lambda root: root.parent / "outside"),
                                write(RUNS, text_spec('corpus = "src"\n'))), "path-outside-project", RUNS, 12),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_a_clear_error_and_changes_nothing(project, case):
    case.edit(project)
    site, content = snapshot(project / "_site"), snapshot(project / "content")
    templates, cache = snapshot(project / "templates"), cache_snapshot(project)
    result = cli(project, "build")
    err = result.stderr
    assert result.returncode == 1, err
    assert "Traceback" not in err, err
    match = re.search(r"^(?P<file>\S+?)(:(?P<line>\d+))?: error\[(?P<rule>[\w-]+)\]: .+\n  hint: \S", err, re.M)
    assert match, err
    assert match["rule"] == case.rule, err
    assert match["file"].endswith(case.file), err
    assert (int(match["line"]) if match["line"] else None) == case.line, err
    assert snapshot(project / "_site") == site
    assert snapshot(project / "content") == content and snapshot(project / "templates") == templates
    if case.rule != "cache-unwritable":
        assert cache_snapshot(project) == cache  # nothing half-written, nothing removed
        assert_cache_complete(project)
    else:
        assert (project / ".cache" / "precompute").read_text() == "a file\n"


# -- input that is accepted, or repaired, rather than refused ----------------------------------------

def test_byte_order_mark_is_accepted_and_changes_nothing_in_the_page(project):
    site = snapshot(project / "_site")
    (project / ARTICLE).write_bytes(b"\xef\xbb\xbf" + PAGE.encode())
    result = cli(project, "build")
    assert result.returncode == 0, result.stderr
    assert snapshot(project / "_site") == site


EXPLAIN = """
````{explain}
for: predictions.error

The error at each step:

```python
error = prediction - target
```

Then more prose.
````

After the explanation.
"""


def test_code_fences_nested_in_an_explanation_stay_inside_it(project):
    (project / ARTICLE).write_text(PAGE + EXPLAIN.replace("````", "```"))  # same-length fences: CommonMark nesting
    result = cli(project, "build")
    assert result.returncode == 0, result.stderr
    html = (project / "_site" / "a" / "index.html").read_text()
    aside = re.sub(r"<[^>]+>", "", re.search(r'<details class="explain".*?</details>', html, re.S).group(0))
    assert "error = prediction - target" in aside and "Then more prose." in aside
    assert "After the explanation." not in aside and "```" not in html
    (project / ARTICLE).write_text(PAGE + EXPLAIN)  # the longer outer fence authors are told to use
    assert cli(project, "build").returncode == 0
    assert (project / "_site" / "a" / "index.html").read_text() == html


TAMPERING = {
    "changed-byte": lambda data: data.replace(b'"run":"tiny"', b'"run":"tinx"', 1),
    "nan": lambda data: re.sub(rb'"train":\[[^,\]]+', b'"train":[NaN', data, count=1),
    "invalid-base64-character": lambda data: data.replace(b'"data":"', b'"data":"!', 1),
    "shortened-base64": lambda data: re.sub(rb'"data":"[A-Za-z0-9+/]{4}', b'"data":"', data, count=1),
    "shape-mismatch": lambda data: re.sub(rb'"shape":\[(\d+)', lambda m: b'"shape":[' + str(int(m[1]) + 1).encode(),
                                          data, count=1),
}
# the run document holds the loss curves and no arrays; the others hold arrays
DAMAGE = [(t, k) for t in TAMPERING for k in KINDS
          if t == "changed-byte" or (t == "nan") == (k == "run")]


@pytest.mark.parametrize(("tamper", "kind"), DAMAGE, ids=[f"{t}-{k}" for t, k in DAMAGE])
def test_any_change_to_a_cached_document_makes_its_entry_stale(base, tmp_path, tamper, kind):
    from unrolled.precompute.cache import is_complete

    (entry,) = (base / ".cache" / "precompute").glob("tiny@*/*")
    copy = tmp_path / entry.name
    shutil.copytree(entry, copy)
    data = (copy / f"{kind}.json").read_bytes()
    changed = TAMPERING[tamper](data)
    assert changed != data
    (copy / f"{kind}.json").write_bytes(changed)
    assert is_complete(entry) and not is_complete(copy)


def test_a_damaged_cache_entry_is_recomputed_not_published(project):
    site = snapshot(project / "_site")
    (entry,) = (project / ".cache" / "precompute").glob("tiny@*/*")
    original = (entry / "predictions.json").read_bytes()
    (entry / "predictions.json").write_bytes(TAMPERING["invalid-base64-character"](original))
    result = cli(project, "build")
    assert result.returncode == 0, result.stderr
    assert re.search(r"note: .*predictions\.json: .*recomputed", result.stderr), result.stderr
    assert (entry / "predictions.json").read_bytes() == original  # training is deterministic
    assert snapshot(project / "_site") == site
    assert_cache_complete(project)
