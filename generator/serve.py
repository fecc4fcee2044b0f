"""`unrolled serve`: the built site on 127.0.0.1 only, with cross-origin isolation headers.

COOP/COEP make the page cross-origin isolated, which lets a Python cell be interrupted through a
SharedArrayBuffer instead of killing its worker. Only files inside the site folder are served: any
request path that resolves (after percent-decoding, `..`, symlinks) outside it gets a 404, and so does
a folder without an index.html (no listings). A request's header block is bounded in bytes and lines
(431 beyond), so a client cannot make the server hold megabytes per connection.
The dev server (live reload, incremental rebuilds) is `unrolled.generator.devserver`, built on `SiteHandler`.
"""
from __future__ import annotations

import errno
import functools
import gzip
import http.client
import os
import urllib.parse
from http import HTTPStatus
from io import BytesIO
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "127.0.0.1"
MAX_HEADER_BYTES = 64 * 1024  # all header lines of one request together
MAX_HEADERS = 64


class HeadersTooLarge(http.client.HTTPException):
    """Raised while reading headers; `BaseHTTPRequestHandler.parse_request` answers it with 431."""


class _HeaderBudget:
    """The request's input while its headers are read: stops at MAX_HEADER_BYTES or MAX_HEADERS lines."""

    def __init__(self, stream):
        self.stream, self.left, self.lines = stream, MAX_HEADER_BYTES, 0

    def readline(self, limit: int = -1) -> bytes:
        self.lines += 1
        if self.lines > MAX_HEADERS + 1:  # + the blank line that ends the block
            raise HeadersTooLarge(f"more than {MAX_HEADERS} header lines")
        line = self.stream.readline(self.left + 1 if limit < 0 else min(limit, self.left + 1))
        self.left -= len(line)
        if self.left < 0:
            raise HeadersTooLarge(f"headers larger than {MAX_HEADER_BYTES} bytes")
        return line


class SiteHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                      ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json"}

    def end_headers(self):
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def parse_request(self) -> bool:
        stream, self.rfile = self.rfile, _HeaderBudget(self.rfile)
        try:
            return super().parse_request()
        finally:
            self.rfile = stream

    def list_directory(self, path):
        """No listings: a folder without an index.html is not found."""
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")
        return None

    def inside_root(self, path: str) -> bool:
        """`translate_path` already drops `..`; this also refuses NUL bytes and symlinks leading out."""
        if "\x00" in path:
            return False
        root = os.path.realpath(self.directory)
        real = os.path.realpath(path)
        return real == root or real.startswith(root + os.sep)

    def send_head(self):
        path = self.translate_path(self.path)
        if not self.inside_root(path):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        if os.path.isdir(path):
            if not urllib.parse.urlsplit(self.path).path.endswith("/"):
                return super().send_head()  # redirects to the folder's slash form
            path = os.path.join(path, "index.html")
        if path.endswith(COMPRESSIBLE) and "gzip" in self.headers.get("Accept-Encoding", "") and os.path.isfile(path):
            return self.send_gzipped(path)
        return super().send_head()

    def send_gzipped(self, path: str):
        """Text files go out gzip-compressed, as any real host would send them."""
        stat = os.stat(path)
        body = _gzipped(path, stat.st_mtime_ns, stat.st_size)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return BytesIO(body)

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by http.server
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)


COMPRESSIBLE = (".html", ".css", ".js", ".mjs", ".json", ".svg")


@functools.lru_cache(maxsize=256)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    """Compressed once per file version (the key changes when the file does)."""
    with open(path, "rb") as fh:
        return gzip.compress(fh.read(), compresslevel=6, mtime=0)


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # a page opening many data files at once should not wait on the backlog

    def handle_error(self, request, client_address):
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):  # a browser that hung up is no error
            super().handle_error(request, client_address)


def make_server(directory: Path, port: int = 8000, *, tries: int = 20, verbose: bool = False,
                handler_class: type[SiteHandler] = SiteHandler) -> ThreadingHTTPServer:
    """Bind 127.0.0.1 on `port`, or the next free one (port 0 = any free port)."""
    handler = functools.partial(handler_class, directory=str(directory))
    for candidate in ([0] if port == 0 else range(port, port + tries)):
        try:
            server = SiteServer((HOST, candidate), handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            continue
        server.verbose = verbose
        return server
    raise OSError(f"no free port in {port}..{port + tries - 1} on {HOST}")


def url_of(server: ThreadingHTTPServer) -> str:
    return f"http://{HOST}:{server.server_address[1]}/"
