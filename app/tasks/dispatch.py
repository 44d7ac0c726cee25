"""Apply an outbox message to its handlers, each exactly once in effect."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
import structlog
from sqlalchemy.exc import IntegrityError

from app.storage.base import utcnow
from app.storage.models import OutboxMessage, TaskReceipt
from app.tasks.registry import handlers_for

if TYPE_CHECKING:
    from app.tasks.context import TaskContext

log = structlog.get_logger(__name__)

RETRY_CAP_SECONDS = 300


def dispatch_message(ctx: TaskContext, message_id: uuid.UUID) -> int:
    """Run every handler of the message's topic that has no receipt yet.

    Each handler's writes and its receipt commit together, so a redelivered message (a
    worker killed before its ack, a relay that published twice) changes nothing twice.
    The last handler's transaction also marks the message dispatched, which tells the
    outbox sweep that the broker did not lose it. Returns how many handlers ran now.
    """
    with ctx.uow() as uow:
        message = uow.session.get(OutboxMessage, message_id)
        if message is None:
            log.warning("outbox_message_missing", message_id=str(message_id))
            return 0
        if message.dispatched_at is not None:
            return 0
        topic = message.topic
    handlers = handlers_for(topic)
    ran = 0
    marked = False
    for index, (name, handler) in enumerate(handlers):
        last = index == len(handlers) - 1
        with ctx.uow() as uow:
            session = uow.session
            if session.get(TaskReceipt, (message_id, name)) is not None:
                continue
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            handler(session, message)
            session.add(TaskReceipt(message_id=message_id, handler=name))
            if last:
                message.dispatched_at = utcnow()
            try:
                uow.commit()
            except IntegrityError:
                log.info("handler_already_applied", message_id=str(message_id), handler=name)
                continue
            ran += 1
            marked = last
    if not marked:
        _mark_dispatched(ctx, message_id)
    return ran


def _mark_dispatched(ctx: TaskContext, message_id: uuid.UUID) -> None:
    """For a message whose last handler had already run (a redelivery) or that has none."""
    with ctx.uow() as uow:
        uow.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.dispatched_at.is_(None))
            .values(dispatched_at=utcnow())
        )
        uow.commit()


def postpone(ctx: TaskContext, message_id: uuid.UUID) -> None:
    """Put a message whose handler failed back in the outbox, due again after a backoff.

    The relay publishes it again when it is due, so retries survive a broker outage and
    one failing message never holds up the others. An attempt that no publish counted (the
    embedded relay marks rows only after their handlers ran) is counted here.
    """
    with ctx.uow() as uow:
        row = uow.session.get(OutboxMessage, message_id)
        if row is None or row.dispatched_at is not None:
            return
        if row.published_at is None:
            row.publish_attempts += 1
        delay = min(RETRY_CAP_SECONDS, 2 ** min(max(row.publish_attempts - 1, 0), 9))
        row.published_at = None
        row.available_at = utcnow() + timedelta(seconds=delay)
        uow.commit()
    log.warning("outbox_message_postponed", message_id=str(message_id), seconds=delay)


def run_message(ctx: TaskContext, message_id: uuid.UUID) -> int:
    """Dispatch a message; if a handler fails, log it and postpone the message."""
    try:
        return dispatch_message(ctx, message_id)
    except Exception:
        log.exception("outbox_dispatch_failed", message_id=str(message_id))
        postpone(ctx, message_id)
        return 0
