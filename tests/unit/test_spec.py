"""Run specs: defaults, normalisation, and a clear error (file, line, rule, hint) for each mistake."""
import pytest

from precompute.errors import SpecError
from precompute.spec import load_specs

GOOD = """
[run.sine-lstm]
dataset = "sine"
cell = "lstm"
layers = 1
hidden = 16
window = 15
optimizer = "adam"
lr = 0.01
batch = 25
epochs = 20
seed = 0
snapshots = [0, 20]
"""


def write(tmp_path, text):
    path = tmp_path / "runs.toml"
    path.write_text(text)
    return path


def test_valid_spec_is_normalised_with_defaults(tmp_path):
    (spec,) = load_specs(write(tmp_path, GOOD))
    assert spec.name == "sine-lstm"
    assert spec.cell == "lstm" and spec.layers == 1 and spec.lr == 0.01 and spec.snapshots == [0, 20]
    assert spec.sequences == 100 and spec.noise == 0.0 and spec.trace_window == 15
    assert set(spec.normalised()) >= {"name", "dataset", "cell", "trace", "corpus"}


def test_defaults_are_explornn_scale(tmp_path):
    (spec,) = load_specs(write(tmp_path, '[run.a]\ndataset = "sine"\n'))
    assert (spec.cell, spec.layers, spec.hidden, spec.window, spec.sequences, spec.batch) == ("lstm", 3, 16, 15, 100, 25)
    assert spec.snapshots == [0, spec.epochs]


def test_integer_lr_is_accepted_as_number(tmp_path):
    (spec,) = load_specs(write(tmp_path, '[run.a]\ndataset = "sine"\nlr = 1\n'))
    assert spec.lr == 1.0 and isinstance(spec.lr, float)


@pytest.mark.parametrize("edit, rule, line, words", [
    (('dataset = "sine"', 'dataset = "cosine"'), "spec-choice", 3, "'cosine' is not one of"),
    (("lr = 0.01", "lr = -0.5"), "spec-range", 9, "out of range"),
    (('dataset = "sine"\n', ""), "spec-missing-key", 2, "missing required key 'dataset'"),
    (("hidden = 16", "hiden = 16"), "spec-unknown-key", 6, "unknown key"),
    (("layers = 1", 'layers = "one"'), "spec-type", 5, "expected an integer"),
    (("layers = 1", "layers = 9"), "spec-range", 5, "out of range"),
    (("snapshots = [0, 20]", "snapshots = [0, 30]"), "spec-range", 13, "epoch 30 is outside 0..20"),
    (("batch = 25", "batch = 500"), "spec-range", 10, "larger than sequences"),
    (('cell = "lstm"', 'cell = "transformer"'), "spec-choice", 4, "not one of"),
    (("seed = 0", "seed = true"), "spec-type", 12, "expected an integer"),
    (("lr = 0.01", "lr = nan"), "spec-range", 9, "not a finite number"),
    (("lr = 0.01", "lr = +inf"), "spec-range", 9, "not a finite number"),
    (("seed = 0", "seed = 0\nnoise = nan"), "spec-range", 13, "not a finite number"),
    (('dataset = "sine"', 'dataset = "c-code"\ncorpus = "nowhere"'), "spec-corpus", 4, "does not exist"),
    (('dataset = "sine"', 'dataset = "c-code"\ncorpus = "../.."'), "path-outside-project", 4, "outside the project"),
])
def test_bad_spec_names_file_line_and_fix(tmp_path, edit, rule, line, words):
    path = write(tmp_path, GOOD.replace(*edit))
    with pytest.raises(SpecError) as info:
        load_specs(path, root=tmp_path)
    error = info.value
    assert error.rule == rule
    assert error.file == str(path) and error.line == line
    assert words in str(error)
    assert error.hint and "hint:" in str(error)


def test_toml_syntax_error_reports_line(tmp_path):
    path = write(tmp_path, GOOD.replace("lr = 0.01", "lr = 0.01 0.02"))
    with pytest.raises(SpecError) as info:
        load_specs(path)
    assert info.value.rule == "spec-toml" and info.value.line == 9


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(SpecError, match="not found"):
        load_specs(tmp_path / "nope.toml")
    with pytest.raises(SpecError, match="no runs defined"):
        load_specs(write(tmp_path, "# nothing\n"))


def test_bad_run_name(tmp_path):
    with pytest.raises(SpecError) as info:
        load_specs(write(tmp_path, '[run.Sine]\ndataset = "sine"\n'))
    assert info.value.rule == "spec-name" and info.value.line == 1


def test_run_must_be_tables(tmp_path):
    with pytest.raises(SpecError) as info:
        load_specs(write(tmp_path, "# runs\nrun = 5\n"))
    assert (info.value.rule, info.value.line) == ("spec-invalid", 2)


def test_a_corpus_outside_the_project_needs_an_absolute_path(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (spec,) = load_specs(write(project, f'[run.a]\ndataset = "c-code"\ncorpus = "{corpus}"\n'), root=project)
    assert spec.corpus_dir == corpus
    with pytest.raises(SpecError, match="outside the project"):
        load_specs(write(project, '[run.a]\ndataset = "c-code"\ncorpus = "../corpus"\n'), root=project)
