"""The `unigram` baseline read from tiny real runs equals the same cross-entropy counted independently,
character by character, from the corpus text; runs without a corpus are an error with the reference's line."""
from __future__ import annotations

import math
import textwrap
from collections import Counter

import pytest

from unrolled.generator.metrics import Lookup, find_refs, ref_of
from unrolled.precompute.cache import cache_key
from unrolled.precompute.documents import load
from unrolled.precompute.errors import UnrolledError
from unrolled.precompute.runner import compute_run
from unrolled.precompute.spec import load_specs
from unrolled_lite import datasets

SPEC = """
[run.lorem]
dataset = "lorem"
layers = 1
hidden = 4
window = 8
sequences = 10
batch = 5
epochs = 1

[run.headers]
dataset = "numpy-headers"
layers = 1
hidden = 4
window = 8
sequences = 10
batch = 5
epochs = 1

[run.rec]
dataset = "recall"
layers = 1
hidden = 4
window = 8
delay = 3
symbols = 3
sequences = 10
batch = 5
epochs = 1
"""


@pytest.fixture(scope="module")
def lookup(tmp_path_factory):
    root = tmp_path_factory.mktemp("unigram")
    (root / "runs.toml").write_text(textwrap.dedent(SPEC))
    specs = {spec.name: spec for spec in load_specs(root / "runs.toml")}
    paths = {name: compute_run(spec, root / "cache", cache_key(spec)) for name, spec in specs.items()}
    return Lookup(specs, lambda spec, kind: load(paths[spec.name] / f"{kind}.json"))


def value(lookup, text):
    (match,) = find_refs(text)
    return lookup.value(ref_of(match), file="content/a/index.md", line=7)


def cross_entropy(train: str, validation: str, vocab: set) -> float:
    """-mean over the validation characters of log((count in the training text + 1) / (its length + vocab
    size)), one character at a time."""
    counts = Counter(train)
    return -sum(math.log((counts[c] + 1) / (len(train) + len(vocab))) for c in validation) / len(validation)


def test_without_held_out_text_the_baseline_is_the_corpus_entropy(lookup):
    text = (datasets.CORPORA / "lorem.txt").read_text(encoding="utf-8")
    expected = cross_entropy(text, text, set(text))
    assert value(lookup, "lorem.unigram") == pytest.approx(expected, rel=1e-12)
    assert value(lookup, "lorem.unigram.bpc") == pytest.approx(expected / math.log(2), rel=1e-12)
    assert 2.0 < expected < math.log(len(set(text)))  # below the uniform guess over the vocabulary


def test_held_out_text_is_scored_by_the_training_texts_frequencies(lookup):
    text = datasets.read_numpy_headers()
    held = [(i // datasets.HOLDOUT_BLOCK) % datasets.HOLDOUT_EVERY == datasets.HOLDOUT_EVERY - 1
            for i in range(len(text))]
    train = "".join(c for c, h in zip(text, held) if not h)
    validation = "".join(c for c, h in zip(text, held) if h)
    assert set(validation) - set(train)  # the smoothing matters: a character only the held-out text has
    expected = cross_entropy(train, validation, set(text))
    assert value(lookup, "headers.unigram") == pytest.approx(expected, rel=1e-12)
    assert value(lookup, "headers.unigram") != pytest.approx(cross_entropy(text, text, set(text)), rel=1e-6)


def test_a_run_without_a_corpus_has_no_unigram_baseline(lookup):
    with pytest.raises(UnrolledError) as info:
        value(lookup, "rec.unigram")
    assert (info.value.rule, info.value.line) == ("ref-kind", 7) and "recall" in info.value.message
    with pytest.raises(UnrolledError) as info:
        value(lookup, "lorem.unigram[1]")
    assert info.value.rule == "ref-metric"
