"""Outbox handlers that issue notices after consent changes and deliver them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.services.consents.purposes import catalogue_for
from app.services.delivery.routing import NOTICE_TOPIC
from app.services.notices import issuing
from app.storage.models import OutboxMessage
from app.tasks.registry import on_outbox, task_context

#: The transitions that end or suspend access (the handler checks the target again).
NOTICE_TRIGGERS = ("consent.paused", "consent.revoked", "consent.expired")


def issue_notice(session: Session, message: OutboxMessage) -> None:
    issuing.on_consent_change(session, message, catalogue_for(task_context(session).settings))


for _topic in NOTICE_TRIGGERS:
    on_outbox(_topic)(issue_notice)


@on_outbox(NOTICE_TOPIC)
def deliver_notice(session: Session, message: OutboxMessage) -> None:
    issuing.route_notice(session, message, task_context(session).settings.issuer)
