"""Directive blocks and front matter: every mistake is a build error naming file:line and a fix."""
import pytest

from unrolled.generator.build import build
from unrolled.generator.config import load_project
from unrolled.precompute.errors import UnrolledError

HEAD = "---\ntitle: A\n---\n"  # the body starts on line 4


def build_article(tmp_path, text):
    article = tmp_path / "content" / "a"
    article.mkdir(parents=True, exist_ok=True)
    (article / "index.md").write_text(text)
    project = load_project(tmp_path)
    return project, build(project, show_progress=False)


def build_error(tmp_path, text) -> UnrolledError:
    with pytest.raises(UnrolledError) as info:
        build_article(tmp_path, text)
    return info.value


@pytest.mark.parametrize("body, rule, line, words", [
    ("Intro\n\n```{gradient}\nrun: x\n```\n", "directive-unknown", 6, "unknown directive {gradient}"),
    ("```{predictions}\nrun: x\ncolour: red\n```\n", "option-unknown", 6, "unknown option 'colour'"),
    ("```{predictions}\nsnapshot: 3\n```\n", "option-missing", 4, "needs option 'run'"),
    ("```{predictions}\nrun: x\nsnapshot: last\n```\n", "option-type", 6, "expects an integer"),
    ("```{predictions}\nrun: x\n", "directive-unclosed", 4, "never closed"),
    ("```{predictions}\nrun: x\nrun: y\n```\n", "option-duplicate", 6, "given twice"),
    ("```{predictions} run: x\n```\n", "directive-syntax", 4, "unexpected text"),
    ("```{predictions}\nrun: x\n\nsome body\n```\n", "directive-body", 4, "takes no body"),
    ("\n\n```{predictions}\nrun: sine\n```\n", "ref-run", 7, "unknown run 'sine'"),
    ("```{predictions}\nrun: x\nsnapshot: \uff12\n```\n", "option-type", 6, "expects an integer"),
    ("```{predictions}\nrun: x\nsnapshot: 1_0\n```\n", "option-type", 6, "expects an integer"),
    ("```{pyodide}\ntimeout: \uff11.5\n\nx = 1\n```\n", "option-type", 5, "expects a number"),
    ("Text.\n\n```python\nx = 1\n", "fence-unclosed", 6, "never closed"),
    ("```{explain}\nfor: a.b\n\n```python\nx = 1\n", "directive-unclosed", 4, "never closed"),
])
def test_directive_errors(tmp_path, body, rule, line, words):
    error = build_error(tmp_path, HEAD + body)
    assert (error.rule, error.line) == (rule, line), str(error)
    assert error.file.endswith("content/a/index.md")
    assert words in error.message and error.hint
    assert not (tmp_path / "_site").exists()
    assert not list(tmp_path.glob("_site.*"))


@pytest.mark.parametrize("text, rule, line", [
    ("title: A\n\nbody\n", "frontmatter-missing", 1),
    ("---\ntitle: A\nbody\n", "frontmatter-unclosed", 1),
    ("---\ntitle: [A\n---\n", "frontmatter-yaml", 2),
    ("---\ntitle: A\ncolour: red\n---\n", "frontmatter-field", 3),
    ("---\ntitle: A\norder: first\n---\n", "frontmatter-type", 3),
    ("---\nsummary: no title\n---\n", "frontmatter-title", 1),
    ("---\ntitle: A\nruns: missing.toml\n---\n", "spec-missing-file", None),
    ("---\ntitle: A\nbase: &b [x]\nsummary: *b\n---\n", "frontmatter-alias", 3),
    ("---\ntitle: A\ndate: 2026-02-30\n---\n", "frontmatter-date", 3),
    ("---\ntitle: A\ndate: 2026-11-23T10:00:00\n---\n", "frontmatter-date", 3),
    ("---\ntitle: A\ndate: 20261123\n---\n", "frontmatter-date", 3),
    ("---\ntitle: A\nauthors:\n  - Ada\n  - {name: Alan}\n---\n", "frontmatter-type", 3),
    ("---\ntitle:\n  text: A\n---\n", "frontmatter-type", 2),
])
def test_front_matter_errors(tmp_path, text, rule, line):
    error = build_error(tmp_path, text)
    assert error.rule == rule and error.line == line, str(error)


def test_byte_order_mark_and_quoted_dates_are_accepted(tmp_path):
    _, files = build_article(tmp_path, "\ufeff---\ntitle: A\ndate: '2026-11-23'\n---\nHello.\n")
    assert '<time datetime="2026-11-23">' in files["a/index.html"].decode()


def test_explain_bodies_nest_code_fences_and_a_longer_outer_fence_holds_bare_ones(tmp_path):
    body = ("```{explain}\nfor: a.b\n\n```python\ninner = 1\n```\n\nstill inside\n```\n\n"
            "````{explain}\nfor: a.c\n\n```\nbare = 2\n```\n````\n\nafter\n")
    _, files = build_article(tmp_path, HEAD + body)
    html = files["a/index.html"].decode()
    first, second = html.split('<details class="explain"')[1:3]
    assert "inner" in first and "still inside" in first and "bare = 2" in second.split("</details>")[0]
    assert "after" not in second.split("</details>")[0] and "```" not in html


def test_plain_code_fences_stay_code(tmp_path):
    project, files = build_article(tmp_path, HEAD + "```python\nx = {1: 2}\n```\n\n```\n{predictions}\n```\n")
    html = files["a/index.html"].decode()
    assert "highlight" in html and "{predictions}" in html and 'data-widget' not in html


def test_failed_build_keeps_previous_site(tmp_path):
    project, _ = build_article(tmp_path, HEAD + "Hello.\n")
    before = (tmp_path / "_site" / "a" / "index.html").read_bytes()
    with pytest.raises(UnrolledError):
        build_article(tmp_path, HEAD + "```{nope}\n```\n")
    assert (tmp_path / "_site" / "a" / "index.html").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site", "content"]


def test_project_templates_override_the_theme(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "article.html").write_text(
        '{% extends "base.html" %}{% block main %}<div class="custom">{{ meta.title }}</div>'
        "{{ content | safe }}{% endblock %}")
    _, files = build_article(tmp_path, HEAD + "Hello.\n")
    html = files["a/index.html"].decode()
    assert '<div class="custom">A</div>' in html and "<p>Hello.</p>" in html
    assert 'class="site-header"' in html  # the base template still comes from the theme


def test_directives_shown_inside_code_examples_stay_text(tmp_path):
    body = "````markdown\n```{predictions}\nrun: nowhere\n```\n````\n\n~~~\n```{nope}\n~~~\n"
    _, files = build_article(tmp_path, HEAD + body)
    html = files["a/index.html"].decode()
    assert "{predictions}" in html and "run: nowhere" in html and "{nope}" in html and "data-widget" not in html
