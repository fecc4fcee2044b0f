"""The {cell} directive: every bad option or reference is a build error with rule, file:line and a hint
(and no partial site); a good block carries exactly the traced numbers; the equations it shows hold on them."""
import json
import os
import re
import subprocess

import numpy as np
import pytest

from unrolled.generator import assets
from unrolled.generator.build import build, discover
from unrolled.generator.config import load_project
from unrolled.generator.directives import cell as cell_mod
from unrolled.generator.js import WORKER, find_node
from unrolled.precompute.cache import entry_dir
from unrolled.precompute.documents import load
from unrolled.precompute.errors import UnrolledError

HEAD = "---\ntitle: A\nruns: runs.toml\n---\n"  # the body starts on line 5
RUNS = """
[run.tiny]
dataset = "sine"
cell = "lstm"
layers = 2
hidden = 4
window = 6
sequences = 25
batch = 25
epochs = 3
snapshots = [0, 3]

[run.tiny-gru]
dataset = "sine"
cell = "gru"
layers = 1
hidden = 3
window = 5
sequences = 25
batch = 25
epochs = 2

[run.tiny-rnn]
dataset = "sine"
cell = "rnn"
layers = 1
hidden = 3
window = 5
sequences = 25
batch = 25
epochs = 2

[run.untraced]
dataset = "sine"
cell = "rnn"
layers = 1
hidden = 2
window = 4
sequences = 25
batch = 25
epochs = 1
trace = 0
"""


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """Train the tiny runs once; every test project reads this cache."""
    cache = tmp_path_factory.mktemp("cell-cache")
    root = make_project(tmp_path_factory.mktemp("warm"), cache, "Warm up.\n")
    build(load_project(root), show_progress=False)
    return cache


def make_project(root, cache, body: str):
    (root / "unrolled.toml").write_text(f'[site]\ncache = "{cache}"\nallow_outside = true\n')
    article = root / "content" / "a"
    article.mkdir(parents=True, exist_ok=True)
    (article / "runs.toml").write_text(RUNS)
    (article / "index.md").write_text(HEAD + body)
    return root


def build_body(tmp_path, cache, body):
    project = load_project(make_project(tmp_path, cache, body))
    return project, build(project, show_progress=False)


def trace_doc(project, run="tiny"):
    (page,) = [p for p in discover(project) if p.slug == "a"]
    return load(entry_dir(project.cache_dir, page.specs[run]) / "cell-trace.json")


@pytest.mark.parametrize("body, rule, line, words", [
    ("```{cell}\nrun: tiny\nlayer: 2\n```\n", "ref-layer", 7, "has 2 layers; layer 2"),
    ("```{cell}\nrun: tiny\nlayer: -1\n```\n", "ref-layer", 7, "layer -1 is out of range"),
    ("Text.\n\n```{cell}\nrun: tiny\nsequence: 1\n```\n", "ref-sequence", 9, "1 traced sequence; sequence 1"),
    ("```{cell}\nrun: tiny\nsnapshot: 2\n```\n", "ref-snapshot", 7, "no snapshot at epoch 2"),
    ("```{cell}\nrun: tiny\nstep: 6\n```\n", "ref-step", 7, "has 6 time steps; step 6"),
    ("```{cell}\nrun: tiny\nphase: sideways\n```\n", "option-choice", 7, "one of forward, backward"),
    ("```{cell}\nrun: tiny\nlayer: top\n```\n", "option-type", 7, "expects an integer"),
    ("```{cell}\nrun: tiny\ncolour: orange\n```\n", "option-unknown", 7, "unknown option 'colour'"),
    ("```{cell}\nstep: 1\n```\n", "option-missing", 5, "needs option 'run'"),
    ("```{cell}\nrun: tinny\n```\n", "ref-run", 6, "unknown run 'tinny'"),
    ("```{cell}\nrun: untraced\n```\n", "ref-trace", 6, "traces no sequence"),
])
def test_bad_options_are_build_errors(tmp_path, shared_cache, body, rule, line, words):
    with pytest.raises(UnrolledError) as info:
        build_body(tmp_path, shared_cache, body)
    error = info.value
    assert (error.rule, error.line) == (rule, line), str(error)
    assert error.file.endswith("content/a/index.md")
    assert words in error.message, error.message
    assert error.hint
    assert not (tmp_path / "_site").exists()
    assert not list(tmp_path.glob("_site.*"))


def test_hints_name_the_valid_range(tmp_path, shared_cache):
    with pytest.raises(UnrolledError) as info:
        build_body(tmp_path, shared_cache, "```{cell}\nrun: tiny\nstep: 9\n```\n")
    assert "step: 0 to 5" in info.value.hint
    with pytest.raises(UnrolledError) as info:
        build_body(tmp_path, shared_cache, "```{cell}\nrun: tiny\nsnapshot: 1\n```\n")
    assert "[0, 3]" in info.value.hint


def short(v: float) -> str:
    """The view's human-readable number: 4 decimals in [1e-3, 1e4), else 3 significant digits with an
    exponent, real minus signs (U+2212)."""
    if v == 0:
        return "0"
    text = f"{v:.4f}" if 1e-3 <= abs(v) < 1e4 else re.sub(r"e([+-])0*(\d)", r"e\1\2", f"{v:.2e}")
    return text.replace("-", "\u2212")


def exact(v: float) -> str:
    """9 significant digits, exact for a float32 value (JavaScript's toExponential(8))."""
    return "0" if v == 0 else re.sub(r"e([+-])0*(\d)", r"e\1\2", f"{v:.8e}")


def run_js(module: str, body: str):
    """Evaluate `body` (an expression over the module's exports, `m`) in Node, the site's specifiers
    resolved as for the first frames; returns its JSON value."""
    script = (f"import {{ register }} from 'node:module';\n"
              f"register({json.dumps((WORKER.parent / 'node_resolve.mjs').as_uri())}, "
              f"{{ data: {{ imports: JSON.parse(process.env.UNROLLED_IMPORTS) }} }});\n"
              f"const m = await import({json.dumps(module)});\nconsole.log(JSON.stringify({body}));\n")
    env = {"PATH": os.environ["PATH"], "UNROLLED_IMPORTS": json.dumps(assets.collect().node_imports())}
    out = subprocess.run([find_node(), "--input-type=module", "-e", script], capture_output=True, text=True,
                         env=env, check=True)
    return json.loads(out.stdout)


def payload_of(project, html: str) -> dict:
    src = re.search(r'data-src="\.\./(data/[0-9a-f]{16}\.json)"', html).group(1)
    return json.loads((project.out_dir / src).read_text())


def test_static_frame_and_payload_carry_the_traced_numbers(tmp_path, shared_cache):
    project, files = build_body(tmp_path, shared_cache,
                                "```{cell}\nrun: tiny\nlayer: 1\nsnapshot: 0\nstep: 4\nphase: backward\n```\n")
    html = files["a/index.html"].decode()
    doc = trace_doc(project)
    layer = doc["snapshots"][0]["sequences"][0]["layers"][1]
    assert 'data-widget="cell"' in html and 'data-run="tiny"' in html
    # every strip of the static frame: float32 values of the backward pass at t = 4
    nodes = re.findall(r'<g class="node node-(\w+)[^"]*" data-node="\w+" data-key="(\w+)">(.*?)</g></g>', html)
    assert {key for _, key, _ in nodes} == {"dh", "dc", "d_pre_f", "d_pre_i", "d_pre_g", "d_pre_o"}
    for _, key, inner in nodes:
        shown = [float(v) for v in re.findall(r'data-value="([^"]+)"', inner)]
        np.testing.assert_array_equal(np.float32(shown), np.float32(layer[key][4]), err_msg=key)
        titles = re.findall(r"<title>[^<]*: ([^ <]+)</title>", inner)
        assert titles == [short(float(np.float32(v))) for v in layer[key][4]]
    # the text alternative: every forward and backward vector of the step
    assert '<tr data-key="f">' in html and '<tr data-key="d_pre_f">' in html
    # the payload: one sequence, every snapshot and layer, float32
    data = payload_of(project, html)
    assert [s["epoch"] for s in data["snapshots"]] == [0, 3]
    assert all(len(s["layers"]) == 2 for s in data["snapshots"])
    assert {a["dtype"] for s in data["snapshots"] for lay in s["layers"] for a in lay.values()} == {"float32"}
    assert "sequences" not in data["snapshots"][0]
    assert data["diagram"]["cell"] == "lstm"


def test_defaults_show_last_snapshot_first_layer_forward(tmp_path, shared_cache):
    project, files = build_body(tmp_path, shared_cache, "```{cell}\nrun: tiny\n```\n")
    html = files["a/index.html"].decode()
    assert 'data-snapshot="1"' in html and 'data-phase="forward"' in html and 'data-layer="0"' in html
    x = trace_doc(project)["snapshots"][1]["sequences"][0]["layers"][0]["x"][0]
    node = re.search(r'data-node="x" data-key="x">(.*?)</g></g>', html).group(1)
    assert re.findall(r'data-value="([^"]+)"', node) == [exact(float(np.float32(v))) for v in x]
    assert "Receive input" in html and "<math" in html


VALUES = [0.0, -0.0, 1.0, -1.5, 0.1, 123.456, 1e-7, -3.2e-5, 5e4, 0.00099]


def test_number_formats():
    exacts = run_js("unrolled/widgets/cell/format.js", f"{VALUES}.map((v) => m.exact(v))")
    shorts = run_js("unrolled/lib/format.js", f"{VALUES}.map((v) => m.short(v))")
    assert exacts == [exact(v) for v in VALUES]
    assert shorts == [short(v) for v in VALUES]
    assert shorts[3] == "\u22121.5000" and shorts[7] == "\u22123.20e\u22125"
    assert not any(re.search(r"e[+\u2212]0\d", s) or "-" in s for s in shorts)


def test_colour_scale_is_diverging_and_clamped():
    colours, positions = run_js("unrolled/widgets/cell/format.js", """[
        [m.colour(0, 1), m.colour(1, 1), m.colour(5, 1), m.colour(-1, 1), m.colour(0.25, 1), m.colour(-2, 2, true)],
        [m.position(0.1, 1, true), m.position(-0.01, 1, true), m.position(1e-4, 1, true)]]""")
    rgb = [tuple(int(c) for c in re.fullmatch(r"rgb\((\d+), (\d+), (\d+)\)", colour).groups()) for colour in colours]
    zero, high, beyond, low, quarter, low_log = rgb
    # ColorBrewer PuOr's ends (#7f3b08 orange, #2d004b purple); values beyond the domain are clamped
    assert high == beyond == (0x7F, 0x3B, 0x08) and low == low_log == (0x2D, 0x00, 0x4B)
    assert min(zero) > 230 and max(zero) - min(zero) < 12  # zero is near-white
    assert quarter[0] > quarter[2] and sum(high) < sum(quarter) < sum(zero)  # a small positive value: light orange
    # gradients: signed log scale over three decades (a tenth of the peak sits two thirds of the way out)
    assert positions == pytest.approx([2 / 3, -1 / 3, 0.0])


# -- the equations the widget shows hold on the traced numbers ------------------------------------------

def sig_prime(a):
    return a * (1 - a)


@pytest.fixture(scope="module")
def docs(shared_cache, tmp_path_factory):
    project = load_project(make_project(tmp_path_factory.mktemp("docs"), shared_cache, "Docs.\n"))
    return {run: trace_doc(project, run) for run in ("tiny", "tiny-gru", "tiny-rnn")}


def test_lstm_equations_hold(docs):
    for snap in docs["tiny"]["snapshots"]:
        for v in snap["sequences"][0]["layers"]:
            sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
            np.testing.assert_allclose(v["f"], sig(v["pre_f"]), atol=1e-12)
            np.testing.assert_allclose(v["g"], np.tanh(v["pre_g"]), atol=1e-12)
            np.testing.assert_allclose(v["c"], v["f"] * v["c_prev"] + v["i"] * v["g"], atol=1e-12)
            np.testing.assert_allclose(v["h"], v["o"] * np.tanh(v["c"]), atol=1e-12)
            tc = np.tanh(v["c"])
            np.testing.assert_allclose(v["d_pre_o"], v["dh"] * tc * sig_prime(v["o"]), atol=1e-12)
            carry = np.zeros_like(v["dc"])
            carry[:-1] = v["dc"][1:] * v["f"][1:]
            np.testing.assert_allclose(v["dc"], v["dh"] * v["o"] * (1 - tc ** 2) + carry, atol=1e-12)
            np.testing.assert_allclose(v["d_pre_f"], v["dc"] * v["c_prev"] * sig_prime(v["f"]), atol=1e-12)
            np.testing.assert_allclose(v["d_pre_i"], v["dc"] * v["g"] * sig_prime(v["i"]), atol=1e-12)
            np.testing.assert_allclose(v["d_pre_g"], v["dc"] * v["i"] * (1 - v["g"] ** 2), atol=1e-12)


def test_gru_equations_hold(docs):
    for snap in docs["tiny-gru"]["snapshots"]:
        v = snap["sequences"][0]["layers"][0]
        np.testing.assert_allclose(v["n"], np.tanh(v["gi_n"] + v["r"] * v["gh_n"]), atol=1e-12)
        np.testing.assert_allclose(v["h"], (1 - v["z"]) * v["n"] + v["z"] * v["h_prev"], atol=1e-12)
        np.testing.assert_allclose(v["d_pre_z"], v["dh"] * (v["h_prev"] - v["n"]) * sig_prime(v["z"]), atol=1e-12)
        np.testing.assert_allclose(v["d_pre_n"], v["dh"] * (1 - v["z"]) * (1 - v["n"] ** 2), atol=1e-12)
        np.testing.assert_allclose(v["d_gh_n"], v["r"] * v["d_pre_n"], atol=1e-12)
        np.testing.assert_allclose(v["d_pre_r"], v["d_pre_n"] * v["gh_n"] * sig_prime(v["r"]), atol=1e-12)


def test_rnn_equations_hold(docs):
    for snap in docs["tiny-rnn"]["snapshots"]:
        v = snap["sequences"][0]["layers"][0]
        np.testing.assert_allclose(v["h"], np.tanh(v["pre"]), atol=1e-12)
        np.testing.assert_allclose(v["d_pre"], v["dh"] * (1 - v["h"] ** 2), atol=1e-12)


def test_every_explanation_key_is_documented():
    keys = {n[9] for nodes in cell_mod.NODE_TEXT.values() for n in nodes.values()}
    keys |= {e[3] for eqs in cell_mod.EQUATIONS.values() for e in eqs if e[3]} | {"cell"}
    for key in keys:
        assert f"`{key}`" in cell_mod.__doc__, key
