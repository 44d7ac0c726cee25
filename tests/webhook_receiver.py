"""A real loopback webhook receiver: verifies signatures and dedupes on webhook-id, like a bank."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from connectors.webhook.verify import WebhookVerificationError, verify

# (webhook-id, how many times this id arrived so far) -> (status, extra headers)
Responder = Callable[[str, int], tuple[int, dict[str, str]]]


def always_ok(msg_id: str, seen: int) -> tuple[int, dict[str, str]]:
    return 204, {}


class QuietServer(ThreadingHTTPServer):
    """Senders killed mid-request (the crash tests do that) reset connections: not news."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        return


class WebhookReceiver:
    """Counts every attempt, keeps the first accepted copy per id, rejects forgeries with 400."""

    def __init__(
        self, secrets: list[str], responder: Responder = always_ok, delay: float = 0.0
    ) -> None:
        self.secrets = secrets
        self.responder = responder
        self.delay = delay
        self.arrivals: Counter[str] = Counter()
        self.accepted_counts: Counter[str] = Counter()
        self.messages: dict[str, dict[str, Any]] = {}
        self.rejected: list[str] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if receiver.delay:
                    threading.Event().wait(receiver.delay)
                try:
                    msg_id = verify(body, dict(self.headers.items()), receiver.secrets)
                except WebhookVerificationError as exc:
                    with receiver.lock:
                        receiver.rejected.append(exc.reason)
                    self._answer(400, {})
                    return
                with receiver.lock:
                    receiver.arrivals[msg_id] += 1
                    status, headers = receiver.responder(msg_id, receiver.arrivals[msg_id])
                    if 200 <= status < 300:
                        receiver.accepted_counts[msg_id] += 1
                        receiver.messages.setdefault(msg_id, json.loads(body))
                self._answer(status, headers)

            def _answer(self, status: int, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hook"

    def unique(self) -> set[str]:
        """Ids accepted at least once: what a deduplicating receiver processed."""
        with self.lock:
            return set(self.messages)

    def raw_duplicates(self) -> int:
        """Accepted deliveries beyond the first per id: what dedup had to drop."""
        with self.lock:
            return sum(n - 1 for n in self.accepted_counts.values())

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
