"""Nothing an author wrote is ever replaced or deleted: unsafe output/cache folders are refused before
anything is written, foreign folders are never adopted, and runs of the same name in two articles keep
their own cache entries."""
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

TINY = """
[run.{name}]
dataset = "sine"
cell = "{cell}"
hidden = 3
window = 6
sequences = 10
batch = 5
epochs = 1
"""
ARTICLE = """---
title: {title}
runs: runs.toml
---

Text.

```{{loss}}
run: {run}
```
"""


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def project(root: Path, config: str | None = None) -> Path:
    """A one-article project (plus a template folder and an author's `images/` inside content)."""
    write(root, "content/a/index.md", ARTICLE.format(title="A", run="sine"))
    write(root, "content/a/runs.toml", TINY.format(name="sine", cell="rnn"))
    write(root, "content/a/images/figure.txt", "an author's file")
    write(root, "templates/README.txt", "the author's templates")
    if config is not None:
        write(root, "unrolled.toml", config)
    return root


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a digest of its bytes (what must not change)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def unrolled(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unrolled.generator", "--project", str(root), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)


UNSAFE_OUTPUT = [
    ('output = "content"', "config-output-unsafe"),
    ('output = "."', "config-output-unsafe"),
    ('output = ""', "config-type"),
    ('output = "content/a"', "config-output-unsafe"),
    ('output = "templates"', "config-output-unsafe"),
    ('output = ".cache"', "config-output-unsafe"),  # holds the cache
    ('output = "../victim"', "config-output-unsafe"),
    ('output = "/tmp"', "config-output-unsafe"),
    ("output = 5", "config-type"),
    ('cache = "content"', "config-cache-unsafe"),
    ('cache = "content/a/images"', "config-cache-unsafe"),
    ('cache = "."', "config-cache-unsafe"),
    ('cache = "_site/cache"', "config-cache-unsafe"),
    ('cache = "../victim"', "config-cache-unsafe"),
]


@pytest.mark.parametrize("setting, rule", UNSAFE_OUTPUT, ids=[s for s, _ in UNSAFE_OUTPUT])
def test_unsafe_folders_are_refused_before_anything_is_written(tmp_path, setting, rule):
    root = project(tmp_path / "project", f"[site]\ntitle = \"T\"\n{setting}\n")
    victim = tmp_path / "victim"
    write(victim, "keep.txt", "not the project's")
    before, outside = tree(tmp_path / "project"), tree(victim)
    for command in ("build", "precompute"):
        done = unrolled(root, command)
        assert done.returncode == 1, done.stderr
        assert f"unrolled.toml:3: error[{rule}]" in done.stderr, done.stderr
        assert "hint:" in done.stderr
        assert tree(root) == before and tree(victim) == outside
    assert not (root / "_site").exists() and not (root / ".cache").exists()


def test_a_folder_the_build_did_not_make_is_never_replaced(tmp_path):
    root = project(tmp_path / "project", '[site]\noutput = "public"\n')
    write(root, "public/CNAME", "example.org")
    before = tree(root)
    done = unrolled(root, "build")
    assert done.returncode == 1
    assert "error[output-not-owned]" in done.stderr and "public" in done.stderr
    assert tree(root) == before


def test_a_cache_folder_holding_other_files_is_never_cleaned(tmp_path):
    root = project(tmp_path / "project", '[site]\ncache = "data"\n')
    write(root, "data/sine/notes.txt", "the author's notes")
    before = tree(root)
    done = unrolled(root, "precompute")
    assert done.returncode == 1
    assert "error[cache-not-owned]" in done.stderr
    assert tree(root) == before


def test_outside_the_project_when_the_author_says_so(tmp_path):
    root = project(tmp_path / "project", '[site]\noutput = "../public"\nallow_outside = true\n')
    for _ in range(2):  # the second build replaces the first one's folder: it carries the marker
        done = unrolled(root, "build")
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "public" / "a" / "index.html").is_file()
    assert (tmp_path / "public" / ".unrolled-site").is_file()


def test_an_empty_existing_folder_is_adopted(tmp_path):
    root = project(tmp_path / "project", '[site]\noutput = "public"\n')
    (root / "public").mkdir()
    assert unrolled(root, "build").returncode == 0
    assert (root / "public" / "a" / "index.html").is_file()


def test_runs_of_the_same_name_in_two_articles_keep_their_own_cache(tmp_path):
    root = project(tmp_path / "project")
    write(root, "content/b/index.md", ARTICLE.format(title="B", run="sine"))
    write(root, "content/b/runs.toml", TINY.format(name="sine", cell="gru"))  # same name, another spec
    first = unrolled(root, "precompute", "--quiet")
    assert first.returncode == 0, first.stderr
    assert "2 done" in first.stdout, first.stdout
    again = unrolled(root, "precompute", "--quiet")
    assert "2 cached" in again.stdout, again.stdout  # neither evicted the other
    built = unrolled(root, "build", "--frozen")
    assert built.returncode == 0, built.stderr
    cached = sorted(p.parent.parent.name for p in (root / ".cache" / "precompute").glob("*/*/run.json"))
    assert len(cached) == 2 and cached[0] != cached[1] and all(c.startswith("sine@") for c in cached)
    assert (root / ".cache" / "precompute" / "CACHEDIR.TAG").is_file()
