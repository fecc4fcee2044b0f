"""The Python cells of the bundled articles run as written (in CPython, with the same NumPy package the
browser loads), and what they publish has the shape the driven widgets read.

Inside the page, `unrolled_page.publish` hands data to the browser; here a recorder stands in for that
bridge, since the cells' own computation is what this test checks. The cell that takes over the network
figure's controls runs through the page's own runner and control dispatch, in CPython.
"""
import asyncio
import json
import re
import sys
import types

import numpy as np
import pytest

from tests.conftest import ROOT, run_async

ARTICLE = ROOT / "content" / "retrain-it-yourself" / "index.md"
BLOCK = re.compile(r"^```\{pyodide\}\n(.*?)^```$", re.S | re.M)


def cells(path, with_options=False):
    """Each {pyodide} block's code: the lines after its `key: value` options and the blank line."""
    out = []
    for body in BLOCK.findall(path.read_text()):
        lines = body.split("\n")
        start = next(i for i, line in enumerate(lines) if not re.match(r"^[a-z_]+\s*:", line))
        code = "\n".join(lines[start:]).strip("\n")
        options = dict(line.split(":", 1) for line in lines[:start])
        out.append((code, {k.strip(): v.strip() for k, v in options.items()}) if with_options else code)
    return out


@pytest.fixture
def published(monkeypatch):
    sent = []
    bridge = types.ModuleType("unrolled_page")
    bridge.publish = lambda target, data: sent.append((target, data))
    monkeypatch.setitem(sys.modules, "unrolled_page", bridge)
    monkeypatch.syspath_prepend(str(ROOT / "site" / "py"))
    return sent


def test_retrain_cells_train_and_publish_what_the_widgets_read(published, capsys):
    setup, train, itemized, inside, _ = cells(ARTICLE)
    namespace = {"__name__": "__main__"}
    for code in (setup, train, itemized, inside):
        exec(compile(code, "<cell>", "exec"), namespace)  # noqa: S102 - the article's own code
    gradients = [d for t, d in published if t == "w5-gradients"]
    (panel,) = gradients[-1]["panels"]
    (snap,) = panel["snapshots"]
    (layer,) = snap["layers"]
    hh = np.asarray(layer["hh"]).reshape(15, 15)  # flat, row t = loss step, as the widget reads it
    np.testing.assert_allclose(hh, namespace["G"], rtol=1e-12)
    assert snap["epoch"] == 19 and len(snap["loss"]) == len(panel["input"]) == 15
    (trace,) = [d for t, d in published if t == "w7-cell"]
    (layer,) = trace["snapshots"][0]["layers"]
    assert trace["cell"] == "lstm" and np.shape(layer["f"]) == np.shape(layer["dc"]) == (15, 8)
    np.testing.assert_allclose(layer["h"], layer["o"] * np.tanh(layer["c"]), atol=1e-12)
    predictions = [d for t, d in published if t == "w1-predictions"]
    losses = [d for t, d in published if t == "w2-loss"]
    assert len(predictions) == len(losses) == 20
    snap = predictions[-1]["snapshots"][0]
    assert predictions[-1]["x"] == {"start": 0.3, "step": 0.2}
    assert len(snap["input"]) == len(snap["prediction"]) == 15 and len(snap["rollout"]["prediction"]) == 32
    np.testing.assert_allclose(snap["error"], np.asarray(snap["prediction"]) - snap["target"])
    (run,) = losses[-1]["runs"]
    assert run["run"] == "in your browser" and run["loss"]["epoch"] == list(range(20))
    assert run["loss"]["validation"][-1] < 0.5 * run["loss"]["validation"][0]
    out = capsys.readouterr().out
    assert "forget gate at the last step" in out
    assert "epoch 19" in out and "share of the last loss that reaches back 5 or more steps" in out


def test_training_again_continues_the_history(published):
    setup, train, *_ = cells(ARTICLE)
    namespace = {"__name__": "__main__"}
    for code in (setup, train, train):
        exec(compile(code, "<cell>", "exec"), namespace)  # noqa: S102
    assert namespace["history"]["epoch"] == list(range(40))


def test_network_cell_trains_the_settings_the_figure_asks_for(monkeypatch):
    """Run the cell as the page does (its runner, its drives), then send the figure's control events."""
    monkeypatch.syspath_prepend(str(ROOT / "site" / "py"))
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    for name in ("unrolled_page", "unrolled_page._runner"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    from unrolled_page import _runner

    import unrolled_page

    code, options = cells(ARTICLE, with_options=True)[-1]
    drives = [d.strip() for d in options["drives"].split(",")]
    (figure,) = drives
    settings = {"dataset": "sawtooth", "cell": "gru", "layers": 2, "hidden": 8, "lr": 0.001, "batch": 25,
                "noise": 0.0}  # a combination with no precomputed run

    async def reader():
        result = json.loads(await _runner.run("network", "<cell-network>", code, json.dumps(drives)))
        assert result["status"] == "ok", result
        assert unrolled_page._dispatch(figure, "step", json.dumps(settings)) == 1
        unrolled_page._dispatch(figure, "play", json.dumps(settings))
        await asyncio.sleep(0.4)
        unrolled_page._dispatch(figure, "pause", json.dumps(settings))
        await asyncio.sleep(0.2)

    try:
        run_async(reader())
        sent = [data for target, data in unrolled_page.published if target == figure]
    finally:
        unrolled_page.published.clear()
        unrolled_page._handlers.clear()
    assert len(sent) >= 3 and {tuple(d) for d in sent} == {("runs", "select", "playing")}
    (entry,) = sent[-1]["runs"]
    assert entry["run"] == sent[-1]["select"] == "yours-1"
    assert {k: entry["settings"][k] for k in settings} == settings and entry["settings"]["optimizer"] == "adam"
    assert sent[0]["runs"][0]["settings"]["epochs"] == 1 and sent[0]["playing"] is False
    assert any(d["playing"] for d in sent) and sent[-1]["playing"] is False
    epochs = entry["settings"]["epochs"]
    assert 2 <= epochs < 50 and entry["loss"]["epoch"] == list(range(epochs + 1))  # paused before the limit
    assert [s["epoch"] for s in entry["snapshots"]] == list(range(epochs + 1))
