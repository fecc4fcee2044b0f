"""`unrolled new` scaffolds an article that builds as written, with every directive on it; `unrolled
init` a project around one (its full build with the installed wheel is in test_wheel.py)."""
import re

from tests.conftest import ROOT
from tests.integration.test_build import run_cli

WIDGETS = {"predictions", "loss", "network", "cell", "gradients", "pyodide", "error-strip"}


def test_new_article_builds_with_every_widget(tmp_path):
    (tmp_path / "content").mkdir()
    created = run_cli("--project", str(tmp_path), "new", "my-first-article")
    assert created.returncode == 0, created.stderr
    assert (tmp_path / "content" / "my-first-article" / "runs.toml").exists()
    widgets = tmp_path / "content" / "widgets"
    assert sorted(p.name for p in widgets.iterdir()) == ["error-strip.css", "error-strip.js", "error-strip.toml"]
    built = run_cli("--project", str(tmp_path), "build", "--quiet", "--strict")
    assert built.returncode == 0, built.stderr
    html = (tmp_path / "_site" / "my-first-article" / "index.html").read_text()
    assert set(re.findall(r'data-widget="([a-z-]+)"', html)) == WIDGETS
    # the example widget's first frame is drawn at build time: one bar per step of the 12-step window
    strip = re.search(r'<figure class="widget widget-error-strip".*?</figure>', html, re.S)[0]
    assert strip.count('class="error-bar"') == 12 and "epoch 10 · mean error" in strip
    assert re.search(r'"unrolled/widgets/error-strip\.js":"\.\./assets/js/widgets/error-strip\.[0-9a-f]{12}\.js"', html)
    assert not (tmp_path / "_site" / "widgets").exists()  # the widgets folder is no article
    assert 'data-explain="network.input"' in html and "<math" in html
    assert html.count('<data class="value"') == 3 and "{claim}" not in html


def test_new_refuses_to_overwrite_and_bad_names(tmp_path):
    (tmp_path / "content").mkdir()
    assert run_cli("--project", str(tmp_path), "new", "a").returncode == 0
    again = run_cli("--project", str(tmp_path), "new", "a")
    assert again.returncode == 1 and "error[new-exists]" in again.stderr
    assert run_cli("--project", str(tmp_path), "new", "b").returncode == 0  # the example widget is kept as it is
    widgets = run_cli("--project", str(tmp_path), "new", "widgets")
    assert widgets.returncode == 1 and "error[new-name]" in widgets.stderr and "widgets folder" in widgets.stderr
    bad = run_cli("--project", str(tmp_path), "new", "Not A Slug")
    assert bad.returncode == 1 and "error[new-name]" in bad.stderr


def test_init_creates_a_project_that_loads(tmp_path):
    from unrolled.generator.config import load_project

    done = run_cli("init", "new-site", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    root = tmp_path / "new-site"
    assert load_project(root).title == "New site"
    assert (root / ".gitignore").read_text().splitlines()[1:4] == ["/_site/", "/_site.tmp-*/", "/.cache/"]
    assert (root / "content" / "first-article" / "runs.toml").read_bytes() == (
        ROOT / "generator" / "scaffold" / "runs.toml").read_bytes()


def test_init_refuses_a_foreign_folder_and_never_overwrites(tmp_path):
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "todo.txt").write_text("mine")
    refused = run_cli("init", str(foreign), cwd=tmp_path)
    assert refused.returncode == 1 and "error[init-not-empty]" in refused.stderr and "nothing was written" in refused.stderr
    assert [p.name for p in foreign.iterdir()] == ["todo.txt"]

    project = tmp_path / "existing"
    (project / "content" / "mine").mkdir(parents=True)
    (project / "unrolled.toml").write_text('[site]\ntitle = "Mine"\n')
    added = run_cli("init", str(project), cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert (project / "unrolled.toml").read_text() == '[site]\ntitle = "Mine"\n'
    assert "kept    unrolled.toml (exists)" in added.stdout and "created .gitignore" in added.stdout
    assert (project / ".github" / "workflows" / "pages.yml").is_file()
    assert not (project / "content" / "first-article").exists()  # content/ was there: no starter article
