"""Fail closed: refuse API writes while the transparency log cannot get anchored."""

from __future__ import annotations

import json
import threading
import time

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.problems import PROBLEM_JSON, problem_body
from app.container import Container
from app.services.ledger.log import anchoring_health

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Verifying a bundle writes nothing, and it is what people need most while anchoring is down.
EXEMPT_PATHS = ("/v1/verify",)
CACHE_SECONDS = 1.0


class LedgerWriteGuard:
    """Answers 503 problem+json to ``/v1`` writes while anchoring has stalled past its limit.

    The verdict is read from the database at most once a second. A verdict that refuses is
    read again before it refuses anyone once it is a second old, so writes resume as soon as
    anchoring does; one that admits is refreshed off the request path (a thread), so no
    write waits for the check, and a stall is noticed within a second plus one check.
    """

    def __init__(self, app: ASGIApp, container: Container) -> None:
        self.app = app
        self.container = container
        self._checked_at: float | None = None
        self._reason: str | None = None
        self._refreshing = threading.Lock()

    def _fresh(self) -> bool:
        return self._checked_at is not None and time.monotonic() - self._checked_at < CACHE_SECONDS

    def _health(self) -> str | None:
        now = time.monotonic()
        if self._checked_at is None or now - self._checked_at >= CACHE_SECONDS:
            try:
                with self.container.uow() as uow:
                    self._reason = anchoring_health(uow.session, self.container.settings)
            except SQLAlchemyError:
                # The database itself is failing: the write will report that more precisely.
                self._reason = None
            self._checked_at = now
        return self._reason

    def _refresh_in_background(self) -> None:
        if not self._refreshing.acquire(blocking=False):
            return  # a refresh is under way

        def refresh() -> None:
            try:
                self._health()
            finally:
                self._refreshing.release()

        threading.Thread(target=refresh, name="ledger-write-guard", daemon=True).start()

    async def _verdict(self) -> str | None:
        if self._fresh():
            return self._reason
        if self._checked_at is not None and self._reason is None:
            self._refresh_in_background()
            return None
        return await run_in_threadpool(self._health)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] == "http"
            and scope["method"] in WRITE_METHODS
            and path.startswith("/v1/")
            and not path.startswith(EXEMPT_PATHS)
        ):
            reason = await self._verdict()
            if reason is not None:
                body = json.dumps(
                    problem_body(503, reason, "ledger-anchoring-stalled", instance=path)
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 503,
                        "headers": [
                            (b"content-type", PROBLEM_JSON.encode()),
                            (b"content-length", str(len(body)).encode()),
                            (b"retry-after", b"30"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
