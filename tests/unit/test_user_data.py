"""The author's own data, below the CLI: spec keys and their relations, CSV parsing, the held-out tail,
normalisation and the vocabulary cap."""
from __future__ import annotations

import numpy as np
import pytest
from unrolled_lite import datasets

from unrolled.precompute.errors import SpecError
from unrolled.precompute.spec import load_specs

CSV_RUN = '[run.s]\ndataset = "csv"\nfile = "s.csv"\ncolumns = ["a"]\n'


def spec_error(tmp_path, text: str) -> SpecError:
    (tmp_path / "s.csv").write_text("t,a,b\n1,2,3\n2,3,4\n")
    (tmp_path / "runs.toml").write_text(text)
    with pytest.raises(SpecError) as caught:
        load_specs(tmp_path / "runs.toml", tmp_path)
    return caught.value


@pytest.mark.parametrize("text, rule, line, words", [
    ('[run.s]\ndataset = "csv"\ncolumns = ["a"]\n', "spec-missing-key", 1, "`file` is required"),
    ('[run.s]\ndataset = "csv"\nfile = "s.csv"\n', "spec-missing-key", 1, "needs `columns`"),
    (CSV_RUN + 'target = "b"\n', "spec-invalid", 5, "not one of the columns"),
    ('[run.s]\ndataset = "csv"\nfile = "s.csv"\ncolumns = ["a", "b"]\n', "spec-missing-key", 4, "names the one"),
    (CSV_RUN.replace('["a"]', '["a", "a"]'), "spec-type", 4, "distinct column names"),
    (CSV_RUN + 'x_column = "a"\n', "spec-invalid", 5, "also an input column"),
    (CSV_RUN + 'vocab = 10\n', "spec-invalid", 5, "only applies to dataset 'text'"),
    (CSV_RUN + 'normalize = "log"\n', "spec-choice", 5, "'log'"),
    (CSV_RUN + 'holdout = 0.9\n', "spec-range", 5, "out of range"),
    ('[run.s]\ndataset = "sine"\ncolumns = ["a"]\n', "spec-invalid", 3, "only applies to dataset 'csv'"),
    ('[run.s]\ndataset = "text"\nfile = "nowhere/*.txt"\n', "data-file-missing", 3, "no file matches"),
    ('[run.s]\ndataset = "csv"\nfile = "."\ncolumns = ["a"]\n', "data-file-missing", 3, "folder, not a file"),
])
def test_spec_keys_of_own_data_are_checked(tmp_path, text, rule, line, words):
    error = spec_error(tmp_path, text)
    assert (error.rule, error.line) == (rule, line), error
    assert words in error.message and error.hint


def test_defaults_fill_in_for_a_csv_run(tmp_path):
    (tmp_path / "s.csv").write_text("a\n1\n2\n")
    (tmp_path / "runs.toml").write_text(CSV_RUN)
    (spec,) = load_specs(tmp_path / "runs.toml", tmp_path)
    assert (spec.target, spec.normalize, spec.holdout, spec.unit, spec.vocab) == ("a", "zscore", 0.2, "", None)
    assert not spec.is_text


def test_csv_parsing_reads_quoted_headers_and_skips_blank_lines():
    table, x = datasets.parse_csv('"YEAR","N"\n1700,5\n\n1701,11.5\n', ["N"], "YEAR")
    assert table.tolist() == [[5.0], [11.5]] and x.tolist() == [1700.0, 1701.0]
    with pytest.raises(datasets.DataError) as caught:
        datasets.parse_csv("a\n1\ninf\n", ["a"])
    assert (caught.value.rule, caught.value.line, caught.value.column) == ("csv-not-numeric", 3, "a")


def test_series_windows_never_cross_into_the_held_out_tail():
    real = np.arange(100, dtype=np.float64)[:, None] * 2 + 7
    series = datasets.Series(real, 0, None, 0.25, "minmax")
    assert series.split == 75 and (series.rows("train"), series.rows("validation")) == (75, 25)
    assert series.values[:75].min() == pytest.approx(-1) and series.values[:75].max() == pytest.approx(1)
    back = lambda v: v * series.scale[0] + series.shift[0]  # noqa: E731
    inputs, targets = series.epoch(np.random.default_rng(0), 500, 10, "train")
    assert back(targets).max() <= real[74, 0] + 1e-9
    inputs, targets = series.epoch(np.random.default_rng(0), 500, 10, "validation")
    assert back(inputs).min() >= real[75, 0] - 1e-9
    with pytest.raises(ValueError):
        series.epoch(np.random.default_rng(0), 1, 25, "validation")


def test_vocabulary_cap_keeps_the_most_frequent_characters():
    text = "aaaabbbccfed"
    assert datasets.cap_vocab(text, 6) == text  # six characters fit in six symbols
    assert datasets.cap_vocab(text, 3) == "aaaabbb" + datasets.OTHER * 5
    assert datasets.cap_vocab(text, 5) == "aaaabbbcc" + datasets.OTHER * 2 + "d"  # d, e, f tie: the lowest is kept
    corpus = datasets.user_text("abcdefghij", None, 0.2)
    assert corpus.held_out.tolist() == [False] * 8 + [True] * 2
