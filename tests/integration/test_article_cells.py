"""The Python cells of the bundled articles run as written (in CPython, with the same NumPy package the
browser loads), and what they publish has the shape the driven widgets read.

Inside the page, `unrolled_page.publish` hands data to the browser; here a recorder stands in for that
bridge, since the cells' own computation is what this test checks.
"""
import re
import sys
import types

import numpy as np
import pytest

from tests.conftest import ROOT

ARTICLE = ROOT / "content" / "retrain-it-yourself" / "index.md"
BLOCK = re.compile(r"^```\{pyodide\}\n(.*?)^```$", re.S | re.M)


def cells(path):
    """Each {pyodide} block's code: the lines after its `key: value` options and the blank line."""
    out = []
    for body in BLOCK.findall(path.read_text()):
        lines = body.split("\n")
        start = next(i for i, line in enumerate(lines) if not re.match(r"^[a-z_]+\s*:", line))
        out.append("\n".join(lines[start:]).strip("\n"))
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
    setup, train, itemized = cells(ARTICLE)
    namespace = {"__name__": "__main__"}
    for code in (setup, train, itemized):
        exec(compile(code, "<cell>", "exec"), namespace)  # noqa: S102 - the article's own code
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
    assert "epoch 19" in out and "share of the last loss that reaches back 5 or more steps" in out


def test_training_again_continues_the_history(published):
    setup, train, _ = cells(ARTICLE)
    namespace = {"__name__": "__main__"}
    for code in (setup, train, train):
        exec(compile(code, "<cell>", "exec"), namespace)  # noqa: S102
    assert namespace["history"]["epoch"] == list(range(40))
