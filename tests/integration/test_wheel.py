"""The wheel alone is Unrolled: built from this checkout, installed into fresh venvs outside it, used in
empty folders with neither the checkout on PYTHONPATH nor npm packages anywhere.

Python 3.11 (torch 2.13.0 on this machine's disk): `unrolled init`, a real `unrolled build` that trains
the starter runs, and the built site opened at a sub-path (`/_site/`) in Chromium: every widget
hydrates, a Python cell runs on the Pyodide core the wheel carries, and nothing leaves 127.0.0.1.
Python 3.12 and 3.13 (no CPU torch for them here): the wheel's dependencies except torch, a build of
the 3.11 project from its warm cache (byte-identical to the 3.11 site), and a clear error when a run
would need training.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from unrolled.generator.bundled import NPM_FILES
from unrolled.generator.serve import make_server, url_of

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(1800)]
PYTHONS = {version: Path(f"/root/.pyenv/versions/{version}/bin/python") for version in ("3.11.7", "3.12.1", "3.13.0")}
WIDGETS = {"predictions", "loss", "network", "cell", "gradients", "pyodide", "error-strip"}
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
TORCH = next(d for d in PROJECT["dependencies"] if d.startswith("torch=="))


def run(cmd, cwd: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True)
    if check:
        assert done.returncode == 0, f"{cmd} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return done


def clean_env(venv: Path | None = None) -> dict:
    """This process's environment without the checkout: no PYTHONPATH, no active venv; `venv` first on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    if venv is not None:
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """`pip wheel` of a copy of the checkout's files (so no stale build/ folder leaks in)."""
    src = tmp_path_factory.mktemp("src") / "unrolled"
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT, clean_env())
    for name in filter(None, listed.stdout.split("\0")):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    (src / "node_modules").symlink_to(ROOT / "node_modules")
    out = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", src, "--no-deps", "-w", out, "-q"], out, clean_env())
    [built] = out.glob("unrolled-*.whl")
    print(f"\nwheel: {built.name} {built.stat().st_size / 1e6:.1f} MB")
    return built


def make_venv(where: Path, python: Path) -> Path:
    venv = where / f"venv-{python.parent.parent.name}"
    run([python, "-m", "venv", venv], where, clean_env())
    return venv


def dependencies(without: str) -> list[str]:
    return [d for d in PROJECT["dependencies"] if not re.match(rf"{without}\s*==", d)]


@pytest.fixture(scope="module")
def site311(wheel, tmp_path_factory):
    """Python 3.11: the wheel with its dependencies (torch from this machine's disk), then `unrolled init
    mysite` and `unrolled build` in an empty folder."""
    where = tmp_path_factory.mktemp("py311")
    venv = make_venv(where, PYTHONS["3.11.7"])
    env = clean_env(venv) | {"OMP_NUM_THREADS": "1"}
    run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheel], where, env)
    found = run([venv / "bin" / "python", "-c", "import unrolled.generator as g, unrolled_lite as l; "
                 "print(g.__file__); print(l.__file__)"], where, env).stdout.split()
    assert all(Path(f).is_relative_to(venv) for f in found), found  # the installed copy, not the checkout
    work = where / "empty"
    work.mkdir()
    created = run([venv / "bin" / "unrolled", "init", "mysite"], work, env)
    assert "created content/first-article/index.md" in created.stdout
    project = work / "mysite"
    built = run([venv / "bin" / "unrolled", "build", "--strict", "--quiet"], project, env)
    assert "built 2 pages" in built.stdout
    return venv, project, env


def test_init_then_build_with_the_wheel_alone(site311):
    venv, project, env = site311
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()
                  and not p.is_relative_to(project / "_site") and not p.is_relative_to(project / ".cache")) == [
        ".github/workflows/pages.yml", ".gitignore", "content/first-article/index.md",
        "content/first-article/runs.toml", "content/widgets/error-strip.css", "content/widgets/error-strip.js",
        "content/widgets/error-strip.toml", "unrolled.toml"]
    workflow = (project / ".github" / "workflows" / "pages.yml").read_text()
    assert f"UNROLLED: unrolled=={PROJECT['version']}" in workflow and f"{TORCH} --index-url" in workflow
    steps = yaml.safe_load(workflow)["jobs"]["build"]["steps"]
    assert steps[-1] == {"uses": "actions/upload-pages-artifact@v3.0.1", "with": {"path": "_site"}}
    html = (project / "_site" / "first-article" / "index.html").read_text()
    assert set(re.findall(r'data-widget="([a-z-]+)"', html)) == WIDGETS and "<math" in html
    assert not re.search(r'(?:href|src)="/', html), "a root-relative URL breaks hosting under a sub-path"
    # the Pyodide core the site serves is the wheel's copy of the npm package, byte for byte
    core = next((project / "_site" / "pyodide").iterdir())
    for name in ("pyodide.asm.wasm", "python_stdlib.zip"):
        assert (core / name).read_bytes() == (ROOT / "node_modules" / "pyodide" / name).read_bytes()
    installed = next(venv.glob("lib/python3.11/site-packages/unrolled"))
    assert sorted(p.relative_to(installed / "node_modules").as_posix()
                  for p in (installed / "node_modules").rglob("*") if p.is_file()) == sorted(
        f"{package}/{name}" for package, names in NPM_FILES.items() for name in names)


def test_built_site_works_under_a_sub_path_in_chromium(site311, page):
    _, project, _ = site311
    server = make_server(project, 0)  # the project folder as the web root: the site lives at /_site/
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.goto(url_of(server) + "_site/first-article/")
        for figure in page.locator("[data-widget]").all():
            figure.scroll_into_view_if_needed()
        page.wait_for_function("() => [...document.querySelectorAll('[data-widget]')]"
                               ".every(f => f.dataset.state === 'ready')", timeout=60_000)
        hello = page.locator("#cell-hello")
        hello.locator(".py-run").click()
        page.wait_for_function("() => ['done', 'error', 'unavailable'].includes("
                               "document.getElementById('cell-hello').dataset.run)", timeout=120_000)
        assert hello.get_attribute("data-run") == "done", hello.locator(".py-output").text_content()
        assert "Hello from Python in your browser" in hello.locator(".py-output").text_content()
        page.goto(url_of(server) + "_site/")
        page.get_by_role("link", name="First article").first.click()
        page.wait_for_url("**/_site/first-article/")
    finally:
        server.shutdown()
        server.server_close()


def test_missing_node_is_a_clear_error(site311, tmp_path):
    venv, project, env = site311
    copy = tmp_path / "copy"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns("_site"))
    no_node = env | {"PATH": str(venv / "bin")}  # the venv's commands, but no `node`
    done = run([venv / "bin" / "unrolled", "build", "--quiet"], copy, no_node, check=False)
    assert done.returncode == 1 and "error[node-missing]" in done.stderr and "install Node.js" in done.stderr
    assert not (copy / "_site").exists()


@pytest.mark.parametrize("version", ["3.12.1", "3.13.0"])
def test_newer_python_builds_a_warm_cache_without_torch(site311, wheel, tmp_path, version):
    _, project, _ = site311
    venv = make_venv(tmp_path, PYTHONS[version])
    env = clean_env(venv) | {"OMP_NUM_THREADS": "1"}
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "-q", "--no-deps", wheel], tmp_path, env)
    run([python, "-m", "pip", "install", "-q", *dependencies(without="torch")], tmp_path, env)
    assert run([python, "-c", "import torch"], tmp_path, env, check=False).returncode == 1
    copy = tmp_path / "mysite"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns("_site"))
    run([venv / "bin" / "unrolled", "build", "--strict", "--quiet"], copy, env)
    ours = {p.relative_to(copy / "_site"): p.read_bytes() for p in (copy / "_site").rglob("*") if p.is_file()}
    theirs = {p.relative_to(project / "_site"): p.read_bytes() for p in (project / "_site").rglob("*") if p.is_file()}
    assert ours.keys() == theirs.keys() and all(ours[k] == theirs[k] for k in ours)
    runs = copy / "content" / "first-article" / "runs.toml"
    runs.write_text(runs.read_text().replace("seed = 0", "seed = 1"))
    stale = run([venv / "bin" / "unrolled", "build", "--quiet"], copy, env, check=False)
    assert stale.returncode == 1 and "error[torch-missing]" in stale.stderr, stale.stderr
    assert f"{runs}:" in stale.stderr and f"pip install {TORCH}`" in stale.stderr
