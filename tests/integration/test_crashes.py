"""A command killed at any moment (SIGKILL) leaves no process behind, no half-written cache entry and a
complete `_site/`; the next run removes what the killed one left. Unwritable folders fail cleanly.

Everything runs the real CLI in subprocesses; the runs are tiny, killed long before their last epoch.
"""
from __future__ import annotations

import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager, nullcontext
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
    return [sys.executable, "-m", "unrolled.generator", "--project", str(project), *args]


def read_to_end(fd: int) -> None:
    """Read a pipe until every process writing to it has gone, so none of them blocks on a full pipe."""
    while os.read(fd, 65536):
        pass


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
        # keep reading stderr: the resource tracker reports its clean-up there before it exits
        drain = threading.Thread(target=read_to_end, args=(proc.stderr.fileno(),), daemon=True)
        drain.start()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    wait_until_gone(proc.pid)
    drain.join(timeout=SETTLE_SECONDS)
    proc.stderr.close()
    for run_dir in [d for d in cache.glob("*") if d.is_dir()] if cache.exists() else []:
        for entry in run_dir.iterdir():
            if entry.name.startswith(".tmp-"):
                assert not pid_alive(int(entry.name.rsplit("-", 1)[1])), entry
            else:
                assert (entry / "run.json").is_file(), f"incomplete entry {entry}"
    # the next run (of quicker settings for the same runs) finishes and leaves one complete entry per run
    spec_file.write_text("".join(run_spec(name, 1, seed) for seed, name in enumerate(names)))
    done = subprocess.run(cli(tmp_path, "precompute", str(spec_file), "--jobs", "1", "--quiet"), env=ENV,
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for name in names:
        (slot,) = cache.glob(f"{name}@*")
        (entry,) = [e for e in slot.iterdir() if not e.name.startswith(".")]
        assert (entry / "run.json").is_file()


WORKER = """
import os, sys, time
from unrolled.precompute.lifeline import die_with_parent
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


# -- unrolled build ---------------------------------------------------------------------------------

def missing_references(site: Path) -> list[str]:
    """Files the site's pages reference (styles, scripts, modules, data, internal links) that are absent;
    a site without its front page misses that first."""
    from unrolled.generator.report import parse, resolve

    if not (site / "index.html").is_file():
        return ["index.html"]
    missing = []
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site).as_posix()
        refs = parse(page.read_text(encoding="utf-8"))
        urls = refs.styles + refs.scripts + refs.data + list(json.loads(refs.map_text or '{"imports": {}}')["imports"].values())
        urls += [u for u in refs.links if not u.startswith(("#", "http:", "https:", "mailto:"))]
        for url in urls:
            target = site / resolve(rel, url.split("#")[0].split("?")[0])
            if not (target.is_file() or (target / "index.html").is_file()):
                missing.append(f"{rel} -> {url}")
    return missing


def leftovers(project: Path) -> list[str]:
    return sorted(p.name for p in project.iterdir() if p.name.startswith("_site.") and p.name != "_site")


@pytest.fixture
def frozen_project(built_project, tmp_path):
    """A copy of the built slice project (content and trained cache) with its site built."""
    shutil.copytree(built_project.root / "content", tmp_path / "content")
    shutil.copytree(built_project.cache_dir, tmp_path / ".cache" / "precompute")
    first = subprocess.run(cli(tmp_path, "build", "--frozen", "--quiet", "--jobs", "1"), env=ENV, cwd=tmp_path,
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    return tmp_path


def test_killed_build_always_leaves_a_complete_site_and_the_next_build_cleans_up(frozen_project):
    project, site = frozen_project, frozen_project / "_site"
    article = project / "content" / "slice" / "index.md"
    text = article.read_text()
    gaps, stop = [], threading.Event()

    def watch():  # the site must exist at every instant, also during a swap
        while not stop.is_set():
            if not (site / "index.html").is_file():
                gaps.append(time.monotonic())
            time.sleep(0.0002)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    rng = random.Random(7)
    try:
        for i in range(6):
            article.write_text(text + f"\nEdit number {i}.\n")  # each build swaps in different bytes
            proc = subprocess.Popen(cli(project, "build", "--frozen", "--quiet", "--jobs", "1"), env=ENV, cwd=project,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            if i % 2:  # somewhere in the whole build
                time.sleep(rng.uniform(0.5, 4.0))
            else:  # while the site is being written or swapped: after its temp folder appears
                staging = project / f"_site.tmp-{proc.pid}"
                deadline = time.monotonic() + SETTLE_SECONDS
                while not staging.exists() and proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.001)
                time.sleep(rng.uniform(0, 0.05))
            proc.kill()
            proc.wait()
            wait_until_gone(proc.pid)  # KaTeX's node process too
            assert missing_references(site) == []
    finally:
        stop.set()
        watcher.join()
    assert gaps == [], "the site folder was missing or incomplete for a moment"
    done = subprocess.run(cli(project, "build", "--frozen", "--quiet", "--jobs", "1"), env=ENV, cwd=project,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert leftovers(project) == [] and missing_references(site) == []
    assert "Edit number 5." in (site / "slice" / "index.html").read_text()


def test_next_build_removes_only_what_a_build_left(frozen_project):
    from unrolled.generator.swap import MARKER

    project = frozen_project
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has ended
    killed = project / f"_site.tmp-{pid}"  # what a build killed while writing leaves
    (killed / "site" / "data").mkdir(parents=True)
    (killed / MARKER).write_bytes(b"")
    (killed / "site" / "data" / "half.json").write_text('{"trunc')
    emptied = project / f"_site.tmp-{pid + 1}"  # a removal cut short after its marker went
    emptied.mkdir()
    mine = {project / f"_site.tmp-{pid + 2}": "no marker", project / "_site.tmp-notes": "not a pid",
            project / f"_site.tmp-{os.getppid()}": "a live process"}
    for folder, words in mine.items():
        folder.mkdir()
        (folder / MARKER).write_text(words) if "live" in words else (folder / "keep.txt").write_text(words)
    done = subprocess.run(cli(project, "build", "--frozen", "--quiet"), env=ENV, cwd=project, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert not killed.exists() and not emptied.exists()
    assert leftovers(project) == sorted(p.name for p in mine)


@contextmanager
def immutable(path: Path, root: Path):
    """`chattr +i`: even root can then neither create, rename nor delete entries in that folder. Undone
    for everything under `root` afterwards, wherever a build may have moved the folder."""
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.fail("chattr +i is not available on this filesystem: the read-only cases cannot be set up")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-R", "-i", str(root)], check=True)


@pytest.mark.parametrize("case", ["project folder", "site folder", "folder inside the site", "output under a file"])
def test_unwritable_output_is_a_clear_error_and_leaves_nothing(frozen_project, case):
    project, site = frozen_project, frozen_project / "_site"
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    (project / "content" / "slice" / "index.md").write_text("---\ntitle: Changed\n---\n\nNew text.\n")
    if case == "output under a file":
        (project / "notes").write_text("a file, not a folder")
        (project / "unrolled.toml").write_text('[site]\noutput = "notes/_site"\n')
    locked = {"project folder": project, "site folder": site, "folder inside the site": site / "data"}.get(case)
    with immutable(locked, project) if locked else nullcontext():
        result = subprocess.run(cli(project, "build", "--frozen", "--quiet"), env=ENV, cwd=project,
                                capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "error[output-unwritable]" in result.stderr and "hint:" in result.stderr
    assert "Traceback" not in result.stderr
    assert leftovers(project) == []
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before


def test_unwritable_cache_is_a_clear_error_and_leaves_nothing(tmp_path):
    spec_file = tmp_path / "spec" / "runs.toml"
    spec_file.parent.mkdir()
    spec_file.write_text(run_spec("tiny", 1))
    project = tmp_path / "project"
    project.mkdir()
    with immutable(project, project):
        result = subprocess.run(cli(project, "precompute", str(spec_file), "--quiet", "--jobs", "1"), env=ENV,
                                cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1
    assert "error[cache-unwritable]" in result.stderr and "hint:" in result.stderr
    assert "Traceback" not in result.stderr
    assert os.listdir(project) == []
