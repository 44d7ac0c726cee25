"""Outbox handlers and periodic jobs: routing, delivery attempts, inbound polling."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from app.services.common.connector_state import delivery_state
from app.services.delivery import deliveries, routing
from app.services.documents import inbound
from app.settings import Settings
from app.storage.models import OutboxMessage
from app.tasks.registry import on_outbox, periodic, task_context
from connectors.registry import default_registry
from connectors.retry import RetryPolicy

if TYPE_CHECKING:
    from app.tasks.context import TaskContext


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        base_seconds=settings.delivery_retry_base_seconds,
        cap_seconds=settings.delivery_retry_cap_seconds,
        max_attempts=settings.delivery_max_attempts,
    )


@on_outbox("document.accepted")
def route_accepted_document(session: Session, message: OutboxMessage) -> None:
    routing.route_document(session, message, task_context(session).settings.issuer)


def route_consent_change(session: Session, message: OutboxMessage) -> None:
    routing.route_consent(session, message)


for _topic in routing.CONSENT_TOPICS:
    on_outbox(_topic)(route_consent_change)


@periodic("connectors.poll_inbound", seconds=10)
def poll_inbound_connectors(ctx: TaskContext) -> None:
    inbound.poll_instances(ctx, default_registry())


@on_outbox(routing.DELIVERY_TOPIC)
def attempt_delivery(session: Session, message: OutboxMessage) -> None:
    ctx = task_context(session)
    deliveries.attempt_delivery(
        session,
        message,
        registry=default_registry(),
        policy=retry_policy(ctx.settings),
        state_for=lambda instance: delivery_state(ctx, session, instance.id),
    )
