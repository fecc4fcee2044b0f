"""A command killed at any moment (SIGKILL) leaves no process behind and no half-written cache entry;
the next run removes what the killed one left.

Everything runs the real CLI in subprocesses; the runs are tiny, killed long before their last epoch.
"""
from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.integration.test_precompute import wait_for_epochs

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "site" / "py")])}
SETTLE_SECONDS = 60  # hang guard: how long the processes of a killed command may take to go


def run_spec(name: str, epochs: int, seed: int = 0) -> str:
    return (f'[run.{name}]\ndataset = "square"\ncell = "gru"\nlayers = 1\nhidden = 4\nsequences = 25\n'
            f'batch = 25\nepochs = {epochs}\nseed = {seed}\n\n')


def living(group: int) -> list[str]:
    """Command lines of the processes in a process group that still run (a zombie has ended)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] not in "ZXx":
            found.append(f"{entry}: {command}")
    return found


def wait_until_gone(group: int) -> None:
    deadline = time.monotonic() + SETTLE_SECONDS
    while (alive := living(group)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive == [], f"processes outlived the killed command: {alive}"


def cli(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "generator", "--project", str(project), *args]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("jobs", [1, 2])
def test_killed_precompute_leaves_no_process_and_no_partial_entry(tmp_path, jobs):
    names = ["tiny", "small"][:jobs]
    spec_file = tmp_path / "runs.toml"
    spec_file.write_text("".join(run_spec(name, 2000, seed) for seed, name in enumerate(names)))
    cache = tmp_path / ".cache" / "precompute"
    proc = subprocess.Popen(cli(tmp_path, "precompute", str(spec_file), "--jobs", str(jobs)), env=ENV,
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_for_epochs(proc, names[-1], 10)  # training has started in every worker
        started = living(proc.pid)
        assert len(started) >= (1 if jobs == 1 else 3), started  # for --jobs 2: two workers besides the command
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    wait_until_gone(proc.pid)
    for run_dir in cache.glob("*") if cache.exists() else []:
        for entry in run_dir.iterdir():
            if entry.name.startswith(".tmp-"):
                assert not pid_alive(int(entry.name.rsplit("-", 1)[1])), entry
            else:
                assert (entry / "run.json").is_file(), f"incomplete entry {entry}"
    # the next run (of quicker settings for the same runs) finishes and leaves one complete entry per run
    spec_file.write_text("".join(run_spec(name, 1, seed) for seed, name in enumerate(names)))
    done = subprocess.run(cli(tmp_path, "precompute", str(spec_file), "--jobs", str(jobs), "--quiet"), env=ENV,
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for name in names:
        (entry,) = (cache / name).iterdir()
        assert (entry / "run.json").is_file()


WORKER = """
import os, sys, time
from precompute.lifeline import die_with_parent
die_with_parent(int(sys.argv[1]), kernel=False)
print(os.getpid(), flush=True)
time.sleep(600)
"""
MIDDLE = """
import os, subprocess, sys, time
subprocess.Popen([sys.executable, "-c", sys.argv[1], str(os.getpid())])
time.sleep(600)
"""


def test_watchdog_ends_a_worker_whose_parent_died_without_the_kernel_signal():
    """The fallback where prctl is missing: a thread notices that the parent is gone."""
    middle = subprocess.Popen([sys.executable, "-c", MIDDLE, WORKER], env=ENV, stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        assert select.select([middle.stdout], [], [], SETTLE_SECONDS)[0], "the worker did not start"
        worker = int(middle.stdout.readline())
        assert pid_alive(worker) and len(living(middle.pid)) == 2
    finally:
        middle.kill()
        middle.wait()
        middle.stdout.close()
    wait_until_gone(middle.pid)

