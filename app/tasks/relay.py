"""The outbox relay: hand committed outbox rows to the task queue."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, cast

import sqlalchemy as sa
import structlog

from app.storage.base import utcnow
from app.storage.db import is_postgresql
from app.storage.models import OutboxMessage
from app.tasks.dispatch import run_message

if TYPE_CHECKING:
    from app.tasks.context import TaskContext

log = structlog.get_logger(__name__)


class Publisher(Protocol):
    def publish(self, message_id: uuid.UUID, topic: str) -> None: ...


_OUTBOX = cast(sa.Table, OutboxMessage.__table__)
#: What publishing needs of a row: Core columns, no ORM objects to build and flush.
_CLAIM = sa.select(_OUTBOX.c.id, _OUTBOX.c.topic)
_MARK = (
    sa.update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(sa.bindparam("ids", expanding=True)))
    .values(publish_attempts=_OUTBOX.c.publish_attempts + 1, published_at=sa.bindparam("published"))
)


def _pending(limit: int) -> sa.Select[uuid.UUID, str]:
    return (
        _CLAIM.where(_OUTBOX.c.published_at.is_(None), _OUTBOX.c.available_at <= utcnow())
        .order_by(_OUTBOX.c.created_at)
        .limit(limit)
    )


def _lost(published_before: datetime, limit: int) -> sa.Select[uuid.UUID, str]:
    return (
        _CLAIM.where(
            _OUTBOX.c.dispatched_at.is_(None),
            _OUTBOX.c.published_at < published_before,
        )
        .order_by(_OUTBOX.c.published_at)
        .limit(limit)
    )


def _publish(ctx: TaskContext, publisher: Publisher, stmt: sa.Select[uuid.UUID, str]) -> int:
    """Mark the rows `stmt` selects as published, commit, then publish them.

    PostgreSQL claims with FOR UPDATE SKIP LOCKED so API replicas and the beat sweeper
    never publish the same row concurrently; SQLite's BEGIN IMMEDIATE makes the claim a
    single writer. Publishing only after the commit means a worker never reads a row the
    relay has not finished with. If the broker refuses a message, the rows not yet sent are
    unmarked so the next relay tries them again; a crash between the commit and the publish
    leaves rows published but never dispatched, which :func:`redeliver_lost` sends again.
    """
    with ctx.uow() as uow:
        if is_postgresql(uow.session):
            stmt = stmt.with_for_update(skip_locked=True)
        rows = uow.session.execute(stmt).all()
        if not rows:
            return 0
        uow.session.execute(_MARK, {"ids": [r.id for r in rows], "published": utcnow()})
        uow.commit()
    for sent, (message_id, topic) in enumerate(rows):
        try:
            publisher.publish(message_id, topic)
        except Exception:
            _unmark(ctx, [r.id for r in rows[sent:]])
            raise
    return len(rows)


def _unmark(ctx: TaskContext, ids: list[uuid.UUID]) -> None:
    """Give rows the broker did not take back to the relay (their attempt stays counted)."""
    with ctx.uow() as uow:
        uow.session.execute(
            sa.update(_OUTBOX)
            .where(_OUTBOX.c.id.in_(ids), _OUTBOX.c.dispatched_at.is_(None))
            .values(published_at=None)
        )
        uow.commit()


def relay_to_broker(ctx: TaskContext, publisher: Publisher, limit: int) -> int:
    """Publish up to `limit` rows that are due and not yet published."""
    return _publish(ctx, publisher, _pending(limit))


def redeliver_lost(
    ctx: TaskContext, publisher: Publisher, *, older_than: timedelta, limit: int
) -> int:
    """Publish again rows published before `older_than` ago whose handlers have not all run.

    Redis acknowledges a message once it holds it, but a message can still vanish (a
    worker's connection dropped between taking a message and recording it as unacked,
    a retry that could not be published during an outage, a flushed queue). The outbox,
    not the broker, is the record of what is still to be done.
    """
    count = _publish(ctx, publisher, _lost(utcnow() - older_than, limit))
    if count:
        log.warning("outbox_messages_redelivered", count=count)
    return count


_inline_lock = threading.Lock()
_inline_state = threading.local()


def relay_inline(ctx: TaskContext, limit: int) -> int:
    """Embedded mode: run the handlers in this process, then mark the rows published.

    Handlers run in their own transactions (SQLite allows one writer), so a row is only
    marked once its handlers have committed: a crash in between re-runs it on restart, and
    a message whose handler failed stays unpublished, postponed, behind the others.
    A handler that enqueues more rows commits from inside this loop; that nested kick
    returns at once and the loop picks the new rows up in its next round.
    """
    if getattr(_inline_state, "active", False):
        return 0
    with _inline_lock:
        _inline_state.active = True
        try:
            total = 0
            while True:
                with ctx.uow() as uow:
                    stmt = _pending(limit)
                    pending = [(m.id, m.topic) for m in uow.session.execute(stmt)]
                if not pending:
                    return total
                for message_id, _topic in pending:
                    run_message(ctx, message_id)
                    with ctx.uow() as uow:
                        row = uow.session.get(OutboxMessage, message_id)
                        if row is not None and row.dispatched_at and row.published_at is None:
                            row.publish_attempts += 1
                            row.published_at = utcnow()
                        uow.commit()
                total += len(pending)
        finally:
            _inline_state.active = False
