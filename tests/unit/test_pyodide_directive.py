"""{pyodide} cells at build time: option errors, the static first frame, the runtime files, the site's
Python zip (byte-identical across builds), `unrolled vendor-pyodide`, and the `unrolled_page` module."""
import hashlib
import html
import io
import json
import re
import subprocess
import sys
import zipfile

import pytest

from unrolled.generator import vendor
from unrolled.generator.build import build
from unrolled.generator.config import PYODIDE_PACKAGES, SITE_SOURCES, load_project
from unrolled.precompute.errors import UnrolledError
from tests.conftest import ROOT, run_async

HEAD = "---\ntitle: A\n---\n"  # the body starts on line 4
sys.path.insert(0, str(SITE_SOURCES / "py"))


def build_article(tmp_path, text, config=None):
    article = tmp_path / "content" / "a"
    article.mkdir(parents=True, exist_ok=True)
    (article / "index.md").write_text(text)
    if config is not None:
        (tmp_path / "unrolled.toml").write_text(config)
    project = load_project(tmp_path)
    return project, build(project, show_progress=False)


def build_error(tmp_path, text) -> UnrolledError:
    with pytest.raises(UnrolledError) as info:
        build_article(tmp_path, text)
    return info.value


def cell_options(page_html: str) -> list[dict]:
    return [json.loads(html.unescape(raw)) for raw in re.findall(r'data-widget="pyodide" data-options="([^"]*)"',
                                                                  page_html)]


CELL = "```{pyodide}\n%s\nprint(1)\n```\n"


@pytest.mark.parametrize("body, rule, line, words", [
    ("```{pyodide}\nid: a\n\nx = 1\n```\n\n```{pyodide}\nid: a\n\ny = 2\n```\n", "pyodide-id-duplicate", 11,
     "cell id 'a' is already used by the cell at line 4"),
    ("```{pyodide}\n\nx = 1\n```\n\n```{pyodide}\nid: cell-1\n\ny = 2\n```\n", "pyodide-id-duplicate", 10,
     "already used"),
    (CELL % "timeout: 0\n", "option-value", 5, "timeout must be a number of seconds above 0"),
    (CELL % "timeout: -3\n", "option-value", 5, "above 0"),
    (CELL % "timeout: nan\n", "option-value", 5, "above 0"),
    (CELL % "timeout: soon\n", "option-type", 5, "expects a number"),
    (CELL % "autorun: maybe\n", "option-type", 5, "expects true or false"),
    (CELL % "id: 2fast\n", "option-value", 5, "is not an identifier"),
    (CELL % "session: two words\n", "option-value", 5, "is not a name"),
    (CELL % "packages: numpy, nosuchpackage\n", "option-value", 5, "'nosuchpackage' is not in the Pyodide"),
    (CELL % "id: x\ndrives: w9-loss\n", "ref-drives", 6, "no widget with that id"),
    (CELL % "drives: not an id!\n", "option-value", 5, "is not an element id"),
    ("```{pyodide}\nid: x\n\n```\n", "directive-body", 4, "needs a body"),
    (CELL % "colour: red\n", "option-unknown", 5, "unknown option 'colour'"),
])
def test_cell_option_errors(tmp_path, body, rule, line, words):
    error = build_error(tmp_path, HEAD + body)
    assert (error.rule, error.line) == (rule, line), str(error)
    assert error.file.endswith("content/a/index.md")
    assert words in error.message and error.hint, str(error)
    assert not (tmp_path / "_site").exists()


def test_drives_may_name_a_widget_later_on_the_page(tmp_path):
    _, files = build_article(tmp_path, HEAD + CELL % "drives: cell-2\n" + "\n" + CELL % "")
    assert cell_options(files["a/index.html"].decode())[0]["drives"] == ["cell-2"]


def test_static_first_frame_and_options(tmp_path):
    code = 'def f(x):\n    return x * 2  # twice\n\n\nprint(f(21))'
    project, files = build_article(tmp_path, HEAD + "Text.\n\n```{pyodide}\nid: twice\ntimeout: 2.5\n"
                                   "packages: numpy\nsession: s1\nautorun: true\nedit: false\n\n" + code + "\n```\n\n"
                                   + CELL % "")
    page = files["a/index.html"].decode()
    first, second = cell_options(page)
    assert first["code"] == code and first["id"] == "twice" and first["filename"] == "<cell-twice>"
    assert (first["timeout"], first["packages"], first["session"], first["autorun"], first["edit"]) == (
        2.5, ["numpy"], "s1", True, False)
    assert second["id"] == "cell-2" and second["filename"] == "<cell-2>" and second["timeout"] == 30
    assert second["session"] == "default" and second["edit"] is True and second["drives"] == []
    runtime = first["runtime"]
    assert runtime["packages"] == PYODIDE_PACKAGES
    assert re.fullmatch(r"\.\./pyodide/[0-9a-f]{12}/", runtime["index"])
    assert re.fullmatch(r"\.\./assets/py/unrolled\.[0-9a-f]{12}\.zip", runtime["zip"])
    # readable without scripts: Pygments-highlighted code, no controls in the HTML
    assert '<span class="k">def</span>' in page and '<span class="c1"># twice</span>' in page
    assert "<button" not in page and 'id="cell-twice"' in page and 'id="cell-2"' in page
    static = re.search(r'<pre class="highlight py-static"[^>]*><code>(.*?)</code></pre>', page, re.S).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", static)) == code
    assert "css/pyodide." in page
    for name in vendor.CORE_FILES:
        assert (project.out_dir / runtime["index"][3:] / name).read_bytes() == (vendor.NPM_CORE / name).read_bytes()
    assert (project.out_dir / runtime["zip"][3:]).exists()


def test_runtime_only_for_pages_with_cells(tmp_path):
    _, files = build_article(tmp_path, HEAD + "No Python here.\n")
    assert not [name for name in files if name.startswith(("pyodide/", "assets/py/"))]


def test_package_base_url_from_config(tmp_path):
    _, files = build_article(tmp_path, HEAD + CELL % "", config='[site]\npyodide_packages = "https://mirror.test/py"\n')
    assert cell_options(files["a/index.html"].decode())[0]["runtime"]["packages"] == "https://mirror.test/py/"


def test_python_zip_is_byte_identical_and_holds_the_packages(tmp_path):
    _, first = build_article(tmp_path / "one", HEAD + CELL % "")
    _, second = build_article(tmp_path / "two", HEAD + CELL % "")
    (name,) = [n for n in first if n.startswith("assets/py/")]
    assert first[name] == second[name] and name in second
    assert first == second  # the whole site, core included, byte for byte
    assert name == f"assets/py/unrolled.{hashlib.sha256(first[name]).hexdigest()[:12]}.zip"
    archive = zipfile.ZipFile(io.BytesIO(first[name]))
    names = archive.namelist()
    assert names == sorted(names)
    expected = sorted(p.relative_to(SITE_SOURCES / "py").as_posix()
                      for pkg in ("unrolled_lite", "unrolled_page") for p in (SITE_SOURCES / "py" / pkg).rglob("*")
                      if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    assert names == expected
    assert {"unrolled_lite/__init__.py", "unrolled_lite/datasets.py", "unrolled_page/__init__.py",
            "unrolled_page/_runner.py"} <= set(names)
    assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    for info in archive.infolist():
        assert archive.read(info) == (SITE_SOURCES / "py" / info.filename).read_bytes()


# -- vendor-pyodide with a fake distribution -------------------------------------------------------------
def fake_dist(root, *, damage=False):
    dist = root / "dist"
    dist.mkdir()
    for name in vendor.CORE_FILES[:-1]:
        (dist / name).write_bytes(f"core file {name}".encode())
    packages = {}
    for name, depends in [("numpy", ["fakelib"]), ("fakelib", []), ("scipy", ["numpy"]), ("six", [])]:
        wheel = f"{name}-1.0-cp313-cp313-pyemscripten_2025_0_wasm32.whl"
        data = f"dummy wheel of {name}".encode()
        (dist / wheel).write_bytes(data)
        packages[name] = {"name": name, "version": "1.0", "file_name": wheel, "install_dir": "site",
                          "sha256": hashlib.sha256(b"other" if damage and name == "fakelib" else data).hexdigest(),
                          "package_type": "package", "imports": [name], "depends": depends}
    npm_info = json.loads((vendor.NPM_CORE / vendor.LOCK).read_text())["info"]
    (dist / vendor.LOCK).write_text(json.dumps({"info": npm_info, "packages": packages}))
    return dist


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "unrolled.generator", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_vendor_pyodide_copies_numpy_and_its_dependencies(tmp_path):
    dist = fake_dist(tmp_path)
    project_dir = tmp_path / "project"
    article = project_dir / "content" / "a" / "index.md"
    article.parent.mkdir(parents=True)
    article.write_text(HEAD + CELL % "packages: six\n")
    result = run_cli("--project", str(project_dir), "vendor-pyodide", "--dist", str(dist))
    assert result.returncode == 0, result.stderr
    assert "3 packages (fakelib, numpy, six)" in result.stdout
    out = project_dir / "vendor" / "pyodide"
    wheels = sorted(p.name for p in out.glob("*.whl"))
    assert wheels == [f"{n}-1.0-cp313-cp313-pyemscripten_2025_0_wasm32.whl" for n in ("fakelib", "numpy", "six")]
    for name in vendor.CORE_FILES[:-1]:
        assert (out / name).read_bytes() == (dist / name).read_bytes()
    lock = json.loads((out / vendor.LOCK).read_text())
    assert sorted(lock["packages"]) == ["fakelib", "numpy", "six"]
    assert lock["info"] == json.loads((dist / vendor.LOCK).read_text())["info"]
    # the build now serves core and packages from the site itself
    project = load_project(project_dir)
    files = build(project, show_progress=False)
    options = cell_options(files["a/index.html"].decode())[0]["runtime"]
    assert options["packages"] == options["index"]
    folder = options["index"][3:]
    assert sorted(n[len(folder):] for n in files if n.startswith(folder)) == sorted(
        [*vendor.CORE_FILES, *wheels])
    # a package that is not vendored is a build error that says how to add it
    article.write_text(HEAD + CELL % "packages: scipy\n")
    with pytest.raises(UnrolledError) as info:
        build(project, show_progress=False)
    assert info.value.rule == "option-value" and "--package scipy" in info.value.hint


def test_vendor_pyodide_refuses_damaged_or_missing_distributions(tmp_path):
    project = load_project(tmp_path / "p")
    with pytest.raises(UnrolledError) as info:
        vendor.vendor_pyodide(project, tmp_path / "nowhere")
    assert info.value.rule == "vendor-dist"
    dist = fake_dist(tmp_path, damage=True)
    with pytest.raises(UnrolledError) as info:
        vendor.vendor_pyodide(project, dist)
    assert info.value.rule == "vendor-sha256" and "fakelib" in info.value.message
    with pytest.raises(UnrolledError) as info:
        vendor.vendor_pyodide(project, dist, ("nosuch",))
    assert info.value.rule == "vendor-package"
    assert not (tmp_path / "p" / "vendor").exists()


# -- unrolled_page in CPython ------------------------------------------------------------------------------
def run_cell(code, cell="c", drives=("w1",)):
    from unrolled_page import _runner

    return json.loads(run_async(_runner.run(cell, f"<cell-{cell}>", code, json.dumps(list(drives)))))


def test_publish_converts_numpy_and_checks_drives():
    import unrolled_page

    unrolled_page.published.clear()
    out = run_cell("import numpy as np, unrolled_page\n"
                   "unrolled_page.publish('w1', {'a': np.arange(3, dtype=np.float32), 'b': np.float64(np.nan),"
                   " 'c': (1, np.int64(2)), 4: [np.bool_(True)]})")
    assert out == {"status": "ok", "result": None}
    assert unrolled_page.published == [("w1", {"a": [0.0, 1.0, 2.0], "b": None, "c": [1, 2], "4": [True]})]
    out = run_cell("import unrolled_page\n\nunrolled_page.publish('w2-loss', [1])")
    assert out["status"] == "error" and 'File "<cell-c>", line 3' in out["traceback"]
    assert "cell 'c' does not drive 'w2-loss'" in out["traceback"]
    out = run_cell("import unrolled_page\nunrolled_page.publish('w1', object())")
    assert "cannot be sent to the page" in out["traceback"]


def test_runner_results_tracebacks_and_control_handlers(capsys):
    import unrolled_page

    assert run_cell("x = 40\nx + 2") == {"status": "ok", "result": "42"}
    assert run_cell("import asyncio\nawait asyncio.sleep(0)\n'awaited'")["result"] == "'awaited'"
    syntax = run_cell("x = 1\ndef f(:\n    pass")
    assert syntax["traceback"].startswith('  File "<cell-c>", line 2') and "SyntaxError" in syntax["traceback"]
    assert "_runner" not in syntax["traceback"]
    run_cell("import unrolled_page\n@unrolled_page.on_control\ndef on(action, settings):\n"
             "    print('heard', action, settings['lr'])\n")
    assert unrolled_page._dispatch("w1", "step", '{"lr": 0.5}') == 1
    assert unrolled_page._dispatch("w9", "step", "{}") == 0
    assert "heard step 0.5" in capsys.readouterr().out
    run_cell("pass")  # running the cell again drops its handlers
    assert unrolled_page._dispatch("w1", "step", "{}") == 0


def test_page_needs_come_from_the_directives_without_rendering():
    """`vendor-pyodide` reads the cells' packages with the page's own directive parser: a cell shown
    inside a code block asks for nothing, and a mistake is the block's error at its line."""
    from unrolled.generator.markdown_ext import page_needs

    body = ("````markdown\n```{pyodide}\npackages: shown-only\n\nx = 1\n```\n````\n\n"
            "- a list item\n\n  ```{pyodide}\n  packages: numpy, six\n\n  import numpy\n  ```\n")
    needs = page_needs(body, "content/a/index.md", 3)
    assert needs.python and needs.packages == {"numpy", "six"}
    assert not page_needs("```{explain}\nfor: cell\n\nText\n```\n", "content/a/index.md").python
    with pytest.raises(UnrolledError) as info:
        page_needs("```{pyodide}\npackage: numpy\n\nx = 1\n```\n", "content/a/index.md", 3)
    assert (info.value.rule, info.value.file, info.value.line) == ("option-unknown", "content/a/index.md", 5)
