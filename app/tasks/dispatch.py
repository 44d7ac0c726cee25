"""Apply an outbox message to its handlers, each exactly once in effect."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import structlog
from sqlalchemy.exc import IntegrityError

from app.storage.models import OutboxMessage, TaskReceipt
from app.tasks.registry import handlers_for

if TYPE_CHECKING:
    from app.container import Container

log = structlog.get_logger(__name__)


def dispatch_message(container: Container, message_id: uuid.UUID) -> int:
    """Run every handler of the message's topic that has no receipt yet.

    Each handler's writes and its receipt commit together, so a redelivered message (a
    worker killed before its ack, a relay that published twice) changes nothing twice.
    Returns how many handlers ran now.
    """
    with container.uow() as uow:
        message = uow.session.get(OutboxMessage, message_id)
        if message is None:
            log.warning("outbox_message_missing", message_id=str(message_id))
            return 0
        topic = message.topic
    ran = 0
    for name, handler in handlers_for(topic):
        with container.uow() as uow:
            session = uow.session
            if session.get(TaskReceipt, (message_id, name)) is not None:
                continue
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            handler(session, message)
            session.add(TaskReceipt(message_id=message_id, handler=name))
            try:
                uow.commit()
            except IntegrityError:
                log.info("handler_already_applied", message_id=str(message_id), handler=name)
                continue
            ran += 1
    return ran
