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
    """Answers 503 problem+json to ``/v1`` writes while anchoring has stalled past its limit."""

    def __init__(self, app: ASGIApp, container: Container) -> None:
        self.app = app
        self.container = container
        self._checked_at = -CACHE_SECONDS
        self._reason: str | None = None
        # One refresh at a time: the requests that find the verdict stale meanwhile use the
        # last one, instead of each taking a pooled connection (past the pool's size, a new
        # database connection each) to ask the same question.
        self._refreshing = threading.Lock()

    def _fresh(self) -> bool:
        return time.monotonic() - self._checked_at < CACHE_SECONDS

    def _health(self) -> str | None:
        if not self._refreshing.acquire(blocking=False):
            return self._reason
        try:
            now = time.monotonic()
            if now - self._checked_at >= CACHE_SECONDS:
                try:
                    with self.container.uow() as uow:
                        self._reason = anchoring_health(uow.session, self.container.settings)
                except SQLAlchemyError:
                    # The database itself is failing: the write will report that more precisely.
                    self._reason = None
                self._checked_at = now
        finally:
            self._refreshing.release()
        return self._reason

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] == "http"
            and scope["method"] in WRITE_METHODS
            and path.startswith("/v1/")
            and not path.startswith(EXEMPT_PATHS)
        ):
            # The cached verdict needs no thread: only a stale one is read from the database,
            # by one request while the others go on with the last verdict.
            reason = (
                self._reason
                if self._fresh() or self._refreshing.locked()
                else await run_in_threadpool(self._health)
            )
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
