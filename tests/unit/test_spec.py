"""Run specs: defaults, normalisation, and a clear error (file, line, rule, hint) for each mistake."""
import pytest

from unrolled.precompute.errors import SpecError
from unrolled.precompute.spec import load_specs

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


SWEEP = """[run.base]
dataset = "sine"

[sweep.sine]
dataset = "sine"
optimizer = "rmsprop"
snapshots = [0, 5]
epochs = 5

[sweep.sine.grid]
lr = [0.0001, 0.01, 1]
batch = [5, 25]
"""


def test_sweep_expands_to_named_runs_validated_like_hand_written_ones(tmp_path):
    path = write(tmp_path, SWEEP)
    specs = load_specs(path)
    assert [s.name for s in specs] == ["base", "sine-lr0p0001-batch5", "sine-lr0p0001-batch25", "sine-lr0p01-batch5",
                                       "sine-lr0p01-batch25", "sine-lr1-batch5", "sine-lr1-batch25"]
    by_name = {s.name: s for s in specs}
    (written,) = load_specs(write(tmp_path, '[run.sine-lr0p01-batch5]\ndataset = "sine"\noptimizer = "rmsprop"\n'
                                            'snapshots = [0, 5]\nepochs = 5\nlr = 0.01\nbatch = 5\n'))
    assert by_name["sine-lr0p01-batch5"] == written  # same name and values: same cache key
    assert by_name["sine-lr1-batch25"].lr == 1.0 and by_name["sine-lr1-batch25"].line == 4


def test_sweep_name_template(tmp_path):
    specs = load_specs(write(tmp_path, SWEEP.replace('epochs = 5\n', 'epochs = 5\nname = "s-{batch}-{lr}"\n')))
    assert [s.name for s in specs][1:3] == ["s-5-0p0001", "s-25-0p0001"]


@pytest.mark.parametrize("edit, rule, line, words", [
    (("lr = [0.0001, 0.01, 1]", "lr = [0.0001, 0.01, 20]"), "spec-range", 11, "sweep 'sine' (run 'sine-lr20-batch5')"),
    (("batch = [5, 25]", "batch = [5, 250]"), "spec-range", 12, "larger than sequences"),
    (("batch = [5, 25]", "batch = 5"), "spec-sweep", 12, "non-empty list"),
    (("batch = [5, 25]", "batch = []"), "spec-sweep", 12, "non-empty list"),
    (("batch = [5, 25]", "batch = [5, 5]"), "spec-sweep", 12, "twice"),
    (("batch = [5, 25]", "bach = [5, 25]"), "spec-unknown-key", 12, "not a setting a sweep can vary"),
    (("batch = [5, 25]", "snapshots = [[0, 1]]"), "spec-unknown-key", 12, "not a setting a sweep can vary"),
    (("[sweep.sine.grid]\nlr = [0.0001, 0.01, 1]\nbatch = [5, 25]\n", ""), "spec-sweep", 4, "needs a grid"),
    (('optimizer = "rmsprop"', 'optimizer = "rmsprop"\nlr = 0.1'), "spec-sweep", 12, "both in the sweep and in its grid"),
    (("epochs = 5", 'epochs = 5\nname = "s-{lr}"'), "spec-sweep", 9, "gives 's-0p0001' twice"),
    (("epochs = 5", 'epochs = 5\nname = "s-{rate}"'), "spec-sweep", 9, "cannot be filled"),
    (("epochs = 5", 'epochs = 5\nname = "S-{lr}-{batch}"'), "spec-name", 4, "lower-case"),
    (("[run.base]", "[run.sine-lr1-batch5]"), "spec-duplicate", 4, "already defined"),
    (('snapshots = [0, 5]', 'snapshots = [0, 9]'), "spec-range", 7, "epoch 9 is outside 0..5"),
])
def test_bad_sweep_points_at_its_lines(tmp_path, edit, rule, line, words):
    path = write(tmp_path, SWEEP.replace(*edit))
    with pytest.raises(SpecError) as info:
        load_specs(path)
    error = info.value
    assert (error.rule, error.line) == (rule, line), str(error)
    assert error.file == str(path) and words in str(error) and error.hint, str(error)


def test_a_defaulted_key_points_at_its_own_table_not_a_later_one(tmp_path):
    text = '[run.a]\ndataset = "sine"\nsequences = 10\n\n[run.b]\ndataset = "sine"\nbatch = 5\n'
    with pytest.raises(SpecError) as info:
        load_specs(write(tmp_path, text))  # a's default batch 25 exceeds its 10 sequences
    assert info.value.rule == "spec-range" and info.value.line == 1 and "run 'a'" in str(info.value)


RECALL = """
[run.recall-gru]
dataset = "recall"
cell = "gru"
window = 30
delay = 20
symbols = 4
horizon = 32
horizon_threshold = 0.02
"""


def test_recall_and_horizon_keys(tmp_path):
    (spec,) = load_specs(write(tmp_path, RECALL))
    assert (spec.delay, spec.symbols, spec.horizon, spec.horizon_threshold) == (20, 4, 32, 0.02)
    assert spec.is_text and spec.trace_window == 30
    (spec,) = load_specs(write(tmp_path, '[run.r]\ndataset = "recall"\nwindow = 15\n'))
    assert (spec.delay, spec.symbols, spec.horizon, spec.horizon_threshold) == (10, 4, 0, 0.01)
    (spec,) = load_specs(write(tmp_path, '[run.c]\ndataset = "numpy-headers"\n'))
    assert spec.is_text and spec.delay is None and spec.symbols is None


@pytest.mark.parametrize("edit, rule, line, words", [
    (("delay = 20", "delay = 30"), "spec-range", 6, "leaves no query in a window of 30"),
    (("window = 30", "window = 30\ntrace_window = 12"), "spec-range", 6, "traced windows of 12"),
    (("symbols = 4", "symbols = 27"), "spec-range", 7, "out of range"),
    (('dataset = "recall"', 'dataset = "numpy-headers"'), "spec-invalid", 6, "`delay` only applies"),
    (("horizon = 32\n", ""), "spec-invalid", 8, "`horizon_threshold` has no effect"),
    (("horizon = 32", "horizon = 300"), "spec-range", 8, "out of range"),
    (("horizon = 32", "horizon = 32\nnoise = 0.1"), "spec-invalid", 9, "noise applies to function data only"),
])
def test_bad_recall_or_horizon_key_names_file_and_line(tmp_path, edit, rule, line, words):
    path = write(tmp_path, RECALL.replace(*edit))
    with pytest.raises(SpecError) as info:
        load_specs(path)
    assert info.value.rule == rule and info.value.file == str(path) and info.value.line == line
    assert words in str(info.value) and info.value.hint


def test_missing_numpy_headers_name_the_dataset_line(tmp_path, monkeypatch):
    import numpy

    from unrolled.precompute.tasks import make_task

    path = write(tmp_path, '[run.a]\ncell = "gru"\ndataset = "numpy-headers"\n')
    (spec,) = load_specs(path)
    monkeypatch.setattr(numpy, "get_include", lambda: str(tmp_path / "nowhere"))
    with pytest.raises(SpecError) as info:
        make_task(spec)
    assert info.value.rule == "spec-corpus" and info.value.line == 3 and "no NumPy C headers" in str(info.value)
