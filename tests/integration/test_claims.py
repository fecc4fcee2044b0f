"""Inline values and claims on a tiny real project: values are the documents' numbers, every bad reference
is an error at file:line with a rule id, and a claim the data contradicts fails the build, names the
measured values and leaves the previous site untouched."""
import math
import re

import numpy as np
import pytest

from unrolled.generator.build import SiteBuild, build, discover
from unrolled.generator.config import load_project
from tests.integration.test_build import run_cli
from tests.unit.test_loss_network_directives import HEAD, build_error, doc, project_with

COMMON = 'layers = 1\nhidden = 4\nwindow = 6\nsequences = 25\nbatch = 5\noptimizer = "adam"\nlr = 0.05\n'
RUNS = (f'[run.fn]\ndataset = "sine"\n{COMMON}epochs = 4\nsnapshots = [0, 2, 4]\n\n'
        f'[run.txt]\ndataset = "abab"\n{COMMON}epochs = 2\n')
CLAIM = "```{claim}\nfn.loss.final < fn.loss.validation[0] * 0.9\n```\n"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The runs trained once (cache only), copied by every test."""
    root = tmp_path_factory.mktemp("claims")
    (root / "content" / "a").mkdir(parents=True)
    (root / "content" / "a" / "runs.toml").write_text(RUNS)
    (root / "content" / "a" / "index.md").write_text(HEAD + "Nothing yet.\n")
    project = load_project(root)
    SiteBuild(project, show_progress=False).ensure_precomputed(discover(project))
    return root


def values_in(html: str) -> list[tuple[float, str]]:
    return [(float(v), shown) for v, shown in re.findall(r'<data class="value" value="([^"]+)">([^<]*)</data>', html)]


def test_values_are_the_documents_numbers(trained, tmp_path):
    body = ("Loss {val}`fn.loss.validation[0]:.4f` then {val}`fn.loss.train[4]`, final {val}`fn.loss.final:.2e`, "
            "min {val}`fn.loss.min` at {val}`fn.loss.min_epoch`; roll-out {val}`fn.rollout.mse[2]:.3f`, window "
            "{val}`fn.window.mse[4]`; text {val}`txt.bpc.final:.2f` bits, {val}`txt.bpc[0]:.2f` at first; "
            "ratio {val}`fn.loss.validation[0] / fn.loss.final:.1f`; lr {val}`fn.spec.lr`, "
            "{val}`fn.spec.epochs` epochs; negative {val}`fn.loss.final - fn.loss.validation[0]:.3f`.\n\n"
            "```{predictions}\nrun: fn\ncaption: After {val}`fn.spec.epochs` epochs.\n```\n")
    project = project_with(trained, tmp_path, body)
    build(project, show_progress=False)
    html = (project.out_dir / "a" / "index.html").read_text()
    run, pred, text = doc(project, "fn", "run"), doc(project, "fn", "predictions"), doc(project, "txt", "run")
    val = np.asarray(run["loss"]["validation"], np.float64)
    snap2, snap4 = pred["snapshots"][1], pred["snapshots"][2]
    rollout = float(np.mean((np.asarray(snap2["rollout"]["prediction"], np.float64)
                             - np.asarray(snap2["rollout"]["target"], np.float64)) ** 2))
    expected = [val[0], run["loss"]["train"][4], val[-1], val.min(), float(np.argmin(val)), rollout,
                float(np.mean(np.asarray(snap4["error"], np.float64) ** 2)),
                text["loss"]["validation"][-1] / math.log(2), text["loss"]["validation"][0] / math.log(2),
                val[0] / val[-1], 0.05, 4.0, val[-1] - val[0], 4.0]
    found = values_in(html)
    np.testing.assert_allclose([v for v, _ in found], expected, rtol=1e-12)
    shown = [s for _, s in found]
    assert shown[0] == f"{val[0]:.4f}" and shown[2] == f"{val[-1]:.2e}".replace("-", "\u2212")
    assert shown[-2].startswith("\u2212") and shown[-1] == "4"
    assert re.search(r"<figcaption>After <data[^>]*>4</data> epochs.</figcaption>", html)


def test_code_spans_math_and_escapes_keep_val_as_text(trained, tmp_path):
    body = "Code `` {val}`fn.loss.final` ``, math $x_{val}$, escaped \\{val}`fn.loss.final` and `{val}`.\n"
    project = project_with(trained, tmp_path, body)
    build(project, show_progress=False)
    html = (project.out_dir / "a" / "index.html").read_text()
    assert "<data" not in html
    assert "<code>{val}`fn.loss.final`</code>" in html and "<math" in html and "<code>{val}</code>" in html


@pytest.mark.parametrize("body, rule, line, words", [
    ("Intro.\n\nLoss {val}`nope.loss.final`.\n", "ref-run", 7, "unknown run 'nope'"),
    ("Loss {val}`fn.loss.validation[9]`.\n", "ref-epoch", 5, "no epoch 9"),
    ("Roll-out {val}`fn.rollout.mse[3]`.\n", "ref-snapshot", 5, "no snapshot at epoch 3"),
    ("Loss {val}`fn.loss.best`.\n", "ref-metric", 5, "unknown metric 'loss.best'"),
    ("Loss {val}`fn.loss.validation`.\n", "ref-metric", 5, "needs an epoch"),
    ("Loss {val}`fn.loss.final[2]`.\n", "ref-metric", 5, "takes no index"),
    ("Bits {val}`fn.bpc.final`.\n", "ref-kind", 5, "text data only"),
    ("Roll-out {val}`txt.rollout.mse[2]`.\n", "ref-kind", 5, "function data only"),
    ("Loss {val}`fn.loss.final.__class__`.\n", "value-syntax", 5, "attribute access"),
    ("Loss {val}`1 + 2`.\n", "value-syntax", 5, "names no run metric"),
    ("Loss {val}`fn.loss.final:.3q`.\n", "value-format", 5, "not a number format"),
    ("Loss {val}`fn.loss.final < 1`.\n", "value-format", 5, "not a value"),
    ("```{predictions}\nrun: fn\ncaption: Loss {val}`fn.loss.validation[7]`\n```\n", "ref-epoch", 7, "no epoch 7"),
    ("```{explain}\nfor: x.y\n\nText.\n\nLoss {val}`nope.loss.final`.\n```\n", "ref-run", 10, "unknown run"),
    ("A.\n\n```{claim}\nfn.loss.final < fn.loss.validation[0]\nfn.loss.final > fn.loss.validation[0]\n```\n",
     "claim-false", 9, "claim does not hold: fn.loss.final > fn.loss.validation[0]"),
    ("- A.\n  ```{claim}\n  fn.loss.final > fn.loss.validation[0]\n  ```\n- B.\n", "claim-false", 7,
     "claim does not hold"),  # in a list item
    ("```{claim}\nfn.loss.final\n```\n", "claim-syntax", 6, "not a comparison"),
    ("```{claim}\nfn.loss.final < open('x')\n```\n", "claim-syntax", 6, "may be called"),
    ("```{claim}\nfn.loss.final < lr\n```\n", "claim-syntax", 6, "'lr' is not a metric"),
    ("```{claim}\nfn.loss.final < fn.loss.validation[99]\n```\n", "ref-epoch", 6, "no epoch 99"),
    ("```{claim}\n```\n", "directive-body", 5, "needs a body"),
])
def test_value_and_claim_errors_name_file_line_and_rule(trained, tmp_path, body, rule, line, words):
    error = build_error(trained, tmp_path, body)
    assert (error.rule, error.line) == (rule, line), str(error)
    assert error.file.endswith("content/a/index.md") and words in error.message and error.hint, str(error)


def test_a_claim_that_holds_shows_nothing_unless_marked(trained, tmp_path):
    body = "Training helps.\n" + CLAIM + "It does.\n\n```{claim}\nmark: true\n\n# two checks\n" \
           "fn.loss.final < fn.loss.validation[0]\ntxt.bpc.final < txt.bpc[0]\n```\n\n" \
           "- In a list.\n  ```{claim}\n  fn.loss.final < fn.loss.validation[0]\n  ```\n- Next.\n\n" \
           "Shown as code:\n\n    ```{claim}\n    fn.loss.final > 99\n    ```\n"
    project = project_with(trained, tmp_path, body)
    build(project, show_progress=False)
    html = (project.out_dir / "a" / "index.html").read_text()
    assert "<p>Training helps.\nIt does.</p>" in html  # the unmarked claim leaves the paragraph whole
    assert html.count('<details class="claim">') == 1
    assert "<code>txt.bpc.final &lt; txt.bpc[0]</code>" in html and "two checks" not in html
    assert "<li>In a list.</li>\n<li>Next.</li>" in html
    assert re.search(r"<pre[^>]*>.*\{claim\}.*fn.loss.final &gt; 99.*</pre>", html, re.S)  # four spaces: code


def test_changing_a_run_breaks_its_claim_and_the_build_keeps_the_old_site(trained, tmp_path):
    project = project_with(trained, tmp_path, "Training lowers the loss by more than a tenth.\n\n" + CLAIM)
    build(project, show_progress=False)
    before = {p: p.read_bytes() for p in project.out_dir.rglob("*") if p.is_file()}
    runs = project.content_dir / "a" / "runs.toml"
    runs.write_text(RUNS.replace("lr = 0.05\nepochs = 4", "lr = 0.000001\nepochs = 4"))  # the run barely learns
    result = run_cli("--project", str(project.root), "build", "--quiet")
    assert result.returncode == 1, result.stderr
    assert "content/a/index.md:8: error[claim-false]: claim does not hold: " \
           "fn.loss.final < fn.loss.validation[0] * 0.9" in result.stderr
    val = doc(project, "fn", "run")["loss"]["validation"]  # the retrained run's numbers are in the message
    assert f"fn.loss.final = {val[-1]:.6g}" in result.stderr
    assert f"fn.loss.validation[0] = {val[0]:.6g}" in result.stderr
    assert f"compared: {val[-1]:.6g} < {val[0] * 0.9:.6g}" in result.stderr
    assert {p: p.read_bytes() for p in project.out_dir.rglob("*") if p.is_file()} == before
    assert not [p for p in project.root.iterdir() if p.name.startswith("_site.")]
