"""Issue a notice when a consent stops giving access, and deliver it to the consumer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.orm import Session

from app.domain.consent import ConsentStatus
from app.domain.consent_artefact import rfc3339
from app.domain.notices import NoticeDeadline, requires_notice
from app.domain.purposes import DEFAULT_NOTICE_ACK_WINDOW, PurposeCatalogue
from app.services.common.events import record_event
from app.services.common.outbox import enqueue
from app.services.delivery.routing import NOTICE_TOPIC, notify
from app.services.notices.obligations import SYSTEM_ACTOR, open_obligation
from app.storage.models import Consent, Notice, OutboxMessage

log = structlog.get_logger(__name__)


def notice_data(notice: Notice, base_url: str) -> dict[str, Any]:
    """What the consumer is told: which consent, what happened, and by when to acknowledge."""
    base = base_url.rstrip("/")
    return {
        "notice_id": str(notice.id),
        "consent_id": str(notice.consent_id),
        "owner_id": str(notice.owner_id),
        "consumer_id": str(notice.consumer_id),
        "consent_status": notice.consent_status,
        "reason": notice.reason,
        "issued_at": rfc3339(notice.issued_at),
        "due_at": rfc3339(notice.due_at),
        "links": {"acknowledge": f"{base}/v1/notices/{notice.id}/ack"},
    }


def on_consent_change(
    session: Session, message: OutboxMessage, catalogue: PurposeCatalogue
) -> Notice | None:
    """Follow up a consent transition: a notice if access ended or paused, and, once the
    consent has ended, the deletion receipt its consumer owes.

    Runs as an outbox handler, so nothing is lost if the process dies after the transition
    committed; deadlines count from the transition's own time, not from when this runs.
    """
    payload = message.payload
    try:
        target = ConsentStatus(str(payload["to"]))
        consent_id, event_id = (uuid.UUID(str(payload[k])) for k in ("consent_id", "event_id"))
    except (KeyError, ValueError):
        # Queued before transitions carried their event id, or by another producer.
        log.warning("notice_skipped_incomplete_announcement", message_key=message.key)
        return None
    if not requires_notice(target):
        return None
    consent = session.get(Consent, consent_id)
    if consent is None:
        return None
    at = datetime.fromisoformat(str(payload["at"]))
    template = catalogue.get(consent.purpose_code)
    window = template.notice_ack_window if template is not None else DEFAULT_NOTICE_ACK_WINDOW
    deadline = NoticeDeadline.starting(at, window)
    notice = Notice(
        id=uuid.uuid4(),
        consent_id=consent.id,
        consumer_id=consent.consumer_id,
        owner_id=consent.owner_id,
        consent_status=target.value,
        reason=payload.get("reason"),
        event_id=event_id,
        issued_at=deadline.issued_at,
        due_at=deadline.due_at,
    )
    session.add(notice)
    summary = {
        "notice_id": str(notice.id),
        "consent_id": str(consent.id),
        "consumer_id": str(consent.consumer_id),
        "consent_status": notice.consent_status,
        "due_at": rfc3339(notice.due_at),
        "transition_event_id": str(notice.event_id),
    }
    record_event(
        session,
        kind=NOTICE_TOPIC,
        actor=SYSTEM_ACTOR,
        subject=f"notice:{notice.id}",
        payload=summary,
        participant_ids=[consent.owner_id, consent.consumer_id],
    )
    enqueue(session, topic=NOTICE_TOPIC, key=f"{NOTICE_TOPIC}:{notice.id}", payload=summary)
    open_obligation(session, consent, target, at, template=template)
    return notice


def route_notice(session: Session, message: OutboxMessage, base_url: str) -> int:
    """Put the notice in the consumer's feed and on each of its subscribed connectors."""
    notice = session.get(Notice, uuid.UUID(str(message.payload["notice_id"])))
    if notice is None:
        return 0
    sent = notify(
        session,
        participant_id=notice.consumer_id,
        topic=NOTICE_TOPIC,
        source_key=message.key,
        data=notice_data(notice, base_url),
    )
    return 1 if sent is not None else 0
