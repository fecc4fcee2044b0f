"""Live reload: the Server-Sent Events channel `site/js/dev/livereload.js` listens to, and the status it
reports (build id, last error, training runs).

HTML responses get one `<script src="/__unrolled/livereload.js">` before `</body>` at response time (the
files on disk are never touched), carrying the build id and a hash of the page's bytes. After each
successful build a `reload` event lists the pages whose bytes changed; a failed build sends `builderror`
(file, line, rule, message, hint), which the client shows as an overlay; `training` carries every
queued or training run's epochs. A new connection first gets `hello` with the current build id and
error and whether its page changed since it was served, so an error also shows on the next page load
and a page rendered before a build it missed reloads itself. Each connection holds a thread: at most
MAX_EVENT_CLIENTS are open at once (503 beyond), and every HEARTBEAT_SECONDS a connection checks
whether its page hung up, so a closed page's thread ends soon.
"""
from __future__ import annotations

import hashlib
import json
import os
import queue
import select
import socket
import threading
from http import HTTPStatus
from typing import Callable

from .config import SITE_SOURCES

HEARTBEAT_SECONDS = 1.0  # how soon the thread of a page that went away notices and ends
MAX_EVENT_CLIENTS = 32  # open live-reload connections (each holds a thread); more get 503
DEV_PREFIX = "/__unrolled/"
EVENTS_PATH = DEV_PREFIX + "events"
CLIENT_PATH = DEV_PREFIX + "livereload.js"
STATE_PATH = DEV_PREFIX + "state"
CLIENT_SOURCE = SITE_SOURCES / "js" / "dev" / "livereload.js"


def event(name: str, data: dict) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, sort_keys=True)}\n\n".encode("utf-8")


def page_url(out_path: str) -> str:
    """`a/index.html` -> `/a/`, the form the client compares with its location."""
    url = "/" + out_path
    return url[: -len("index.html")] if url.endswith("/index.html") else url


def version_of(html: bytes) -> str:
    """What a page's script tag carries and `hello` compares: a hash of the page's bytes."""
    return hashlib.sha256(html).hexdigest()[:16]


def inject(html: bytes, build_id: str) -> bytes:
    tag = f'<script src="{CLIENT_PATH}" data-build="{build_id}" data-version="{version_of(html)}"></script>\n'.encode()
    at = html.lower().rfind(b"</body>")
    return html[:at] + tag + html[at:] if at >= 0 else html + tag


class LiveReload:
    """The connected pages and the status they are told. The error, the build number and the client list
    change under one lock, so a page that connects during a build hears either the old status and the
    event that follows, or the new status."""

    def __init__(self):
        self.session = os.urandom(4).hex()
        self.generation = 0
        self.error: dict | None = None
        self.training: list[dict] = []  # the trainer's last report
        self._clients: set[queue.SimpleQueue] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()

    @property
    def build_id(self) -> str:
        return f"{self.session}.{self.generation}"

    @property
    def connected(self) -> int:
        with self._lock:
            return len(self._clients)

    def built(self, changed: list[str], *, new: bool) -> bool:
        """A build succeeded (`new`: some bytes changed, so the build id moves on): clear the error, send
        `reload`. Returns whether this fixed an error."""
        with self._lock:
            recovered = self.error is not None
            self.error = None
            if new:
                self.generation += 1
            self._publish("reload", {"build": self.build_id, "changed": changed})
        return recovered

    def failed(self, error: dict) -> None:
        with self._lock:
            self.error = error
            self._publish("builderror", {**error, "build": self.build_id})

    def progress(self, runs: list[dict]) -> None:
        with self._lock:
            self.training = runs
            self._publish("training", {"runs": runs})

    def status(self) -> dict:
        with self._lock:
            return {"build": self.build_id, "error": self.error, "training": self.training}

    def _publish(self, name: str, data: dict) -> None:
        """Queue an event for every connected page (call with self._lock held)."""
        message = event(name, data)
        for client in self._clients:
            client.put(message)

    def stream(self, handler, stale: Callable[[], bool]) -> None:
        """Events for one open page, on `handler`'s connection until the page or the server goes away.
        `stale()` says whether that page's own bytes changed since it was served, so a rebuild of another
        page in between never reloads it."""
        client: queue.SimpleQueue = queue.SimpleQueue()
        with self._lock:
            full = len(self._clients) >= MAX_EVENT_CLIENTS
            if not full:
                self._clients.add(client)
                hello = event("hello", {"build": self.build_id, "error": self.error, "stale": stale(),
                                        "training": self.training})
        if full:
            handler.send_error(HTTPStatus.SERVICE_UNAVAILABLE, "too many live-reload connections")
            return
        try:
            handler.send_response(HTTPStatus.OK)
            handler.send_header("Content-Type", "text/event-stream; charset=utf-8")
            handler.end_headers()
            handler.wfile.write(b"retry: 1000\n\n" + hello)
            while not self._closed.is_set():
                try:
                    message = client.get(timeout=HEARTBEAT_SECONDS)
                except queue.Empty:
                    if hung_up(handler.connection):
                        break
                    message = b": keep-alive\n\n"
                if message is None:
                    break
                handler.wfile.write(message)
        except OSError:  # the page went away
            pass
        finally:
            with self._lock:
                self._clients.discard(client)
            handler.close_connection = True

    def close(self) -> None:
        """End every open stream."""
        self._closed.set()
        with self._lock:
            for client in self._clients:
                client.put(None)


def hung_up(connection: socket.socket) -> bool:
    """Whether the client closed its end (a page never sends anything on its event stream, so a readable
    socket with nothing to read is one at its end)."""
    try:
        if hasattr(select, "poll"):  # no limit on the descriptor's number, unlike select()
            poller = select.poll()
            poller.register(connection, select.POLLIN)
            readable = bool(poller.poll(0))
        else:
            readable = bool(select.select([connection], [], [], 0)[0])
        return readable and connection.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True
