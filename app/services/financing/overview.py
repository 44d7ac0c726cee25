"""The full picture for a document's owner and the hub admin: who finances what, and when."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import errors
from app.domain.financing import FinancingState
from app.security.principal import Principal
from app.services.financing.matching import OPEN_STATES
from app.storage.models import Document, Event, FinancingRegistration
from app.storage.scoping import readable


@dataclass
class DocumentFinancing:
    """Every registration against one document, and whether several lenders finance it."""

    document: Document
    registrations: list[FinancingRegistration] = field(default_factory=list)

    @property
    def open_lenders(self) -> set[uuid.UUID]:
        return {r.lender_id for r in self.registrations if FinancingState(r.state).active}

    @property
    def duplicated(self) -> bool:
        """Two lenders or more hold open registrations on this very document."""
        return len(self.open_lenders) > 1


def _owned(principal: Principal) -> sa.Select[FinancingRegistration]:
    """Registrations on the owner's documents (every one for an admin)."""
    return readable(FinancingRegistration, principal, "owner_id")


def financed_documents(
    session: Session,
    principal: Principal,
    *,
    duplicated_only: bool = False,
    offset: int = 0,
    limit: int = 25,
) -> list[DocumentFinancing]:
    """Documents with registrations, the most recently registered first."""
    scoped = _owned(principal).subquery()
    latest = sa.select(
        scoped.c.document_id, sa.func.max(scoped.c.created_at).label("latest")
    ).group_by(scoped.c.document_id)
    if duplicated_only:
        latest = latest.having(
            sa.func.count(
                sa.distinct(sa.case((scoped.c.state.in_(OPEN_STATES), scoped.c.lender_id)))
            )
            > 1
        )
    ordered = latest.order_by(sa.desc("latest"), scoped.c.document_id).offset(offset).limit(limit)
    ids = [row.document_id for row in session.execute(ordered)]
    if not ids:
        return []
    documents = {d.id: d for d in session.scalars(sa.select(Document).where(Document.id.in_(ids)))}
    found = {i: DocumentFinancing(documents[i]) for i in ids}
    registrations = session.scalars(
        _owned(principal)
        .where(FinancingRegistration.document_id.in_(ids))
        .order_by(FinancingRegistration.created_at)
    )
    for registration in registrations:
        found[registration.document_id].registrations.append(registration)
    return list(found.values())


@dataclass
class FinancingTimeline:
    """One document's registrations and every event about them, oldest first."""

    financing: DocumentFinancing
    events: list[Event]


def document_timeline(
    session: Session, principal: Principal, document_id: uuid.UUID
) -> FinancingTimeline:
    """The owner's (or, for an admin, any) financed document; anything else is a 404."""
    registrations = list(
        session.scalars(
            _owned(principal)
            .where(FinancingRegistration.document_id == document_id)
            .order_by(FinancingRegistration.created_at)
        )
    )
    document = session.get(Document, document_id) if registrations else None
    if document is None:
        raise errors.NotFound("no financing on this document", slug="financing-not-found")
    subjects = [f"financing:{r.id}" for r in registrations]
    events = list(
        session.scalars(
            sa.select(Event).where(Event.subject.in_(subjects)).order_by(Event.time, Event.id)
        )
    )
    return FinancingTimeline(DocumentFinancing(document, registrations), events)
