"""`unrolled serve`: the built site on 127.0.0.1 only, with cross-origin isolation headers.

COOP/COEP make the page cross-origin isolated, which lets a Python cell be interrupted through a
SharedArrayBuffer instead of killing its worker.
"""
from __future__ import annotations

import errno
import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "127.0.0.1"


class SiteHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                      ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json"}

    def end_headers(self):
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by http.server
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)


def make_server(directory: Path, port: int = 8000, *, tries: int = 20, verbose: bool = False) -> ThreadingHTTPServer:
    """Bind 127.0.0.1 on `port`, or the next free one (port 0 = any free port)."""
    handler = functools.partial(SiteHandler, directory=str(directory))
    for candidate in ([0] if port == 0 else range(port, port + tries)):
        try:
            server = ThreadingHTTPServer((HOST, candidate), handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            continue
        server.daemon_threads = True
        server.verbose = verbose
        return server
    raise OSError(f"no free port in {port}..{port + tries - 1} on {HOST}")


def url_of(server: ThreadingHTTPServer) -> str:
    return f"http://{HOST}:{server.server_address[1]}/"
