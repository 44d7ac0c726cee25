"""Limits and token checks hold on a real uvicorn server started by `tradegate serve`."""

import select
import socket
import subprocess
import sys
import time

import httpx
import pytest

from app.storage.migrate import upgrade
from tests.support import REPO, free_port, settings_env, wait_until

pytestmark = pytest.mark.integration
BODY_TIMEOUT = 2
FORM = b"application/x-www-form-urlencoded"


@pytest.fixture
def server(settings):
    upgrade(settings.effective_database_url)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env={**settings_env(settings), "TRADEGATE_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT)},
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    assert wait_until(up, timeout=90), "server did not start"
    yield base
    proc.terminate()
    proc.wait(timeout=15)


def test_fifty_mebibyte_chunked_upload_is_refused_before_it_is_all_sent(server):
    host, port = server.removeprefix("http://").split(":")
    total, sent, chunk = 50 * 1024 * 1024, 0, b"z" * (1024 * 1024)
    answer = b""
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/participants HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/octet-stream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                answer = sock.recv(4096)
                break
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                answer = sock.recv(4096)
                break
            sent += len(chunk)
        else:
            answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    assert b"application/problem+json" in answer
    assert sent < total
    assert httpx.get(f"{server}/healthz").status_code == 200


def test_fifty_mebibyte_declared_body_gets_413(server):
    r = httpx.post(
        f"{server}/v1/participants",
        content=b"x" * (50 * 1024 * 1024),
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 413


def test_deep_json_and_forged_tokens_do_not_hurt_the_server(server):
    deep = httpx.post(
        f"{server}/v1/participants",
        content=b"[" * 10_000 + b"]" * 10_000,
        headers={"content-type": "application/json"},
    )
    assert deep.status_code == 400
    for token in ("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "a.b.c", "x" * 5000):
        r = httpx.get(f"{server}/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
    assert httpx.get(f"{server}/healthz").status_code == 200


def _raw(server: str, request: bytes, *, timeout: float = 20) -> bytes:
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        return sock.recv(65536)


@pytest.mark.parametrize(
    ("path", "media_type"),
    [("/v1/participants", b"application/json"), ("/oauth/token", FORM)],
)
def test_a_body_that_trickles_in_is_cut_off_with_408(server, path, media_type):
    started = time.monotonic()
    answer = _raw(
        server,
        b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: 1000\r\n\r\n{"
        % (path.encode(), media_type),
    )
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"application/problem+json" in answer
    assert BODY_TIMEOUT <= time.monotonic() - started < BODY_TIMEOUT + 10
    assert httpx.get(f"{server}/healthz").status_code == 200


def test_a_header_smuggling_a_carriage_return_is_refused(server):
    answer = _raw(
        server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-ID: a\rSet-Cookie: s=1\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"set-cookie" not in answer.lower()


def test_a_request_id_with_unsafe_characters_is_replaced_not_echoed(server):
    hostile = "x<script>alert(1)</script>"
    answer = httpx.get(f"{server}/healthz", headers={"X-Request-ID": hostile})
    assert answer.status_code == 200
    assert answer.headers["x-request-id"] != hostile
    assert "<" not in answer.headers["x-request-id"]
