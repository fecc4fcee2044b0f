"""A corpus far larger than a run reads: reading stops at the character cap, an unchanged corpus is hashed
once, and a real run trains on it from an absolute path outside the project (the one place allowed).
Bytes read are counted by the kernel (`rchar` in /proc/self/io), not timed.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from unrolled.precompute.cache import CORPUS_DIGESTS, cache_key
from unrolled.precompute.documents import load
from unrolled.precompute.spec import load_specs
from tests.integration.test_hostile_inputs import PAGE, SPEC, cli
from unrolled_lite.datasets import MAX_CORPUS_CHARS, read_c_sources

SIZE = 20_000_000
LINE = b"static int counter = 0; /* \xc3\xa9 a comment with a non-ASCII letter */\n"


def bytes_read() -> int:
    fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return int(fields["rchar"])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("big-corpus")
    with open(folder / "big.c", "wb") as fh:
        fh.write(LINE * (SIZE // len(LINE) + 1))
    return folder


def test_reading_stops_at_the_cap(corpus):
    before = bytes_read()
    text = read_c_sources(corpus)
    spent = bytes_read() - before
    assert len(text) == MAX_CORPUS_CHARS and "\u00e9" not in text
    assert spent < 2 * MAX_CORPUS_CHARS, f"read {spent} bytes of a {SIZE}-byte corpus for {len(text)} characters"


def test_an_unchanged_corpus_is_hashed_once(corpus, tmp_path):
    spec_file = tmp_path / "runs.toml"
    spec_file.write_text(SPEC.replace('"sine"', '"c-code"') + f'corpus = "{corpus}"\n')
    (spec,) = load_specs(spec_file, root=tmp_path)
    cache = tmp_path / "cache"
    before = bytes_read()
    first = cache_key(spec, cache)
    hashing = bytes_read() - before
    second = cache_key(spec, cache)
    again = bytes_read() - before - hashing
    assert first == second and (cache / CORPUS_DIGESTS).is_file()
    assert hashing >= SIZE and again < 100_000, (hashing, again)
    with open(corpus / "big.c", "ab") as fh:  # a changed corpus is noticed
        fh.write(b"int more;\n")
    try:
        assert cache_key(spec, cache) != first
    finally:
        with open(corpus / "big.c", "rb+") as fh:
            fh.truncate(fh.seek(0, 2) - len(b"int more;\n"))


def test_a_run_trains_on_a_large_corpus_outside_the_project_named_by_absolute_path(corpus, tmp_path):
    root = tmp_path / "project"
    (root / "content" / "a").mkdir(parents=True)
    (root / "content" / "a" / "index.md").write_text(PAGE)
    spec = SPEC.replace('"sine"', '"c-code"').replace("hidden = 2", "hidden = 4") + f'corpus = "{corpus}"\n'
    (root / "content" / "a" / "runs.toml").write_text(spec)
    result = cli(root, "build")
    assert result.returncode == 0, result.stderr
    (run,) = (root / ".cache" / "precompute").glob("tiny@*/*/run.json")
    vocab = load(run)["task"]["vocab"]
    assert vocab == sorted(set(LINE.decode("ascii", errors="ignore")))  # the corpus's characters, é dropped
