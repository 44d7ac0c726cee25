"""A real loopback HTTP webhook receiver that verifies signatures and dedupes on webhook-id."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from connectors.webhook.verify import WebhookVerificationError, verify

# Decides the status for one request from (webhook-id, attempt number at this receiver).
Responder = Callable[[str, int], int]


def always_ok(msg_id: str, attempt: int) -> int:
    return 204


class WebhookReceiver:
    """Counts raw attempts and unique ids; rejects unverifiable requests with 4xx."""

    def __init__(self, secrets: list[str], responder: Responder = always_ok) -> None:
        self.secrets = secrets
        self.responder = responder
        self.attempts: Counter[str] = Counter()
        self.accepted: dict[str, Any] = {}
        self.rejected: list[str] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                try:
                    msg_id = verify(body, dict(self.headers.items()), receiver.secrets)
                except WebhookVerificationError as exc:
                    with receiver._lock:
                        receiver.rejected.append(exc.reason)
                    self._answer(400)
                    return
                with receiver._lock:
                    receiver.attempts[msg_id] += 1
                    status = receiver.responder(msg_id, receiver.attempts[msg_id])
                    if 200 <= status < 300:
                        receiver.accepted.setdefault(msg_id, json.loads(body))
                self._answer(status)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hook"

    @property
    def raw_duplicates(self) -> int:
        """Successful or failed attempts beyond the first, per id."""
        with self._lock:
            return sum(n - 1 for n in self.attempts.values())

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
