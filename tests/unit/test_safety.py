"""Author input never becomes script: link schemes, article slugs, raw HTML policies, the page's CSP."""
import re
from html.parser import HTMLParser

import pytest

from unrolled.generator.build import build
from unrolled.generator.config import load_project
from unrolled.generator.csp import script_hash
from unrolled.generator.urls import unsafe_scheme
from unrolled.precompute.errors import UnrolledError
from tests.unit.test_directives import HEAD, build_article, build_error

BIB = """@misc{evil,
  author = {Mallory},
  title = {Click me},
  url = {javascript:window.__pwned=1},
  year = {2024}}
@misc{quote, author = {Q}, title = {Q}, doi = {10.1/x" onmouseover="window.__pwned=1}, year = {2024}}
"""


def attribute_names(html: str) -> set[str]:
    names = set()
    parser = HTMLParser()
    parser.handle_starttag = lambda tag, attrs: names.update(name for name, _ in attrs)
    parser.feed(html)
    return names


@pytest.mark.parametrize("url, image, scheme", [
    ("javascript:alert(1)", False, "javascript"),
    ("JaVaScRiPt:alert(1)", False, "javascript"),
    ("java&#x09;script:alert(1)", False, "javascript"),
    ("java\nscript:alert(1)", False, "javascript"),
    ("  \x01javascript:alert(1)", False, "javascript"),
    ("javascript&colon;alert(1)", False, "javascript"),
    ("vbscript:msgbox(1)", False, "vbscript"),
    ("data:text/html,<script>alert(1)</script>", False, "data"),
    ("data:image/png;base64,AAAA", False, "data"),  # never as a link
    ("data:image/svg+xml,<svg onload=alert(1)>", True, "data"),
    ("file:///etc/passwd", False, "file"),
    ("https://example.com/a:b", False, None),
    ("HTTP://example.com", False, None),
    ("mailto:a@example.com", False, None),
    ("../other/#part", False, None),
    ("#section", False, None),
    ("images/plot.png", True, None),
    ("a/b:c", False, None),
    ("data:image/png;base64,AAAA", True, None),
])
def test_unsafe_schemes_are_found_however_spelled(url, image, scheme):
    assert unsafe_scheme(url, image=image) == scheme


@pytest.mark.parametrize("body, line, words", [
    ("Text.\n\n[a](javascript:alert(1))\n", 6, "javascript: scheme"),
    ("[a](JaVaScRiPt:alert(1))\n", 4, "javascript: scheme"),
    ("One\ntwo [a](java&#x09;script:alert(1))\n", 5, "javascript: scheme"),
    ("[a][ref]\n\n[ref]: vbscript:msgbox(1)\n", 6, "vbscript: scheme"),
    ("![i](data:image/svg+xml,<svg>)\n", 4, "image source"),
    ("[a](data:text/html,hi)\n", 4, "data: scheme"),
    ('Text\n\n<a href="jav&#x61;script:alert(1)">x</a>\n', 6, "javascript: scheme"),
    ('<img src="javascript:alert(1)">\n', 4, "image source"),
])
def test_unsafe_links_are_build_errors_at_their_line(tmp_path, body, line, words):
    error = build_error(tmp_path, HEAD + body)
    assert (error.rule, error.line, error.file) == ("url-scheme", line, "content/a/index.md")
    assert words in error.message and "http(s)" in error.hint


def test_safe_links_are_kept(tmp_path):
    body = "[w](https://example.com) [m](mailto:a@b.c) [r](../b/) [f](#x) ![d](data:image/png;base64,AAAA)\n"
    _, files = build_article(tmp_path, HEAD + body)
    html = files["a/index.html"].decode()
    for url in ("https://example.com", "mailto:a@b.c", "../b/", "#x", "data:image/png;base64,AAAA"):
        assert f'="{url}"' in html


def test_bibtex_url_with_unsafe_scheme_is_an_error_in_the_bib_file(tmp_path):
    (tmp_path / "content" / "a").mkdir(parents=True)
    (tmp_path / "content" / "a" / "references.bib").write_text(BIB)
    error = build_error(tmp_path, HEAD + "See [@evil].\n")
    assert error.rule == "url-scheme" and error.line == 4 and str(error.file).endswith("references.bib")


def test_bibtex_link_targets_cannot_break_out_of_their_attribute(tmp_path):
    (tmp_path / "content" / "a").mkdir(parents=True)
    (tmp_path / "content" / "a" / "references.bib").write_text(BIB)
    _, files = build_article(tmp_path, HEAD + "See [@quote].\n")
    html = files["a/index.html"].decode()
    assert 'href="https://doi.org/10.1/x&quot; onmouseover=&quot;window.__pwned=1"' in html
    assert not any(name.startswith("on") for name in attribute_names(html))  # in the link text it is text


@pytest.mark.parametrize("name", ["javascript:alert(1)", "Caps", "-dash", "a b", "a.b"])
def test_article_folders_must_be_slugs(tmp_path, name):
    (tmp_path / "content" / name).mkdir(parents=True)
    (tmp_path / "content" / name / "index.md").write_text(HEAD + "Hi.\n")
    with pytest.raises(UnrolledError) as info:
        build(load_project(tmp_path), show_progress=False)
    assert info.value.rule == "content-slug" and name in info.value.message
    assert info.value.file == str(tmp_path / "content" / name)
    assert not (tmp_path / "_site").exists()


RAW = """Intro <span class="note" onclick="window.__pwned=1">*kept*</span> and <img src="x.png" alt="x" onerror="window.__pwned=1">.

<script>window.__pwned = 1</script>

<details><summary>More</summary>

<div class="aside" style="position:fixed" data-widget="loss">inner</div>

```{explain}
for: cell.forget

Body <img src=y onerror="window.__pwned=1"> and $x^2$ <kbd>Ctrl</kbd>.
```

</details>

<iframe src="https://example.com"></iframe>

| a | b |
|---|---|
| <sup>1</sup> | <abbr title="long">x</abbr> |
"""


def test_sanitize_keeps_harmless_markup_and_drops_the_rest(tmp_path):
    _, files = build_article(tmp_path, HEAD + RAW)
    html = files["a/index.html"].decode()
    body = html[html.index('<div class="article-body">'):]
    assert '<span class="note"><em>kept</em></span>' in body and '<img src="x.png" alt="x">' in body
    assert "<details><summary>More</summary>" in body and '<div class="aside">inner</div>' in body
    assert "<sup>1</sup>" in body and '<abbr title="long">x</abbr>' in body and "<kbd>Ctrl</kbd>" in body
    assert '<img src="y">' in body and "<math" in body  # the {explain} body: sanitised, its math rendered
    assert 'data-explain="cell.forget"' in body  # the directive inside <details> is the generator's, intact
    for gone in ("onclick", "onerror", "<script>", "__pwned", "<iframe", "style=\"position", 'data-widget="loss"'):
        assert gone not in body, gone


def test_a_directive_inside_an_attribute_is_an_error(tmp_path):
    error = build_error(tmp_path, HEAD + 'Text.\n\n<div title="\n\n```{explain}\nfor: a.b\n\nHi.\n```\n\n">x</div>\n')
    assert (error.rule, error.line) == ("raw-html", 6) and "inside an HTML tag" in error.message


def test_refuse_makes_raw_html_an_error_with_its_line(tmp_path):
    (tmp_path / "unrolled.toml").write_text('[site]\nraw_html = "refuse"\n')
    build_article(tmp_path, HEAD + "Text.\n\n<!-- a note is fine -->\n\n[link](https://example.com)\n")
    error = build_error(tmp_path, HEAD + "Text.\n\nMore <kbd>x</kbd>.\n")
    assert (error.rule, error.line) == ("raw-html", 6) and "<kbd>" in error.message and "raw_html" in error.hint
    error = build_error(tmp_path, HEAD + "```{explain}\nfor: cell.forget\n\nText.\n\n<b>x</b>\n```\n")
    assert (error.rule, error.line) == ("raw-html", 9)


def test_trusted_keeps_raw_html_as_written(tmp_path):
    (tmp_path / "unrolled.toml").write_text('[site]\nraw_html = "trusted"\n')
    _, files = build_article(tmp_path, HEAD + '<div onclick="go()">x</div>\n')
    assert '<div onclick="go()">x</div>' in files["a/index.html"].decode()


def test_raw_html_setting_is_checked(tmp_path):
    (tmp_path / "unrolled.toml").write_text('[site]\ntitle = "T"\nraw_html = "off"\n')
    with pytest.raises(UnrolledError) as info:
        load_project(tmp_path)
    assert info.value.rule == "config-value" and info.value.line == 3 and "sanitize" in info.value.message


def policy_of(html: str) -> dict[str, list[str]]:
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html).group(1)
    return {d.split()[0]: d.split()[1:] for d in meta.replace("&#39;", "'").split(";")}


def test_every_page_carries_a_policy_allowing_only_its_own_import_map(tmp_path):
    _, files = build_article(tmp_path, HEAD + "Hi.\n")
    for name in ("index.html", "a/index.html"):
        html = files[name].decode()
        head = html[:html.index("</head>")]
        assert head.index("Content-Security-Policy") < head.index("<script")
        import_map = re.search(r'<script type="importmap">(.*?)</script>', html, re.S).group(1)
        policy = policy_of(html)
        assert policy["script-src"] == ["'self'", script_hash(import_map)]
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"]


def test_the_allowlist_is_documented():
    from unrolled.generator.rawhtml import ATTRIBUTES, TAGS
    from tests.conftest import ROOT

    guide = " ".join((ROOT / "docs" / "authoring.md").read_text().split())
    allowed = guide[guide.index("`sanitize` keeps the tags"):guide.index("Event handlers, `style`")]
    for tag in TAGS - {f"h{n}" for n in range(2, 6)}:
        assert re.search(rf"[` ]{tag}[` ]", allowed), tag
    for attribute in set().union(*ATTRIBUTES.values()):
        assert re.search(rf"[` ]{attribute}[` ]", allowed), attribute


def test_sanitised_pages_are_byte_identical_between_builds(tmp_path):
    _, first = build_article(tmp_path, HEAD + RAW)
    _, second = build_article(tmp_path, HEAD + RAW)
    assert first["a/index.html"] == second["a/index.html"] and "<details>" in first["a/index.html"].decode()


def test_pages_with_python_cells_may_compile_wasm_and_fetch_packages(tmp_path):
    (tmp_path / "unrolled.toml").write_text('[site]\npyodide_packages = "https://mirror.example/full/"\n')
    _, files = build_article(tmp_path, HEAD + "```{pyodide}\nid: one\n\nprint(1)\n```\n")
    policy = policy_of(files["a/index.html"].decode())
    assert {"'wasm-unsafe-eval'", "https://mirror.example/full/"} <= set(policy["script-src"])
    assert policy["connect-src"] == ["'self'", "https://mirror.example/full/"] and policy["worker-src"] == ["'self'"]
    assert "'wasm-unsafe-eval'" not in policy_of(files["index.html"].decode())["script-src"]  # no cell there


def test_package_base_must_be_a_url_or_a_path(tmp_path):
    (tmp_path / "unrolled.toml").write_text('[site]\npyodide_packages = "https://x.example/; script-src *"\n')
    with pytest.raises(UnrolledError) as info:
        load_project(tmp_path)
    assert info.value.rule == "config-value" and info.value.line == 2
