"""Outbox handler that sends queued PINT envelope transfers to their peer platform."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.services.pint.sending import TOPIC, send_transfer
from app.storage.models import OutboxMessage
from app.tasks.delivery import retry_policy
from app.tasks.registry import on_outbox, task_context
from connectors.registry import default_registry


@on_outbox(TOPIC)
def send_pint_transfer(session: Session, message: OutboxMessage) -> None:
    send_transfer(
        session,
        uuid.UUID(message.payload["transfer_id"]),
        registry=default_registry(),
        policy=retry_policy(task_context(session).settings),
    )
