"""Building the bundled content: real numbers in the static first frame, reproducible bytes, clear CLI."""
import os
import re
import shutil
import subprocess
import sys
import urllib.request

import numpy as np
import pytest

from unrolled.generator.build import SiteBuild, build
from unrolled.generator.config import load_project
from unrolled.precompute.cache import entry_dir
from unrolled.precompute.documents import load
from tests.conftest import ROOT, copy_project, polyline_values

PAGE = "slice/index.html"


def predictions_doc(project):
    from unrolled.generator.build import discover

    (page,) = [p for p in discover(project) if p.slug == "slice"]
    return load(entry_dir(project.cache_dir, page.specs["sine-lstm"]) / "predictions.json")


def static_series(html: str) -> dict:
    svg = re.search(r"<svg class=\"plot\"[^>]*>", html).group(0)
    attrs = dict(re.findall(r'(data-p?[xy][01])="([^"]+)"', svg))
    return {name: polyline_values(points, attrs)
            for name, points in re.findall(r'data-series="([a-z-]+)" fill="none" points="([^"]+)"', html)}


def test_first_frame_in_html_shows_the_real_numbers(built_project):
    html = (built_project.out_dir / PAGE).read_text()
    doc = predictions_doc(built_project)
    snap = doc["snapshots"][-1]
    series = static_series(html)
    span = 3.0
    for name, values in [("input", snap["input"]), ("target", snap["target"]), ("prediction", snap["prediction"]),
                         ("rollout", snap["rollout"]["prediction"])]:
        np.testing.assert_allclose(series[name], values, atol=1e-3 * span, err_msg=name)
    assert f"<td>{snap['prediction'][0]:.4f}</td>" in html
    assert 'data-widget="predictions"' in html and "<figcaption>" in html


def test_page_references_hashed_assets_and_data(built_project):
    html = (built_project.out_dir / PAGE).read_text()
    src = re.search(r'data-src="\.\./(data/[0-9a-f]{16}\.json)"', html).group(1)
    assert (built_project.out_dir / src).exists()
    for asset in re.findall(r'"\.\./(assets/[^"]+)"', html):
        assert re.search(r"\.[0-9a-f]{12}\.(js|css)$", asset) and (built_project.out_dir / asset).exists()
    assert "</script" not in re.search(r'<script type="importmap">(.*?)</script>', html, re.S).group(1)


def test_two_builds_are_byte_identical(built_project, tmp_path):
    first = SiteBuild(built_project, show_progress=False).run()
    fresh = load_project(copy_project(tmp_path))  # new cache: trains again from scratch
    second = build(fresh, show_progress=False)
    assert sorted(first) == sorted(second)
    assert all(first[name] == second[name] for name in first)
    on_disk = {p.relative_to(fresh.out_dir).as_posix(): p.read_bytes() for p in fresh.out_dir.rglob("*") if p.is_file()}
    assert on_disk == second


@pytest.mark.parametrize("seed, jobs", [("1", "1"), ("4242", "2")])
def test_hash_seed_and_job_count_do_not_change_a_byte(built_project, tmp_path, seed, jobs):
    """The command in fresh processes, with another string-hash seed and job count, writes the same site."""
    root = copy_project(tmp_path)
    shutil.copytree(built_project.cache_dir, root / ".cache" / "precompute")
    done = subprocess.run([sys.executable, "-m", "unrolled.generator", "--project", str(root), "build", "--frozen",
                           "--jobs", jobs, "--quiet"], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "PYTHONHASHSEED": seed})
    assert done.returncode == 0, done.stderr
    tree = lambda folder: {p.relative_to(folder).as_posix(): p.read_bytes()  # noqa: E731
                           for p in folder.rglob("*") if p.is_file()}
    assert tree(root / "_site") == tree(built_project.out_dir)


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "unrolled.generator", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.mark.parametrize("command", [[], ["precompute"], ["build"], ["serve"]])
def test_help(command):
    result = run_cli(*command, "--help")
    assert result.returncode == 0 and "usage: unrolled" in result.stdout


def test_cli_unknown_directive_fails_and_keeps_site(built_project, tmp_path):
    project = load_project(copy_project(tmp_path))
    build(project, show_progress=False)
    before = (project.out_dir / PAGE).read_bytes()
    article = project.content_dir / "slice" / "index.md"
    text = article.read_text()
    article.write_text(text.replace("```{predictions}", "```{prediction}"))
    line = text.split("\n").index("```{predictions}") + 1
    result = run_cli("--project", str(project.root), "build", "--quiet")
    assert result.returncode == 1
    assert f"content/slice/index.md:{line}: error[directive-unknown]" in result.stderr
    assert "hint: known directives:" in result.stderr
    assert (project.out_dir / PAGE).read_bytes() == before
    assert not [p for p in project.root.iterdir() if p.name.startswith("_site.")]


def test_frozen_build_refuses_stale_runs(tmp_path):
    project = load_project(copy_project(tmp_path))
    result = run_cli("--project", str(project.root), "build", "--frozen")
    assert result.returncode == 1 and "error[frozen-stale]" in result.stderr and "sine-lstm" in result.stderr
    assert not project.out_dir.exists()


def test_serve_binds_loopback_and_sends_isolation_headers(built_project):
    proc = subprocess.Popen([sys.executable, "-m", "unrolled.generator", "--project", str(built_project.root), "serve",
                             "--no-build", "--port", "0"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        with urllib.request.urlopen(url + PAGE, timeout=10) as response:
            assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
            assert response.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
            assert b"data-widget" in response.read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_parallel_build_equals_serial_build(tmp_path):
    from unrolled.generator.build import PARALLEL_MIN_PAGES

    for n in range(PARALLEL_MIN_PAGES + 6):
        path = tmp_path / "content" / f"p{n:03d}" / "index.md"
        path.parent.mkdir(parents=True)
        path.write_text(f"---\ntitle: Page {n}\norder: {n}\n---\n## Part\n\nMath $x_{n}$ and [next](../p{(n + 1) % 70:03d}/).\n"
                        "\n```python\nprint('hi')\n```\n" + ("\n```{pyodide}\nprint('hi')\n```\n" if n == 5 else ""))
    project = load_project(tmp_path)
    serial = SiteBuild(project, jobs=1, show_progress=False).run()
    parallel = SiteBuild(project, jobs=2, show_progress=False).run()
    assert serial.keys() == parallel.keys() and all(serial[k] == parallel[k] for k in serial)
    # one page's cell, rendered in a worker, still brings the Pyodide runtime (its needs travel back)
    assert any(name.startswith("pyodide/") and name.endswith("pyodide.mjs") for name in parallel)


def test_built_site_carries_no_dev_server_code(built_project):
    html = (built_project.out_dir / PAGE).read_text()
    assert "livereload" not in html and "__unrolled" not in html
    assert not list(built_project.out_dir.rglob("*livereload*"))


def test_server_compresses_text_for_clients_that_accept_gzip(site_server, built_project):
    import gzip as gz

    request = urllib.request.Request(site_server + "slice/", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert gz.decompress(response.read()) == (built_project.out_dir / PAGE).read_bytes()
    with urllib.request.urlopen(site_server + "slice/", timeout=10) as response:  # no Accept-Encoding
        assert response.headers["Content-Encoding"] is None and b"data-widget" in response.read()
    with urllib.request.urlopen(site_server + "slice", timeout=10) as response:  # folder without slash
        assert response.url.endswith("/slice/")
