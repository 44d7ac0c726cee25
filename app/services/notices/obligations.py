"""What a consumer must delete once a consent ends: the documents the audit log says it fetched."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.consent import ConsentStatus
from app.domain.consent_artefact import rfc3339
from app.domain.deletion_receipt import Fetched
from app.domain.notices import deletion_due_at
from app.domain.purposes import PurposeTemplate
from app.security.principal import Principal
from app.services.access.pull import ACCESS_EVENT, covered_conditions
from app.services.common.events import record_event
from app.services.consents.service import terms_of
from app.storage.models import Consent, DeletionObligation, Document, Event
from app.storage.scoping import readable

SYSTEM_ACTOR = "system:notices"
_CHUNK = 500
_FETCHES = ("metadata", "content")


def _chunks(ids: Sequence[uuid.UUID]) -> Iterator[Sequence[uuid.UUID]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def fetched_documents(
    session: Session, consent: Consent, until: datetime
) -> dict[uuid.UUID, Fetched]:
    """Each document served under the consent (metadata or content), per its access events.

    Access events are found through their subject (`document:<id>`), for the documents the
    consent could have served: those it covers that arrived before `until`. A listing is
    discovery, not a fetch, so it leaves nothing to delete.
    """
    candidates = list(
        session.execute(
            sa.select(Document.id).where(
                *covered_conditions(terms_of(consent)), Document.received_at <= until
            )
        ).scalars()
    )
    wanted = str(consent.id)
    found: dict[uuid.UUID, Fetched] = {}
    for chunk in _chunks(candidates):
        rows = session.execute(
            sa.select(Event.time, Event.payload).where(
                Event.kind == ACCESS_EVENT,
                Event.subject.in_([f"document:{d}" for d in chunk]),
            )
        ).all()
        for at, payload in rows:
            if payload.get("consent_id") != wanted or payload.get("resource") not in _FETCHES:
                continue
            for served in payload.get("documents", []):
                document_id = uuid.UUID(served["id"])
                earlier = found.get(document_id)
                if earlier is None or at > earlier.last_fetched_at:
                    found[document_id] = Fetched(served["sha256"], at)
    return found


def held_documents(obligation: DeletionObligation) -> dict[uuid.UUID, Fetched]:
    """The frozen record of what the consumer held when the consent ended."""
    return {
        uuid.UUID(item["id"]): Fetched(
            item["sha256"], datetime.fromisoformat(item["last_fetched_at"])
        )
        for item in obligation.documents
    }


def _documents_json(fetched: dict[uuid.UUID, Fetched]) -> list[dict[str, Any]]:
    return [
        {"id": str(d), "sha256": f.sha256, "last_fetched_at": f.last_fetched_at.isoformat()}
        for d, f in sorted(fetched.items(), key=lambda item: str(item[0]))
    ]


def open_obligation(
    session: Session,
    consent: Consent,
    target: ConsentStatus,
    at: datetime,
    *,
    template: PurposeTemplate | None,
) -> DeletionObligation | None:
    """A receipt falls due when a consent ends after its consumer fetched anything under it.

    What was fetched is frozen now, from the audit log, so the receipt is later judged
    against exactly what the consumer received.
    """
    due = deletion_due_at(
        target,
        at,
        valid_until=consent.valid_until,
        data_life_days=consent.data_life_days,
        delete_on_revocation=template.delete_on_revocation if template is not None else False,
    )
    if due is None:
        return None
    fetched = fetched_documents(session, consent, at)
    if not fetched:
        return None
    documents = _documents_json(fetched)
    obligation = DeletionObligation(
        consent_id=consent.id,
        consumer_id=consent.consumer_id,
        owner_id=consent.owner_id,
        documents=documents,
        due_at=due,
        created_at=at,
    )
    session.add(obligation)
    record_event(
        session,
        kind="consent.deletion_due",
        actor=SYSTEM_ACTOR,
        subject=f"consent:{consent.id}",
        payload={
            "consent_id": str(consent.id),
            "consumer_id": str(consent.consumer_id),
            "due_at": rfc3339(due),
            "documents": [{"id": d["id"], "sha256": d["sha256"]} for d in documents],
        },
        participant_ids=[consent.owner_id, consent.consumer_id],
    )
    return obligation


def count_overdue(session: Session, now: datetime) -> int:
    """How many receipts, across every consumer, are past due and not filed."""
    return int(
        session.execute(
            sa.select(sa.func.count())
            .select_from(DeletionObligation)
            .where(*DeletionObligation.unfiled_at(now))
        ).scalar_one()
    )


def overdue_obligations(
    session: Session, principal: Principal, *, now: datetime, limit: int = 200
) -> list[DeletionObligation]:
    """Receipts past due and not filed, oldest due first, that the caller is party to."""
    return list(
        session.execute(
            readable(DeletionObligation, principal)
            .where(*DeletionObligation.unfiled_at(now))
            .order_by(DeletionObligation.due_at, DeletionObligation.consent_id)
            .limit(limit)
        ).scalars()
    )
