"""Benchmark: {pyodide} cells in Debian's Chromium with the npm Pyodide core served from 127.0.0.1.

Measures, in the page (performance.now), each repeated REPEATS times in fresh browser contexts:
  cold     Run -> first output line, Python not started yet (worker + Pyodide boot + the site's zip)
  warm     Run -> first output line in the same page afterwards
  stop     Stop -> the cell reports "stopped", on `while True: pass`; cross-origin isolated (interrupt via
           SharedArrayBuffer) and not isolated (the worker is terminated)
  limit    the time limit (timeout: 1) firing -> the cell reports "timeout", both ways

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_pyodide.py [REPEATS]
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from unrolled.generator.build import build  # noqa: E402
from unrolled.generator.config import load_project  # noqa: E402
from unrolled.generator.serve import SiteHandler, make_server, url_of  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTICLE = """---
title: Bench
---

```{pyodide}
id: hello

print("hi")
```

```{pyodide}
id: spin

while True:
    pass
```

```{pyodide}
id: limit
timeout: 1

while True:
    pass
```
"""

FIRST_OUTPUT = """async (name) => {
  const cell = document.getElementById(`cell-${name}`);
  const out = cell.querySelector('.py-output');
  const t0 = performance.now();
  const done = new Promise((resolve) => {
    const seen = new MutationObserver(() => {
      if (out.textContent.includes('hi')) { seen.disconnect(); resolve(performance.now() - t0); }
    });
    seen.observe(out, { childList: true, subtree: true, characterData: true });
  });
  cell.querySelector('.py-run').click();
  return done;
}"""

UNTIL_STATE = """([name, state, click]) => {
  const cell = document.getElementById(`cell-${name}`);
  return new Promise((resolve) => {
    let t0 = performance.now();
    const seen = new MutationObserver(() => {
      if (cell.dataset.run === state) { seen.disconnect(); resolve(performance.now() - t0); }
    });
    seen.observe(cell, { attributes: true, attributeFilter: ['data-run'] });
    if (click) { t0 = performance.now(); cell.querySelector(click).click(); }
  });
}"""


class PlainHandler(SiteHandler):
    def end_headers(self):
        SimpleHTTPRequestHandler.end_headers(self)


def serve(out_dir, handler):
    server = make_server(out_dir, 0, handler_class=handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def one_page(browser, url) -> dict:
    context = browser.new_context()
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1") else r.abort())
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector('#cell-hello[data-state="ready"]')
    result = {"isolated": page.evaluate("crossOriginIsolated"), "cold": page.evaluate(FIRST_OUTPUT, "hello")}
    page.wait_for_function("() => document.getElementById('cell-hello').dataset.run === 'done'")
    result["warm"] = page.evaluate(FIRST_OUTPUT, "hello")
    page.wait_for_function("() => document.getElementById('cell-hello').dataset.run === 'done'")
    page.locator("#cell-spin .py-run").click()
    page.wait_for_function("() => document.getElementById('cell-spin').dataset.run === 'running'")
    page.wait_for_timeout(300)
    result["stop"] = page.evaluate(UNTIL_STATE, ["spin", "stopped", ".py-stop"])
    page.locator("#cell-limit .py-run").click()
    page.wait_for_function("() => document.getElementById('cell-limit').dataset.run === 'timeout'", timeout=30_000)
    result["limit"] = float(page.get_attribute("#cell-limit", "data-stop-ms"))
    context.close()
    return result


def main(repeats: int = 3) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        article = Path(tmp) / "content" / "b" / "index.md"
        article.parent.mkdir(parents=True)
        article.write_text(ARTICLE)
        project = load_project(tmp)
        build(project, show_progress=False)
        servers = {"isolated": serve(project.out_dir, SiteHandler),
                   "not isolated": serve(project.out_dir, PlainHandler)}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            for label, server in servers.items():
                runs = [one_page(browser, url_of(server) + "b/") for _ in range(repeats)]
                assert all(r["isolated"] == (label == "isolated") for r in runs)
                print(f"{label} ({repeats} fresh pages; median [min-max] ms)")
                for key, text in [("cold", "Run -> first output, cold"), ("warm", "Run -> first output, warm"),
                                  ("stop", "Stop click -> stopped"), ("limit", "time limit -> stopped")]:
                    values = [r[key] for r in runs]
                    print(f"  {text:28} {statistics.median(values):8.1f}  [{min(values):.1f}-{max(values):.1f}]")
            browser.close()
        for server in servers.values():
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
