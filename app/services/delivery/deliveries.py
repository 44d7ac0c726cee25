"""Attempt deliveries, apply the retry policy, dead-letter them, and replay on request."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound
from app.security.principal import Principal
from app.services.access import coverage
from app.services.common.events import record_event
from app.services.delivery.routing import content_data, matching_rules, schedule_attempt, webhook_id
from app.storage.base import utcnow
from app.storage.models import (
    ConnectorInstance,
    Delivery,
    DeliveryStatus,
    Document,
    Notification,
    OutboxMessage,
)
from app.storage.scoping import readable
from connectors.registry import ConnectorRegistry, UnknownConnectorError
from connectors.retry import RetryPolicy, next_attempt
from connectors.spi import (
    DeliveryContext,
    DeliveryError,
    EndpointGoneError,
    InstanceState,
    OutboundConnector,
    OutboundMessage,
    PermanentDeliveryError,
    TransientDeliveryError,
    is_stateful,
)

log = structlog.get_logger(__name__)

OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
REPLAYABLE = (DeliveryStatus.DEAD, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED)


@dataclass(frozen=True)
class Route:
    """Whether a waiting delivery is still wanted, and with the document's content or not."""

    wanted: bool
    include_content: bool = False
    reason: str = ""


def current_route(
    session: Session, notification: Notification, instance: ConnectorInstance
) -> Route:
    """Re-evaluate routing at delivery time: a revoked consent or deleted rule stops it."""
    document = None
    push_content = False
    if notification.document_id is not None:
        document = session.get(Document, notification.document_id)
        if document is None:
            return Route(False, reason="the document no longer exists")
        consents = [
            c
            for c in coverage.covering_consumers(session, document)
            if c.consumer_id == notification.participant_id
        ]
        if not consents:
            return Route(False, reason="no active consent covers the document any more")
        push_content = any(c.push_content for c in consents)
    rules = [r for r, i in matching_rules(session, notification, document) if i.id == instance.id]
    if not rules:
        return Route(False, reason="no routing rule sends this notification here any more")
    return Route(True, include_content=push_content and any(r.include_content for r in rules))


def message_body(session: Session, notification: Notification, include_content: bool) -> bytes:
    """The exact bytes sent; compact, key-sorted JSON so every retry is byte-identical."""
    payload: dict[str, Any] = dict(notification.payload)
    if include_content and notification.document_id is not None:
        document = session.get(Document, notification.document_id)
        if document is not None:
            payload["data"] = dict(payload["data"], **content_data(document))
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _finish(
    delivery: Delivery, status: DeliveryStatus, error: str | None, code: int | None
) -> None:
    delivery.status = status
    delivery.last_error = error[:1000] if error else None
    delivery.last_status_code = code
    if status is not DeliveryStatus.FAILED:
        delivery.next_attempt_at = None


def attempt_delivery(
    session: Session,
    message: OutboxMessage,
    *,
    registry: ConnectorRegistry,
    policy: RetryPolicy,
    now: datetime | None = None,
    state_for: Callable[[ConnectorInstance], InstanceState] | None = None,
) -> DeliveryStatus | None:
    """Make the attempt `message` schedules, if it is still the current one.

    The delivery row is locked for the attempt (PostgreSQL), so a duplicate dispatch of
    the same attempt waits and then finds it settled. A worker killed mid-attempt leaves
    nothing committed; the broker redelivers and the receiver drops the repeat by its
    webhook-id. The price: the attempt's transaction stays open for the request (bounded
    by the connector's timeout), which on SQLite holds the single write lock.
    A stateful connector gets ``state_for(instance)``, whose writes outlive a rollback.
    Returns the new status, or None when there was nothing to do.
    """
    delivery_id = uuid.UUID(str(message.payload["delivery_id"]))
    delivery = session.execute(
        sa.select(Delivery).where(Delivery.id == delivery_id).with_for_update()
    ).scalar_one_or_none()
    if delivery is None or delivery.status not in OPEN_STATUSES:
        return None
    if delivery.schedule_seq != int(message.payload["seq"]):
        return None
    notification = session.get(Notification, delivery.notification_id)
    instance = session.get(ConnectorInstance, delivery.instance_id)
    assert notification is not None and instance is not None  # foreign keys cascade
    if not instance.enabled:
        _finish(delivery, DeliveryStatus.DEAD, "connector instance is disabled", None)
        return DeliveryStatus.DEAD
    route = current_route(session, notification, instance)
    if not route.wanted:
        _finish(delivery, DeliveryStatus.CANCELLED, route.reason, None)
        return DeliveryStatus.CANCELLED
    try:
        connector = registry.get(instance.connector)
        config = connector.config_model.model_validate(instance.config)
    except (UnknownConnectorError, ValueError) as exc:
        _finish(delivery, DeliveryStatus.DEAD, f"connector unusable: {exc}", None)
        return DeliveryStatus.DEAD
    if not isinstance(connector, OutboundConnector):
        _finish(delivery, DeliveryStatus.DEAD, f"{instance.connector} cannot deliver", None)
        return DeliveryStatus.DEAD
    now = now or utcnow()
    delivery.attempts += 1
    outbound = OutboundMessage(
        id=webhook_id(notification),
        event_type=notification.topic,
        body=message_body(session, notification, route.include_content),
        occurred_at=notification.created_at,
    )
    state = state_for(instance) if state_for is not None and is_stateful(connector) else None
    context = DeliveryContext(str(instance.id), config, delivery.attempts, now, state)
    try:
        receipt = connector.deliver(outbound, context)
    except EndpointGoneError as exc:
        instance.enabled = False
        instance.disabled_reason = f"endpoint answered {exc.detail}"
        record_event(
            session,
            kind="connector.instance_disabled",
            actor="system",
            subject=f"connector-instance:{instance.id}",
            payload={"reason": instance.disabled_reason},
            participant_ids=[instance.participant_id],
        )
        _finish(delivery, DeliveryStatus.DEAD, exc.detail, exc.status_code)
        return DeliveryStatus.DEAD
    except PermanentDeliveryError as exc:
        _finish(delivery, DeliveryStatus.DEAD, exc.detail, exc.status_code)
        return DeliveryStatus.DEAD
    except DeliveryError as exc:
        retry_after = exc.retry_after if isinstance(exc, TransientDeliveryError) else None
        return _retry_later(
            session, delivery, policy, now, exc.detail, exc.status_code, retry_after
        )
    except Exception as exc:  # a connector bug must not lose the delivery
        log.exception("connector_crashed", connector=instance.connector)
        detail = f"connector error: {type(exc).__name__}: {exc}"
        return _retry_later(session, delivery, policy, now, detail, None, None)
    _finish(delivery, DeliveryStatus.DELIVERED, None, receipt.status_code)
    delivery.delivered_at = receipt.delivered_at
    return DeliveryStatus.DELIVERED


def _retry_later(
    session: Session,
    delivery: Delivery,
    policy: RetryPolicy,
    now: datetime,
    detail: str,
    code: int | None,
    retry_after: float | None,
) -> DeliveryStatus:
    when = next_attempt(delivery.attempts, now, retry_after, policy=policy)
    if when is None:
        _finish(delivery, DeliveryStatus.DEAD, f"retry budget spent; last: {detail}", code)
        return DeliveryStatus.DEAD
    _finish(delivery, DeliveryStatus.FAILED, detail, code)
    schedule_attempt(session, delivery, when)
    return DeliveryStatus.FAILED


def list_deliveries(
    session: Session,
    principal: Principal,
    *,
    status: DeliveryStatus | None = None,
    instance_id: uuid.UUID | None = None,
    limit: int = 100,
) -> list[Delivery]:
    stmt = readable(Delivery, principal).order_by(Delivery.created_at.desc(), Delivery.id)
    if status is not None:
        stmt = stmt.where(Delivery.status == status)
    if instance_id is not None:
        stmt = stmt.where(Delivery.instance_id == instance_id)
    return list(session.execute(stmt.limit(limit)).scalars())


def get_delivery(session: Session, principal: Principal, delivery_id: uuid.UUID) -> Delivery:
    stmt = readable(Delivery, principal).where(Delivery.id == delivery_id)
    delivery = session.execute(stmt).scalar_one_or_none()
    if delivery is None:
        raise NotFound("delivery not found")
    return delivery


def replay(session: Session, principal: Principal, delivery: Delivery) -> Delivery:
    """Give a dead, failed or cancelled delivery a fresh retry budget, starting now.

    It keeps its webhook-id, so a receiver that did get an earlier attempt drops it.
    """
    if delivery.status not in REPLAYABLE:
        raise Conflict(
            f"a {delivery.status} delivery cannot be replayed", slug="delivery-not-replayable"
        )
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    schedule_attempt(session, delivery, utcnow())
    record_event(
        session,
        kind="delivery.replayed",
        actor=principal.actor,
        subject=f"delivery:{delivery.id}",
        payload={"instance_id": str(delivery.instance_id)},
        participant_ids=[delivery.participant_id],
    )
    return delivery


def replay_delivery(session: Session, principal: Principal, delivery_id: uuid.UUID) -> Delivery:
    return replay(session, principal, get_delivery(session, principal, delivery_id))


def replay_dead(session: Session, principal: Principal, limit: int = 1000) -> int:
    """Replay up to `limit` dead deliveries the caller can see."""
    dead = list_deliveries(session, principal, status=DeliveryStatus.DEAD, limit=limit)
    for delivery in dead:
        replay(session, principal, delivery)
    return len(dead)
