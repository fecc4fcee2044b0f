"""`unrolled new` scaffolds an article that builds as written, with every directive on it."""
import re

from tests.integration.test_build import run_cli

WIDGETS = {"predictions", "loss", "network", "cell", "gradients", "pyodide"}


def test_new_article_builds_with_every_widget(tmp_path):
    (tmp_path / "content").mkdir()
    created = run_cli("--project", str(tmp_path), "new", "my-first-article")
    assert created.returncode == 0, created.stderr
    assert (tmp_path / "content" / "my-first-article" / "runs.toml").exists()
    built = run_cli("--project", str(tmp_path), "build", "--quiet", "--strict")
    assert built.returncode == 0, built.stderr
    html = (tmp_path / "_site" / "my-first-article" / "index.html").read_text()
    assert set(re.findall(r'data-widget="([a-z]+)"', html)) == WIDGETS
    assert 'data-explain="network.input"' in html and "<math" in html
    assert html.count('<data class="value"') == 3 and "{claim}" not in html


def test_new_refuses_to_overwrite_and_bad_names(tmp_path):
    (tmp_path / "content").mkdir()
    assert run_cli("--project", str(tmp_path), "new", "a").returncode == 0
    again = run_cli("--project", str(tmp_path), "new", "a")
    assert again.returncode == 1 and "error[new-exists]" in again.stderr
    bad = run_cli("--project", str(tmp_path), "new", "Not A Slug")
    assert bad.returncode == 1 and "error[new-name]" in bad.stderr
