"""The dev server's HTTP side: the static `SiteHandler` plus the live-reload endpoints, the client script
in every HTML response, pages held back for training runs served from memory, and a placeholder page
(carrying the error overlay) where a failed first build left no page.

The handler reaches the dev server through `server.dev`, which offers `build_id`, `error`, `reload`
(`devreload.LiveReload`) and `held_page(path)`.
"""
from __future__ import annotations

import json
import os
import urllib.parse
from http import HTTPStatus
from io import BytesIO
from pathlib import Path

from .devreload import CLIENT_PATH, CLIENT_SOURCE, EVENTS_PATH, STATE_PATH, inject, version_of
from .serve import SiteHandler, make_server

PLACEHOLDER = b"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build error</title>
<link rel="icon" href="data:,">
</head>
<body data-unrolled-placeholder>
<main>
<h1>This page is not built yet</h1>
<p>The last build failed; the error is shown above. Fix the file and this page reloads by itself.</p>
</main>
</body>
</html>
"""


def make_dev_server(dev, directory: Path, port: int, *, verbose: bool = False):
    server = make_server(directory, port, verbose=verbose, handler_class=DevHandler)
    server.dev = dev
    return server


def page_version(handler: SiteHandler, page: str) -> str | None:
    """Hash of the page as it is served now (None when it does not exist)."""
    path = handler.translate_path(page or "/")
    if page.endswith("/") or os.path.isdir(path):
        path = os.path.join(path, "index.html")
    if not handler.inside_root(path):
        return None
    held = handler.server.dev.held_page(path)
    if held is not None:
        return version_of(held)
    try:
        with open(path, "rb") as fh:
            return version_of(fh.read())
    except OSError:
        return None


class DevHandler(SiteHandler):
    """SiteHandler plus the dev endpoints and the live-reload script in every HTML response."""

    def do_GET(self):  # noqa: N802 - http.server's name
        parts = urllib.parse.urlsplit(self.path)
        dev = self.server.dev
        if parts.path == EVENTS_PATH:
            query = urllib.parse.parse_qs(parts.query)
            page, version = query.get("page", [""])[0], query.get("version", [""])[0]
            return dev.reload.stream(self, lambda: page_version(self, page) != version)
        if parts.path == CLIENT_PATH:
            return self._send(CLIENT_SOURCE.read_bytes(), "text/javascript; charset=utf-8")
        if parts.path == STATE_PATH:
            return self._send(json.dumps(dev.reload.status()).encode(), "application/json")
        return super().do_GET()

    def _send(self, body: bytes, content_type: str):
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_head(self):
        dev = self.server.dev
        route = urllib.parse.urlsplit(self.path).path
        path = self.translate_path(self.path)
        if not self.inside_root(path):
            return super().send_head()  # refuses
        if route.endswith("/"):
            path = os.path.join(path, "index.html")
        elif os.path.isdir(path) or not path.endswith((".html", ".htm")):
            return super().send_head()  # redirect to the slash form, or any other file as it is
        build_id = dev.build_id  # read before the file: the page is never older than the id it carries
        try:
            html = dev.held_page(path)
            if html is None:
                with open(path, "rb") as fh:
                    html = fh.read()
        except OSError:
            if dev.error is None:
                return super().send_head()  # 404 (or a folder listing)
            html = PLACEHOLDER
        body = inject(html, build_id)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return BytesIO(body)
