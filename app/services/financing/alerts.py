"""Tell every lender on a duplicated or similar document, each about its own registration only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from app.domain.financing import Answer, Assessment
from app.services.common.events import record_event
from app.services.delivery.routing import FINANCING_DUPLICATE_TOPIC as TOPIC
from app.services.delivery.routing import notify
from app.storage.models import FinancingRegistration

if TYPE_CHECKING:
    from app.services.financing.federation.checking import PeerAnswer


def _alert(
    session: Session,
    *,
    lender_id: uuid.UUID,
    registration_id: str,
    source: FinancingRegistration,
    data: dict[str, Any],
    source_key: str | None = None,
) -> None:
    """One lender's notification and its audit event; both name only its own registration."""
    record_event(
        session,
        kind=TOPIC,
        actor="system",
        subject=f"financing:{registration_id}",
        payload=data,
        participant_ids=[lender_id],
    )
    notify(
        session,
        participant_id=lender_id,
        topic=TOPIC,
        source_key=source_key or f"financing:{source.id}:{registration_id}",
        data=data,
    )


def announce(
    session: Session, registration: FinancingRegistration, assessment: Assessment, now: datetime
) -> int:
    """Alert the other lenders whose open registrations the new one duplicates or resembles,
    and the new registration's lender; returns how many alerts were sent."""
    if not assessment.involved:
        return 0
    detected_at = now.isoformat().replace("+00:00", "Z")
    for registration_id, involved in assessment.involved.items():
        _alert(
            session,
            lender_id=uuid.UUID(involved.lender_id),
            registration_id=registration_id,
            source=registration,
            data={
                "registration_id": registration_id,
                "status": involved.status.value,
                "fingerprints": list(involved.fingerprints),
                "detected_at": detected_at,
            },
        )
    _alert(
        session,
        lender_id=registration.lender_id,
        registration_id=str(registration.id),
        source=registration,
        data={
            "registration_id": str(registration.id),
            "status": assessment.status.value,
            "fingerprints": [
                a.fingerprint for a in assessment.answers if a.status is not Answer.CLEAR
            ],
            "detected_at": detected_at,
        },
    )
    return len(assessment.involved) + 1


def announce_cross_border(
    session: Session,
    registration: FinancingRegistration,
    answers: Sequence[PeerAnswer],
    now: datetime,
) -> bool:
    """Alert the new registration's lender when a peer hub holds a duplicate or similar open
    registration (which hub, the statuses and counts; nothing of the other lenders)."""
    found = [a for a in answers if a.status.value in (Answer.DUPLICATE, Answer.SIMILAR)]
    if not found:
        return False
    worst = Answer.DUPLICATE if any(a.status.value == Answer.DUPLICATE for a in found) else None
    _alert(
        session,
        lender_id=registration.lender_id,
        registration_id=str(registration.id),
        source=registration,
        data={
            "registration_id": str(registration.id),
            "status": (worst or Answer.SIMILAR).value,
            "fingerprints": sorted(
                {f.fingerprint for a in found for f in a.answers if f.status is not Answer.CLEAR}
            ),
            "cross_border": [
                {"peer": a.peer.name, "jurisdiction": a.peer.jurisdiction, "status": a.status.value}
                for a in found
            ],
            "detected_at": now.isoformat().replace("+00:00", "Z"),
        },
        source_key=f"financing-peers:{registration.id}",
    )
    return True
