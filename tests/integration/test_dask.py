"""Precompute on a real Dask cluster on loopback: a scheduler and two single-thread worker processes.

The cluster's cache must equal a local run's byte for byte; a worker killed mid-sweep must not lose or
corrupt a run; a failing run fails alone with its spec's file:line; a bad address fails fast, writing
nothing."""
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from unrolled.precompute.documents import load
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "site" / "py")])}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], env=ENV, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def wait_for_workers(address: str, count: int) -> None:
    from distributed import Client

    with Client(address, timeout="30s", set_as_default=False) as client:
        client.wait_for_workers(count, timeout=120)


@pytest.fixture
def cluster():
    """A `dask scheduler` and two `dask worker` processes (one thread each, no nanny, so a killed worker
    stays dead) on 127.0.0.1; yields (address, workers)."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = start("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                      "--dashboard-address", ":0", "--no-show")
    workers = [start("distributed.cli.dask_worker", address, "--nthreads", "1", "--nworkers", "1", "--no-nanny",
                     "--host", "127.0.0.1", "--no-dashboard", "--name", f"w{i}") for i in range(2)]
    try:
        wait_for_workers(address, 2)
        yield address, workers
    finally:
        for proc in [*workers, scheduler]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*workers, scheduler]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def sweep(root: Path, runs: int, epochs: int = 1, hidden: int = 3, extra: dict | None = None) -> Path:
    """A project whose one article declares `runs` tiny runs (cells and seeds varied)."""
    article = root / "content" / "a"
    article.mkdir(parents=True)
    tables = []
    for i in range(runs):
        values = {"dataset": '"sine"', "cell": f'"{("rnn", "lstm", "gru")[i % 3]}"', "hidden": hidden,
                  "window": 6, "sequences": 10, "batch": 5, "epochs": epochs, "seed": i, **(extra or {}).get(i, {})}
        tables.append(f"[run.r{i:02d}]\n" + "".join(f"{k} = {v}\n" for k, v in values.items()))
    (article / "runs.toml").write_text("\n".join(tables))
    (article / "index.md").write_text("---\ntitle: A\nruns: runs.toml\n---\n\nText.\n")
    return root


def unrolled(root: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unrolled.generator", "--project", str(root), "precompute", "--quiet", *args],
                          env=ENV, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def cache_tree(root: Path) -> dict[str, str]:
    cache = root / ".cache" / "precompute"
    return {p.relative_to(cache).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(cache.rglob("*")) if p.is_file()}


def test_a_sweep_on_the_cluster_writes_the_bytes_of_a_local_run(tmp_path, cluster):
    address, _ = cluster
    remote, local = sweep(tmp_path / "remote", 20), sweep(tmp_path / "local", 20)
    done = unrolled(remote, "--engine", "dask", "--scheduler", address)
    assert done.returncode == 0, done.stderr
    assert "20 runs: 20 done" in done.stdout
    assert unrolled(local, "--jobs", "1").returncode == 0
    tree = cache_tree(remote)
    assert len([p for p in tree if p.endswith("/run.json")]) == 20
    assert tree == cache_tree(local)


def test_a_worker_killed_mid_sweep_loses_nothing(tmp_path, cluster):
    address, workers = cluster
    root = sweep(tmp_path / "p", 8, epochs=40, hidden=8)
    proc = subprocess.Popen([sys.executable, "-m", "unrolled.generator", "--project", str(root), "precompute", "--quiet",
                             "--engine", "dask", "--scheduler", address], env=ENV, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    cache = root / ".cache" / "precompute"
    deadline = time.monotonic() + 600
    while not list(cache.glob("*/*/run.json")):  # the sweep is under way: one run has landed
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no run finished"
        time.sleep(0.2)
    workers[0].send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err
    assert "8 runs: 8 done" in out
    entries = list(cache.glob("*/*/run.json"))
    assert len(entries) == 8
    assert not list(cache.glob("*/.tmp-*"))
    for entry in entries:  # every document complete and valid
        for kind in ("run", "predictions", "weights", "itemized-gradients", "cell-trace"):
            assert load(entry.parent / f"{kind}.json")["run"] == entry.parent.parent.name.split("@")[0]


def test_a_failing_run_fails_alone_with_its_spec_line(tmp_path, cluster):
    address, _ = cluster
    bad = {1: {"dataset": '"abab"', "trace_text": '"xyz"', "cell": '"rnn"'}}
    root = sweep(tmp_path / "p", 3, extra=bad)
    done = unrolled(root, "--engine", "dask", "--scheduler", address)
    assert done.returncode == 1
    assert "3 runs: 2 done, 0 cached, 1 failed" in done.stdout
    spec = root / "content" / "a" / "runs.toml"
    line = spec.read_text().splitlines().index('trace_text = "xyz"') + 1
    assert f"{spec}:{line}: error[spec-trace-text]" in done.stderr, done.stderr
    assert len(list((root / ".cache" / "precompute").glob("*/*/run.json"))) == 2


def test_an_unreachable_scheduler_is_a_clear_error_and_writes_nothing(tmp_path):
    root = sweep(tmp_path / "p", 2)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    done = unrolled(root, "--engine", "dask", "--scheduler", f"tcp://127.0.0.1:{free_port()}", timeout=120)
    assert done.returncode == 1
    assert "error[engine-dask-unreachable]" in done.stderr and "hint:" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_without_dask_installed_the_engine_says_what_to_install(tmp_path):
    root = sweep(tmp_path / "p", 1)
    code = ("import sys; sys.modules['distributed'] = None; from unrolled.generator.cli import main; "
            f"sys.exit(main(['--project', {str(root)!r}, 'precompute', '--engine', 'dask']))")
    done = subprocess.run([sys.executable, "-c", code], env=ENV, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "error[engine-dask-missing]" in done.stderr and "unrolled[dask]" in done.stderr
    assert not (root / ".cache").exists()


def test_engine_settings_in_unrolled_toml_are_checked(tmp_path):
    root = sweep(tmp_path / "p", 1)
    (root / "unrolled.toml").write_text('[precompute]\nengine = "spark"\n')
    done = unrolled(root)
    assert done.returncode == 1 and "unrolled.toml:2: error[config-value]" in done.stderr
