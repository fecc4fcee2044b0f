"""The dev server's limits, against real servers on 127.0.0.1: no folder listings, bounded request
headers, a bounded number of live-reload connections whose threads end soon after their page closes."""
from __future__ import annotations

import re
import socket
import threading
import time

import pytest

from unrolled.generator.devreload import EVENTS_PATH, MAX_EVENT_CLIENTS
from unrolled.generator.serve import MAX_HEADER_BYTES, MAX_HEADERS, make_server, url_of
from tests.integration.test_devserver import running, tiny_project

SETTLE_SECONDS = 30  # hang guard for threads to end


def connect(url: str) -> socket.socket:
    host, port = re.match(r"http://([\d.]+):(\d+)/", url).groups()
    return socket.create_connection((host, int(port)), timeout=10)


def status_of(url: str, target: str, headers: bytes = b"") -> int:
    """Send one request; the status line survives the server closing on a request it did not read whole."""
    with connect(url) as sock:
        try:
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode() + headers
                         + b"Connection: close\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = b""
        try:
            while b"\r\n" not in response and (chunk := sock.recv(4096)):
                response += chunk
        except ConnectionResetError:
            pass
    return int(response.split(b" ", 2)[1])


@pytest.fixture
def static_site(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.json").write_text("{}")
    (tmp_path / "index.html").write_text("<!doctype html><title>home</title>")
    server = make_server(tmp_path, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url_of(server)
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_a_folder_without_index_is_not_listed(static_site, tmp_path):
    assert status_of(static_site, "/data/") == 404
    assert status_of(static_site, "/data/a.json") == 200 and status_of(static_site, "/") == 200
    with running(tiny_project(tmp_path / "dev")) as (dev, url):
        (dev.project.out_dir / "data").mkdir(exist_ok=True)
        assert status_of(url, "/data/") == 404
        assert status_of(url, "/alpha/") == 200


@pytest.mark.parametrize("headers, status", [
    (b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 10_000) for i in range(99)), 431),  # about 1 MB
    (b"".join(b"X-Pad-%d: a\r\n" % i for i in range(MAX_HEADERS + 1)), 431),
    (b"X-Pad: " + b"a" * (MAX_HEADER_BYTES + 1) + b"\r\n", 431),
    (b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 900) for i in range(MAX_HEADERS - 4)), 200),  # large but fine
])
def test_header_block_is_bounded(static_site, headers, status):
    assert status_of(static_site, "/", headers) == status
    assert status_of(static_site, "/") == 200  # and the server is still fine


def open_stream(url: str) -> tuple[socket.socket, int]:
    sock = connect(url)
    sock.sendall(f"GET {EVENTS_PATH}?page=/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head = b""
    while b"\r\n" not in head:
        head += sock.recv(4096)
    return sock, int(head.split(b" ", 2)[1])


def threads_settle(limit: int) -> int:
    deadline = time.monotonic() + SETTLE_SECONDS
    while threading.active_count() > limit and time.monotonic() < deadline:
        time.sleep(0.05)
    return threading.active_count()


def test_live_reload_connections_are_bounded_and_their_threads_end_when_pages_close(tmp_path):
    with running(tiny_project(tmp_path)) as (dev, url):
        before = threading.active_count()
        streams = [open_stream(url) for _ in range(200)]
        statuses = [status for _, status in streams]
        assert statuses.count(200) == MAX_EVENT_CLIENTS and statuses.count(503) == 200 - MAX_EVENT_CLIENTS
        assert threads_settle(before + MAX_EVENT_CLIENTS) <= before + MAX_EVENT_CLIENTS
        for sock, _ in streams:
            sock.close()
        # each open stream's thread notices at its next heartbeat (HEARTBEAT_SECONDS) that its page left
        assert threads_settle(before) <= before
        assert dev.reload.connected == 0
        sock, status = open_stream(url)  # room again
        assert status == 200
        sock.close()


def test_an_output_folder_that_turns_read_only_is_a_clear_error_until_it_is_writable(tmp_path):
    from tests.integration.test_crashes import immutable
    from tests.integration.test_devserver import article, edit

    root = tiny_project(tmp_path)
    with running(root) as (dev, url):
        with immutable(dev.project.out_dir / "alpha", root):
            attempt = edit(dev, root / "content" / "alpha" / "index.md", article("Alpha", "Second draft."))
        assert not attempt.ok and attempt.error["rule"] == "output-unwritable" and attempt.error["hint"]
        assert "Traceback" not in dev.log_err.getvalue()
        attempt = edit(dev, root / "content" / "alpha" / "index.md", article("Alpha", "Third draft."))
        assert attempt.ok and "Third draft." in (dev.project.out_dir / "alpha" / "index.html").read_text()
