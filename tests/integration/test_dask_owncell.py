"""An author's own cell on a real Dask cluster: its file travels with the spec, and the cluster writes the
bytes of a local run."""
import pytest

from tests.conftest import ROOT
from tests.integration.test_dask import cache_tree, cluster, unrolled  # noqa: F401 - `cluster` is a fixture

pytestmark = pytest.mark.slow

RUNS = """
[run.own]
dataset = "sine"
model = "cells.py:PeepholeLSTM"
hidden = [3, 2]
window = 6
sequences = 10
batch = 5
epochs = 1

[run.sizes]
dataset = "sine"
cell = "gru"
hidden = [4, 2]
window = 6
sequences = 10
batch = 5
epochs = 1
"""


def project(root):
    article = root / "content" / "a"
    article.mkdir(parents=True)
    (article / "runs.toml").write_text(RUNS)
    (article / "cells.py").write_bytes((ROOT / "content" / "your-own-cell" / "cells.py").read_bytes())
    (article / "index.md").write_text("---\ntitle: A\nruns: runs.toml\n---\n\nText.\n")
    return root


def test_own_cell_on_the_cluster_writes_the_bytes_of_a_local_run(tmp_path, cluster):  # noqa: F811
    address, _ = cluster
    remote, local = project(tmp_path / "remote"), project(tmp_path / "local")
    done = unrolled(remote, "--engine", "dask", "--scheduler", address)
    assert done.returncode == 0, done.stderr
    assert "2 runs: 2 done" in done.stdout
    assert unrolled(local, "--jobs", "1").returncode == 0
    tree = cache_tree(remote)
    assert len([p for p in tree if p.endswith("/cell-trace.json")]) == 2
    assert tree == cache_tree(local)
