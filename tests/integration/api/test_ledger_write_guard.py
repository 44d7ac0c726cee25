"""The write guard reads the anchoring verdict off the request path while it admits writes."""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa

from app.api import ledger_guard
from app.api.ledger_guard import LedgerWriteGuard
from app.ledger.sinks import by_url
from app.services.common.events import record_event
from app.services.ledger.anchoring import plan_anchoring, record_outcome, run_plan
from app.storage.base import utcnow
from app.tasks.ledger import anchor
from tests.support import run_coroutine

pytestmark = pytest.mark.integration


async def _created(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 201, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def _write(guard: LedgerWriteGuard) -> int:
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    scope = {"type": "http", "method": "POST", "path": "/v1/participants", "headers": []}
    run_coroutine(guard(scope, receive, send))
    return statuses[0]


def _stall_anchoring(container) -> None:
    container.settings.ledger_anchor_urls = ["rfc3161+http://127.0.0.1:9/tsa"]
    container.settings.ledger_anchor_max_lag_seconds = 30.0
    with container.uow() as uow:
        for i in range(2):
            record_event(uow.session, kind="test.event", actor="t", subject=f"s:{i}", payload={})
        uow.commit()
    outcome = anchor(container)
    assert outcome is not None and outcome.errors
    with container.uow() as uow:
        uow.session.execute(
            sa.text("UPDATE ledger_state SET unanchored_since = :t"),
            {"t": utcnow().replace(year=utcnow().year - 1)},
        )
        uow.commit()


def _resume_anchoring(container) -> None:
    container.settings.ledger_anchor_urls = ["none://"]
    with container.uow() as uow:
        plan = plan_anchoring(uow.session, container.settings, utcnow(), force=True)
    outcome = run_plan(plan, by_url)
    with container.uow() as uow:
        record_outcome(uow.session, container.settings, plan, outcome, utcnow())
        uow.commit()


def test_a_stall_is_refused_within_a_refresh_and_writes_resume_at_once(container, monkeypatch):
    guard = LedgerWriteGuard(_created, container)
    assert _write(guard) == 201  # the first verdict is read before the first write
    monkeypatch.setattr(ledger_guard, "CACHE_SECONDS", 0.0)  # every verdict is stale at once
    _stall_anchoring(container)
    # An admitting verdict is refreshed in the background: this write does not wait for it.
    assert _write(guard) == 201
    statuses = []
    for _ in range(100):
        statuses.append(_write(guard))
        if statuses[-1] == 503:
            break
        time.sleep(0.05)
    assert statuses[-1] == 503, statuses
    assert _write(guard) == 503  # a refusing verdict is read again, and still refuses
    _resume_anchoring(container)
    assert _write(guard) == 201  # ... and admits as soon as anchoring is back
