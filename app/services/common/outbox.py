"""Write outbox rows in the caller's transaction so announcements commit with the change."""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.storage.base import new_id, utcnow
from app.storage.models import OutboxMessage

#: Set in a session's `info` when it queued messages; the relay publishes after commit.
OUTBOX_PENDING = "tradegate.outbox_pending"
_OUTBOX = cast(sa.Table, OutboxMessage.__table__)
_INSERT = sa.insert(_OUTBOX)


def enqueue(session: Session, *, topic: str, key: str, payload: dict[str, Any]) -> OutboxMessage:
    """Queue a message; `key` is its stable idempotency key (unique across the outbox)."""
    message = OutboxMessage(topic=topic, key=key, payload=payload)
    session.add(message)
    session.info[OUTBOX_PENDING] = True
    return message


def append(session: Session, *, topic: str, key: str, payload: dict[str, Any]) -> None:
    """Queue a message due now with one Core insert, for hot paths that need no row object."""
    now = utcnow()
    session.execute(
        _INSERT,
        {
            "id": new_id(),
            "topic": topic,
            "key": key,
            "payload": payload,
            "created_at": now,
            "available_at": now,
            "publish_attempts": 0,
        },
    )
    session.info[OUTBOX_PENDING] = True
