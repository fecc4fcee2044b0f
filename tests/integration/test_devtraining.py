"""`unrolled serve` serves at once while stale runs train in the background: pages that need a training
run show a notice naming it with its epochs, held back from the site folder; when the run lands the page
is rebuilt and reloads; a failed run, or a claim its data contradicts, is shown like any build error.

Real training of tiny runs, real processes, real HTTP. Orders of events are asserted, never durations.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from unrolled.generator.build import SiteBuild
from unrolled.generator.config import load_project
from tests.conftest import ROOT
from tests.integration.test_devserver import (EventReader, article, assert_same_as_plain_build, edit, get, read_tree,
                                              running, tiny_project, write)

SPEC = ('[run.{name}]\ndataset = "square"\ncell = "gru"\nlayers = 1\nhidden = 4\nsequences = 25\nbatch = 25\n'
        'window = 8\nepochs = {epochs}\n{extra}\n')
ENV = {**os.environ, "OMP_NUM_THREADS": "1",
       "PYTHONPATH": os.pathsep.join([str(ROOT / "tests" / "pythonpath"), str(ROOT / "site" / "py")])}
SLOW_EPOCHS = 3000  # long enough to report progress before it lands


def entry(root, run: str) -> list:
    """The cache entries of `run` (slot folders are `<run>@<spec digest>`)."""
    return sorted((root / ".cache" / "precompute").glob(f"{run}@*/*/run.json"))


def cli(root, *args):
    return subprocess.run([sys.executable, "-m", "unrolled.generator", "--project", str(root), *args],
                          capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=600)


def project_with_a_slow_run(tmp_path, epochs: int = SLOW_EPOCHS):
    """Alpha: prose, math, a figure of a run trained beforehand, and a figure, an inline value and a
    claim that need a run still to train."""
    root = tiny_project(tmp_path)
    alpha = root / "content" / "alpha"
    write(alpha / "ready.toml", SPEC.format(name="r-fast", epochs=2, extra=""))
    write(alpha / "slow.toml", SPEC.format(name="r-slow", epochs=epochs, extra=""))
    write(alpha / "index.md", article(
        "Alpha", "Prose that stays readable, with math $x_t = \\tanh(h_t)$.\n\n"
                 "```{predictions}\nrun: r-fast\n```\n\n"
                 "The slow run ends at {val}`r-slow.loss.final:.3f`.\n\n"
                 "```{claim}\nr-slow.loss.final < 100\n```\n\n"
                 "```{predictions}\nrun: r-slow\n```",
        extra="runs: [ready.toml, slow.toml]\n"))
    done = cli(root, "precompute", "--quiet", str(alpha / "ready.toml"))
    assert done.returncode == 0, done.stderr
    assert entry(root, "r-fast") and not entry(root, "r-slow")
    return root


def test_serves_at_once_with_a_notice_that_follows_the_run_and_reloads_when_it_lands(tmp_path):
    root = project_with_a_slow_run(tmp_path)
    with running(root, background=True) as (dev, url):
        first = dev.attempts[0]
        assert first.ok, first.error
        assert "beta/index.html" in first.written and "alpha/index.html" not in first.written
        assert "alpha/index.html" in dev.state.held  # served from memory, never written while it waits
        events = EventReader(url)
        try:
            hello = events.next("hello")
            status, _, page = get(url + "alpha/")
            assert not entry(root, "r-slow")  # the page was served while its run had no cache entry
            assert status == 200 and not (dev.project.out_dir / "alpha" / "index.html").exists()
            text = page.decode()
            assert "Prose that stays readable" in text and "katex" in text  # prose and math as usual
            assert "Predictions of run r-fast" in text  # the ready figure is drawn
            assert "Predictions of run r-slow" not in text
            assert text.count("<code>r-slow</code>") == 3  # figure, inline value and claim name the run
            assert "This <code>{predictions}</code> figure appears when it is done" in text
            assert "The claim here is checked when it is done" in text
            assert re.search(rf'<progress max="{SLOW_EPOCHS}" value="\d+"[^>]*></progress> '
                             rf'<span data-unrolled-epochs>epoch \d+ of {SLOW_EPOCHS}</span>', text)
            assert text.count('src="/__unrolled/livereload.js"') == 1  # injected once, as on any page
            assert b"Beta stays as it is." in get(url + "beta/")[2]  # a page without runs, on disk

            slow = [r for r in (hello["training"] or events.next("training")["runs"]) if r["run"] == "r-slow"]
            assert slow and slow[0]["total"] == SLOW_EPOCHS
            assert f'data-unrolled-run="{slow[0]["id"]}"' in text
            while True:  # progress arrives while it trains
                runs = {r["run"]: r for r in events.next("training")["runs"]}
                if "r-slow" in runs and 0 < runs["r-slow"]["done"] < SLOW_EPOCHS:
                    break
            assert not entry(root, "r-slow")

            reload = events.next("reload", timeout=600)
            while "/alpha/" not in reload["changed"]:
                reload = events.next("reload", timeout=600)
            assert entry(root, "r-slow")
            landed = dev.attempts[-1]
            assert landed.ok and "run r-slow" in landed.triggers and "alpha/index.html" in landed.written
            served = get(url + "alpha/")[2]
            assert b"Predictions of run r-slow" in served and b"data-unrolled-training" not in served
            assert b"livereload.js" not in (dev.project.out_dir / "alpha" / "index.html").read_bytes()
            assert not dev.state.held and dev.error is None
        finally:
            events.close()
        assert_same_as_plain_build(dev, frozen=True)


def test_a_failed_run_and_then_a_false_claim_show_in_the_overlay(tmp_path):
    root = tiny_project(tmp_path)
    runs, source = root / "content" / "alpha" / "runs.toml", root / "content" / "alpha" / "index.md"
    diverges = SPEC.format(name="r", epochs=30, extra='optimizer = "sgd"\nlr = 10').replace(
        'cell = "gru"', 'cell = "rnn"').replace("hidden = 4", "hidden = 16").replace("batch = 25", "batch = 5")
    write(runs, diverges)
    text = article("Alpha", "```{claim}\nr.loss.final > 1000\n```\n\n```{predictions}\nrun: r\n```",
                   extra="runs: runs.toml\n")
    write(source, text)
    with running(root, background=True) as (dev, url):
        assert dev.attempts[0].ok and "alpha/index.html" in dev.state.held
        events = EventReader(url)
        try:
            events.next("hello")
            error = events.next("builderror", timeout=600)
            assert error["rule"] == "run-diverged" and error["file"] == "content/alpha/runs.toml"
            assert error["line"] == diverges.split("\n").index("lr = 10") + 1 and error["hint"]
            assert not entry(root, "r") and b"data-unrolled-training" in get(url + "alpha/")[2]
            assert "error[run-diverged]" in dev.log_err.getvalue()

            write(runs, diverges.replace('"sgd"', '"adam"').replace("lr = 10", "lr = 0.01"))  # retrained
            error = events.next("builderror", timeout=600)
            assert error["rule"] == "claim-false", error
            assert (error["file"], error["line"]) == ("content/alpha/index.md", text.split("\n").index("r.loss.final > 1000") + 1)
            assert entry(root, "r")

            attempt = edit(dev, source, text.replace("r.loss.final > 1000", "r.loss.final < 1000"))
            assert attempt.ok and dev.error is None and not dev.state.held
            assert b"Predictions of run r" in get(url + "alpha/")[2]
        finally:
            events.close()


def test_build_still_waits_for_every_run_and_writes_no_notice(tmp_path):
    root = project_with_a_slow_run(tmp_path, epochs=20)
    result = cli(root, "build", "--quiet")
    assert result.returncode == 0, result.stderr
    assert entry(root, "r-slow")  # trained before the build returned
    site = read_tree(load_project(root).out_dir)
    assert b"Predictions of run r-slow" in site["alpha/index.html"]
    assert not [name for name, data in site.items() if b"data-unrolled-training" in data or b"unrolled-training" in data]
    assert site == SiteBuild(load_project(root), frozen=True, show_progress=False).run()


def trainers(pid: int) -> set[int]:
    """The Python processes `pid` started with multiprocessing (the training process)."""
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if (f"\nPPid:\t{pid}\n" in status.read_text()
                    and b"multiprocessing" in (status.parent / "cmdline").read_bytes()):
                found.add(int(status.parent.name))
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        return "(zombie)" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_cli_serve_prints_its_url_before_the_run_lands_and_stops_training_when_stopped(tmp_path):
    root = project_with_a_slow_run(tmp_path, epochs=100_000)
    proc = subprocess.Popen([sys.executable, "-m", "unrolled.generator", "--project", str(root), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=ENV)
    try:
        lines = []
        while not (found := re.search(r"http://127\.0\.0\.1:\d+/", lines[-1] if lines else "")):
            lines.append(proc.stdout.readline())
            assert lines[-1], "serve ended without printing its URL"
        assert any("training 1 run in the background" in line for line in lines), lines
        page = get(found.group(0) + "alpha/")[2]
        assert not entry(root, "r-slow")  # served while the run trains
        assert b"<strong>Training:</strong>" in page and b"run <code>r-slow</code>" in page
        assert b"Predictions of run r-fast" in page
        training = trainers(proc.pid)
        assert training  # the training process
    finally:
        proc.terminate()
        proc.communicate(timeout=60)
    while [pid for pid in training if alive(pid)]:
        time.sleep(0.1)  # it dies with the server (PR_SET_PDEATHSIG); a stuck one fails the run by timeout
    assert not entry(root, "r-slow")
    assert not (load_project(root).out_dir / "alpha" / "index.html").exists()  # never written while it waited


def test_the_runner_reports_every_epoch_and_each_run_as_it_ends_in_its_pool_too(tmp_path):
    """What the trainer relies on: `precompute` hears each epoch and each outcome before it returns."""
    from unrolled.precompute.runner import precompute
    from unrolled.precompute.spec import load_specs

    path = tmp_path / "runs.toml"
    write(path, SPEC.format(name="a", epochs=3, extra="") + SPEC.format(name="b", epochs=4, extra="")
          + SPEC.format(name="c", epochs=5, extra='optimizer = "sgd"\nlr = 10').replace("hidden = 4", "hidden = 16")
          .replace('cell = "gru"\nlayers = 1\nhidden = 16\nsequences = 25\nbatch = 25', 'cell = "rnn"\nlayers = 1\n'
                   'hidden = 16\nsequences = 25\nbatch = 5'))
    specs = load_specs(path, root=tmp_path)
    for jobs in (1, 2):
        epochs, ended = {}, []
        outcomes = precompute(specs, tmp_path / f"cache{jobs}", jobs=jobs, show_progress=False,
                              on_epoch=lambda spec, epoch: epochs.setdefault(spec.name, []).append(epoch),
                              on_outcome=lambda spec, outcome: ended.append((spec.name, outcome.status)))
        assert sorted(ended) == [("a", "done"), ("b", "done"), ("c", "failed")], jobs
        assert [(o.name, o.status) for o in outcomes] == [("a", "done"), ("b", "done"), ("c", "failed")]
        assert sorted(epochs["a"]) == [0, 1, 2, 3] and sorted(epochs["b"]) == [0, 1, 2, 3, 4], jobs
        assert outcomes[2].problem.rule == "run-diverged"


def test_page_wide_checks_wait_for_the_run_then_hold(tmp_path):
    """A cell that drives a figure still training is no error while the page waits; once the run lands
    the page is checked like any other, so a cell driving a figure that is not there is reported."""
    root = tiny_project(tmp_path)
    runs, source = root / "content" / "alpha" / "runs.toml", root / "content" / "alpha" / "index.md"
    write(runs, SPEC.format(name="r", epochs=20, extra=""))
    cell = "```{{pyodide}}\ndrives: {}\n\nprint(1)\n```"
    text = article("Alpha", "```{predictions}\nrun: r\n```\n\n" + cell.format("w1-predictions") + "\n\n"
                   + cell.format("w9-loss"), extra="runs: runs.toml\n")
    write(source, text)
    with running(root, background=True) as (dev, url):
        assert dev.attempts[0].ok and "alpha/index.html" in dev.state.held and not entry(root, "r")
        events = EventReader(url)
        try:
            events.next("hello")
            error = events.next("builderror", timeout=600)  # the run landed: the page is checked
            assert error["rule"] == "ref-drives" and "w9-loss" in error["message"], error
            assert error["line"] == text.split("\n").index("drives: w9-loss") + 1
            assert entry(root, "r")
            attempt = edit(dev, source, text.replace(cell.format("w9-loss"), ""))
            assert attempt.ok and not dev.state.held and "alpha/index.html" in attempt.written
        finally:
            events.close()
