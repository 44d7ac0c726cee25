"""Tell every lender on a duplicated or similar document, each about its own registration only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.domain.financing import Answer, Assessment
from app.services.common.events import record_event
from app.services.delivery.routing import FINANCING_DUPLICATE_TOPIC as TOPIC
from app.services.delivery.routing import notify
from app.storage.models import FinancingRegistration


def _alert(
    session: Session,
    *,
    lender_id: uuid.UUID,
    registration_id: str,
    source: FinancingRegistration,
    data: dict[str, Any],
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
        source_key=f"financing:{source.id}:{registration_id}",
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
