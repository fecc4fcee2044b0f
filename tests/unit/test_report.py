"""Internal links are checked (warnings, errors under --strict); page weight follows module imports."""
import pytest

from unrolled.generator.build import build
from unrolled.generator.config import load_project
from unrolled.generator.report import page_weights
from unrolled.precompute.errors import UnrolledError


def site(tmp_path, a_body):
    for slug, body in {"a": a_body, "b": "## Second part\n\nText.\n"}.items():
        path = tmp_path / "content" / slug / "index.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: {slug.upper()}\n---\n{body}")
    return load_project(tmp_path)


def warnings_of(project, strict=False):
    seen = []
    build(project, show_progress=False, strict=strict, warn=seen.append)
    return seen


def test_good_links_give_no_warning(tmp_path):
    body = "## Intro\n\n[b](../b/) [part](../b/#second-part) [me](#intro) [home](../) [web](https://example.org/x)\n"
    assert warnings_of(site(tmp_path, body)) == []


@pytest.mark.parametrize("link, line", [("../c/", 6), ("../b/#third-part", 6), ("#nowhere", 6), ("img.png", 6)])
def test_broken_links_warn_with_line(tmp_path, link, line):
    (warning,) = warnings_of(site(tmp_path, f"## Intro\n\nText.\n\n[x]({link})\n"))
    assert warning.rule == "link-broken" and warning.line == line + 2 and warning.file.endswith("a/index.md")
    assert link in warning.message


def test_strict_turns_warning_into_error_and_writes_nothing(tmp_path):
    project = site(tmp_path, "[x](../c/)\n")
    with pytest.raises(UnrolledError) as info:
        warnings_of(project, strict=True)
    assert info.value.rule == "link-broken"
    assert not project.out_dir.exists()


def test_page_weight_follows_imports():
    files = {
        "p/index.html": b'<script type="importmap">{"imports": {"unrolled/page.js": "../a/page.js", '
                        b'"unrolled/widgets/w.js": "../a/w.js", "unrolled/lib/x.js": "../a/x.js"}}</script>'
                        b'<link rel="stylesheet" href="../a/s.css"><script type="module" src="../a/page.js"></script>'
                        b'<figure data-widget="w" data-src="../d/1.json"></figure>',
        "a/page.js": b"console.log(1)", "a/w.js": b"import {y} from 'unrolled/lib/x.js';", "a/x.js": b"export const y = 1;",
        "a/s.css": b"body{}", "d/1.json": b"{}", "a/unused.js": b"x" * 1000,
    }
    (row,) = page_weights(files)
    assert row.js == len(files["a/page.js"]) + len(files["a/w.js"]) + len(files["a/x.js"])
    assert (row.css, row.data) == (6, 2) and row.gzip_total > 0
