"""Hostile content never runs in a reader's browser (real builds, real Chromium).

Every payload sets `window.__pwned`. Raw HTML is sanitised by default; unsafe link schemes, BibTeX URLs
and article folders that are not slugs stop the build (file:line, rule id, exit 1, `_site/` untouched);
and with `raw_html = "trusted"` the page's Content-Security-Policy still keeps inline script from running.
"""
from __future__ import annotations

import threading

import pytest

from unrolled.generator.build import build
from unrolled.generator.config import load_project
from unrolled.generator.serve import make_server, url_of
from tests.browser.test_pyodide_cells import RUNS  # one tiny run
from tests.conftest import _open_context
from tests.integration.test_build import run_cli

pytestmark = pytest.mark.browser

# An image whose source is a page, not an image: its `error` event fires without a failed request.
# Everything a reader could click or hover carries class "poke" (a class survives sanitising).
PAYLOAD = """---
title: Payloads
runs: runs.toml
---

Inline <img src="./" alt="" onerror="window.__pwned = 1"> and <span class="poke" onclick="window.__pwned = 1">click
me</span>.

<script>window.__pwned = 1</script>

<details><summary class="poke">Open me</summary><div class="poke" onmouseover="window.__pwned = 1">inside</div></details>

```{network}
runs: tiny
```

```{explain}
for: network.input
title: The input

Explained, with <img src="./" alt="" onerror="window.__pwned = 1"> and <b class="poke" onclick="window.__pwned = 1">bold</b>.

<script>window.__pwned = 1</script>
```
"""
# Only for trusted mode: sanitising refuses it (url-scheme), as a Markdown link would be.
RAW_LINK = '\n<a class="poke" href="javascript:window.__pwned=1">raw javascript link</a>\n'


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """The tiny run, trained once for both sites."""
    return tmp_path_factory.mktemp("injection-cache")


def payload_site(root, cache, mode, extra=""):
    (root / "content" / "payload").mkdir(parents=True)
    (root / "content" / "payload" / "index.md").write_text(PAYLOAD + extra)
    (root / "content" / "payload" / "runs.toml").write_text(RUNS)
    (root / "unrolled.toml").write_text(f'[site]\nraw_html = "{mode}"\ncache = "{cache}"\nallow_outside = true\n')
    project = load_project(root)
    build(project, show_progress=False)
    return project


def serve(project):
    server = make_server(project.out_dir, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, url_of(server)


def poke_everything(page):
    """Hover and click everything a reader could, then open the popover and click inside it."""
    page.locator("[data-widget]").first.scroll_into_view_if_needed()
    page.wait_for_selector('[data-widget][data-state="ready"]')
    for element in page.locator("main .poke").all():
        if element.is_visible():
            element.hover()
            element.click()
    page.get_by_role("button", name="Explain: Input").click()
    popover = page.get_by_role("dialog", name="The input")
    assert popover.is_visible()
    popover.get_by_text("bold").hover()
    popover.get_by_text("bold").click()
    page.wait_for_timeout(200)  # room for an error event or a navigation to happen


def test_sanitised_payloads_do_not_run(page, tmp_path, cache):
    project = payload_site(tmp_path, cache, "sanitize")
    html = (project.out_dir / "payload" / "index.html").read_text()
    assert "__pwned" not in html and "click\nme" in html and 'class="poke"' in html
    server, url = serve(project)
    try:
        page.goto(url + "payload/")
        poke_everything(page)
        assert page.evaluate("window.__pwned") is None
        assert page.url == url + "payload/"
    finally:
        server.shutdown()
        server.server_close()


def test_trusted_raw_html_still_cannot_run_script(browser, tmp_path, cache):
    project = payload_site(tmp_path, cache, "trusted", RAW_LINK)
    html = (project.out_dir / "payload" / "index.html").read_text()
    assert html.count("__pwned") == 8  # every payload is in the page as written
    server, url = serve(project)
    context, page, watch = _open_context(browser, viewport={"width": 1000, "height": 900})
    try:
        page.goto(url + "payload/")
        poke_everything(page)
        assert page.evaluate("window.__pwned") is None
        assert page.url == url + "payload/"
        assert watch.external == []
        blocked = [e for e in watch.errors if "Content Security Policy" in e]
        assert blocked and len(blocked) == len(watch.errors), watch.errors  # the policy stopped them, nothing else
    finally:
        context.close()
        server.shutdown()
        server.server_close()


GOOD = "---\ntitle: Fine\n---\n\nA [fine link](https://example.com).\n"


@pytest.mark.parametrize("files, where, rule", [
    ({"a/index.md": "---\ntitle: A\n---\n\nText.\n\n[click](JaVaScRiPt:window.__pwned=1)\n"},
     "content/a/index.md:7", "url-scheme"),
    ({"a/index.md": "---\ntitle: A\n---\n\n[click](java&#x09;script:window.__pwned=1)\n"},
     "content/a/index.md:5", "url-scheme"),
    ({"a/index.md": "---\ntitle: A\n---\n\nSee [@evil].\n",
      "a/references.bib": "@misc{evil,\n  title = {Evil},\n  url = {javascript:window.__pwned=1},\n  year = {2024}}\n"},
     "content/a/references.bib:3", "url-scheme"),
    ({"javascript:window.__pwned=1/index.md": "---\ntitle: Slug\n---\n\nHi.\n"},
     "content/javascript:window.__pwned=1", "content-slug"),
])
def test_refused_payloads_stop_the_build_and_leave_the_site(page, tmp_path, files, where, rule):
    (tmp_path / "content" / "fine").mkdir(parents=True)
    (tmp_path / "content" / "fine" / "index.md").write_text(GOOD)
    assert run_cli("--project", str(tmp_path), "build", "--quiet").returncode == 0
    before = {p: p.read_bytes() for p in (tmp_path / "_site").rglob("*") if p.is_file()}
    for rel, text in files.items():
        (tmp_path / "content" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "content" / rel).write_text(text)
    result = run_cli("--project", str(tmp_path), "build", "--quiet")
    assert result.returncode == 1 and f"error[{rule}]" in result.stderr and where in result.stderr, result.stderr
    after = {p: p.read_bytes() for p in (tmp_path / "_site").rglob("*") if p.is_file()}
    assert after == before
    server, url = serve(load_project(tmp_path))
    try:
        page.goto(url)
        links = page.locator("main a")
        assert [links.nth(i).get_attribute("href") for i in range(links.count())] == ["fine/"]
        links.first.click()
        page.wait_for_url(url + "fine/")
        assert page.evaluate("window.__pwned") is None
    finally:
        server.shutdown()
        server.server_close()
