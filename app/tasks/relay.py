"""The outbox relay: hand committed outbox rows to the task queue."""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING, Protocol

import sqlalchemy as sa
import structlog

from app.storage.base import utcnow
from app.storage.db import is_postgresql
from app.storage.models import OutboxMessage
from app.tasks.dispatch import dispatch_message

if TYPE_CHECKING:
    from app.container import Container

log = structlog.get_logger(__name__)


class Publisher(Protocol):
    def publish(self, message_id: uuid.UUID, topic: str) -> None: ...


def _pending(limit: int) -> sa.Select[OutboxMessage]:
    return (
        sa.select(OutboxMessage)
        .where(OutboxMessage.published_at.is_(None), OutboxMessage.available_at <= utcnow())
        .order_by(OutboxMessage.created_at)
        .limit(limit)
    )


def relay_to_broker(container: Container, publisher: Publisher, limit: int) -> int:
    """Publish up to `limit` rows and mark them, in one transaction.

    PostgreSQL claims with FOR UPDATE SKIP LOCKED so API replicas and the beat sweeper
    never publish the same row concurrently; SQLite's BEGIN IMMEDIATE makes the claim a
    single writer. A crash after publishing but before the commit republishes the row,
    which the handlers' receipts make harmless.
    """
    with container.uow() as uow:
        stmt = _pending(limit)
        if is_postgresql(uow.session):
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(uow.session.execute(stmt).scalars())
        for row in rows:
            row.publish_attempts += 1
            publisher.publish(row.id, row.topic)
            row.published_at = utcnow()
        uow.commit()
    return len(rows)


_inline_lock = threading.Lock()


def relay_inline(container: Container, limit: int) -> int:
    """Embedded mode: run the handlers in this process, then mark the rows published.

    Handlers run in their own transactions (SQLite allows one writer), so a row is only
    marked once its handlers have committed: a crash in between re-runs it on restart.
    """
    with _inline_lock:
        with container.uow() as uow:
            pending = [(m.id, m.topic) for m in uow.session.execute(_pending(limit)).scalars()]
        for message_id, _topic in pending:
            dispatch_message(container, message_id)
            with container.uow() as uow:
                row = uow.session.get(OutboxMessage, message_id)
                if row is not None and row.published_at is None:
                    row.publish_attempts += 1
                    row.published_at = utcnow()
                uow.commit()
        return len(pending)
