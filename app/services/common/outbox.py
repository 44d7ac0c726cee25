"""Write outbox rows in the caller's transaction so announcements commit with the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.storage.models import OutboxMessage

#: Set in a session's `info` when it queued messages; the relay publishes after commit.
OUTBOX_PENDING = "tradegate.outbox_pending"


def enqueue(session: Session, *, topic: str, key: str, payload: dict[str, Any]) -> OutboxMessage:
    """Queue a message; `key` is its stable idempotency key (unique across the outbox)."""
    message = OutboxMessage(topic=topic, key=key, payload=payload)
    session.add(message)
    session.info[OUTBOX_PENDING] = True
    return message
