"""Turn announcements (document accepted, consent transitions) into notifications and deliveries."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.services.access import coverage
from app.services.common.outbox import enqueue
from app.services.documents.metadata import document_metadata
from app.storage.base import utcnow
from app.storage.db import is_postgresql
from app.storage.models import (
    ConnectorInstance,
    Delivery,
    DeliveryStatus,
    Document,
    FeedCursor,
    Notification,
    OutboxMessage,
    Subscription,
)
from connectors.registry import UnknownConnectorError, default_registry

log = structlog.get_logger(__name__)

DELIVERY_TOPIC = "delivery.attempt"
#: A consumer filed a deletion receipt; both parties of the consent hear of it.
RECEIPT_TOPIC = "consent.deletion_receipt_filed"
CONSENT_TOPICS = (
    "consent.requested",
    "consent.activated",
    "consent.rejected",
    "consent.paused",
    "consent.resumed",
    "consent.revoked",
    "consent.expired",
    RECEIPT_TOPIC,
)
#: Sent to each lender whose registration another lender's duplicates or resembles.
FINANCING_DUPLICATE_TOPIC = "financing.duplicate_detected"
#: A consent stopped giving access; the consumer must acknowledge it by its deadline.
NOTICE_TOPIC = "notice.issued"


def webhook_id(notification: Notification) -> str:
    """The idempotency key every channel carries for this notification."""
    return f"msg_{notification.id.hex}"


def document_data(document: Document, base_url: str) -> dict[str, Any]:
    """What a consumer learns of an accepted document: identity, hashes and links, no content."""
    base = base_url.rstrip("/")
    return {
        "document_id": str(document.id),
        "document_type": document.doc_type,
        **document_metadata(document),
        "links": {
            "metadata": f"{base}/v1/data/documents/{document.id}",
            "content": f"{base}/v1/data/documents/{document.id}/content",
            "proof": f"{base}/v1/documents/{document.id}/proof",
        },
    }


def content_data(document: Document) -> dict[str, Any]:
    """The document itself, for a subscription allowed to receive content."""
    return {"content_base64": base64.b64encode(document.content).decode("ascii")}


def _next_seq(session: Session, participant_id: uuid.UUID) -> int:
    """Take the participant's next feed number, holding its cursor row until commit."""
    insert = postgresql.insert if is_postgresql(session) else sqlite.insert
    session.execute(
        insert(FeedCursor)
        .values(participant_id=participant_id, head_seq=0, acked_seq=0)
        .on_conflict_do_nothing(index_elements=["participant_id"])
    )
    return int(
        session.execute(
            sa.update(FeedCursor)
            .where(FeedCursor.participant_id == participant_id)
            .values(head_seq=FeedCursor.head_seq + 1)
            .returning(FeedCursor.head_seq)
        ).scalar_one()
    )


def rule_matches(
    rule: Subscription, topic: str, document_type: str | None, owner_id: str | None
) -> bool:
    """A routing rule with empty filters matches everything of its participant."""
    if rule.topics and topic not in rule.topics:
        return False
    if (
        document_type is not None
        and rule.document_types
        and document_type not in rule.document_types
    ):
        return False
    return not (owner_id is not None and rule.owner_ids and owner_id not in rule.owner_ids)


def matching_rules(
    session: Session, notification: Notification, document: Document | None
) -> list[tuple[Subscription, ConnectorInstance]]:
    """The participant's rules that match, with their enabled, outbound instances."""
    rows = session.execute(
        sa.select(Subscription, ConnectorInstance)
        .join(ConnectorInstance, ConnectorInstance.id == Subscription.instance_id)
        .where(
            Subscription.participant_id == notification.participant_id,
            ConnectorInstance.enabled.is_(True),
        )
        .order_by(Subscription.created_at)
    ).all()
    registry = default_registry()
    found = []
    for rule, instance in rows:
        try:
            sends = registry.get(instance.connector).kind.sends
        except UnknownConnectorError:
            sends = False
        doc_type = document.doc_type if document is not None else None
        owner = str(document.owner_id) if document is not None else None
        if sends and rule_matches(rule, notification.topic, doc_type, owner):
            found.append((rule, instance))
    return found


def schedule_attempt(session: Session, delivery: Delivery, at: Any) -> OutboxMessage:
    """Queue the next attempt through the outbox: it commits with the delivery's state."""
    delivery.schedule_seq += 1
    delivery.next_attempt_at = at
    message = enqueue(
        session,
        topic=DELIVERY_TOPIC,
        key=f"delivery:{delivery.id}:{delivery.schedule_seq}",
        payload={"delivery_id": str(delivery.id), "seq": delivery.schedule_seq},
    )
    message.available_at = at
    return message


def notify(
    session: Session,
    *,
    participant_id: uuid.UUID,
    topic: str,
    source_key: str,
    data: dict[str, Any],
    document: Document | None = None,
) -> Notification | None:
    """Address one notification to a participant: its feed entry plus a delivery per route.

    Returns None when this announcement was already turned into a notification for the
    participant (a handler re-run after a crash adds nothing twice).
    """
    existing = session.execute(
        sa.select(Notification.id).where(
            Notification.participant_id == participant_id,
            Notification.source_key == source_key,
        )
    ).first()
    if existing is not None:
        return None
    now = utcnow()
    notification = Notification(
        id=uuid.uuid4(),
        participant_id=participant_id,
        seq=_next_seq(session, participant_id),
        topic=topic,
        source_key=source_key,
        document_id=document.id if document is not None else None,
        created_at=now,
        payload={},
    )
    notification.payload = {
        "id": webhook_id(notification),
        "type": topic,
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        "data": data,
    }
    session.add(notification)
    session.flush()
    seen: set[uuid.UUID] = set()
    for _rule, instance in matching_rules(session, notification, document):
        if instance.id in seen:
            continue
        seen.add(instance.id)
        delivery = Delivery(
            notification_id=notification.id,
            instance_id=instance.id,
            participant_id=participant_id,
            status=DeliveryStatus.PENDING,
        )
        session.add(delivery)
        session.flush()
        schedule_attempt(session, delivery, now)
    return notification


def route_document(session: Session, message: OutboxMessage, base_url: str) -> int:
    """Announce an accepted document to every consumer whose consent covers it."""
    document = session.get(Document, uuid.UUID(str(message.payload["document_id"])))
    if document is None:
        log.warning("routing_document_missing", message_key=message.key)
        return 0
    data = document_data(document, base_url)
    count = 0
    for consent in coverage.covering_consumers(session, document):
        item = dict(data, consent_id=str(consent.consent_id) if consent.consent_id else None)
        if notify(
            session,
            participant_id=consent.consumer_id,
            topic="document.accepted",
            source_key=message.key,
            data=item,
            document=document,
        ):
            count += 1
    return count


def route_consent(session: Session, message: OutboxMessage) -> int:
    """Tell both parties of a consent that it changed state."""
    payload = dict(message.payload)
    parties: Iterable[Any] = (payload.get("owner_id"), payload.get("consumer_id"))
    count = 0
    for party in dict.fromkeys(p for p in parties if p):
        if notify(
            session,
            participant_id=uuid.UUID(str(party)),
            topic=message.topic,
            source_key=message.key,
            data=payload,
        ):
            count += 1
    return count
