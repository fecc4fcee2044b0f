"""The generator's one Node process: KaTeX and widgets' own first frames, with the site's specifiers
resolved from the same list as the import map, and a fresh process when a module changes."""
import re
import shutil

import pytest

from unrolled.generator import assets
from unrolled.generator.config import SITE_SOURCES
from unrolled.generator.js import FrameError, NodeWorker

LOSS = {"runs": [{"run": "a", "task": {"loss": "mse", "kind": "function", "dataset": "sine", "cell": "lstm",
                                       "layers": 1, "hidden": 4},
                  "snapshots": [0, 2], "loss": {"epoch": [0, 1, 2], "train": [0.5, 0.2, 0.1],
                                                "validation": [0.6, 0.3, 0.125]}}]}


@pytest.fixture
def worker():
    js = NodeWorker()
    yield js
    js.close()


def test_one_process_renders_math_and_a_widgets_first_frame(worker):
    imports = assets.collect().node_imports()
    frame, table = worker.frame("loss", LOSS, {"scale": "linear", "epoch": 1}, "w1-loss", imports)
    pid = worker._proc.pid
    html, error = worker.math("h_t", False)
    assert error is None and "<math" in html and worker._proc.pid == pid
    assert 'aria-labelledby="w1-loss-title w1-loss-desc"' in frame and 'data-scale="linear"' in frame
    assert re.findall(r'data-series="(\w+)"', frame) == ["train", "validation"]
    assert '<g class="marker" aria-hidden="true" data-epoch="1">' in frame
    assert '<input type="range" id="w1-loss-epoch" min="0" max="2" step="1" value="1"' in frame
    assert "<td>0.125</td>" in table and table.startswith('<table class="data-table">')


def test_text_is_escaped_in_the_markup(worker):
    data = {"runs": [dict(LOSS["runs"][0], run='<a b="c">&')]}
    frame, table = worker.frame("loss", data, {"scale": "log", "epoch": 2}, "w1-loss", assets.collect().node_imports())
    assert '<a b="c">' not in frame + table
    assert 'data-run="&lt;a b=&quot;c&quot;&gt;&amp;"' in frame


def test_an_edited_module_is_rendered_by_a_fresh_process(worker, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SITE_SOURCES / "js", site / "js")
    before, _ = worker.frame("loss", LOSS, {"epoch": 0}, "w", assets.collect(site).node_imports(site))
    first = worker._proc.pid
    module = site / "js" / "widgets" / "loss.js"
    module.write_text(module.read_text().replace("'Epoch')", "'Epoch of training')"))
    after, _ = worker.frame("loss", LOSS, {"epoch": 0}, "w", assets.collect(site).node_imports(site))
    assert ">Epoch</label>" in before and ">Epoch of training</label>" in after
    assert worker._proc.pid != first


def test_a_failing_frame_reports_the_modules_error(worker):
    with pytest.raises(FrameError, match="TypeError"):
        worker.frame("loss", {"runs": None}, {}, "w", assets.collect().node_imports())
