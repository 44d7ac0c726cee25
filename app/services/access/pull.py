"""Consented pull: a consumer reads an owner's documents under a consent checked at access time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, undefer

from app.domain.consent import ConsentStatus, ConsentTerms, DocumentFacts
from app.domain.consent_policy import (
    AccessDecision,
    DenyReason,
    Resource,
    check_consent,
    check_coverage,
    check_notices,
    quota_slots,
)
from app.domain.notices import OverdueNotice
from app.domain.purposes import PurposeCatalogue
from app.errors import Forbidden, NotFound, ProblemError, TooManyRequests
from app.security.principal import Principal
from app.services.common.cursors import Page, Position, decode_cursor, encode_cursor, page_size
from app.services.common.events import append_statement, new_event
from app.services.consents.service import terms_of
from app.storage.base import utcnow
from app.storage.counters import slot_claim
from app.storage.models import Consent, Document, Notice
from app.storage.together import insert_together

ACCESS_EVENT = "data.accessed"


@dataclass(frozen=True)
class DocumentFilters:
    """Optional narrowing of a consented listing, on top of what the consent covers."""

    doc_type: str | None = None
    provider_id: uuid.UUID | None = None
    reference: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    #: Only these types (on top of the consent's); a peer hub's listing leaves out the types
    #: that may not go to its jurisdiction.
    doc_types: frozenset[str] | None = None


@dataclass(frozen=True)
class Grant:
    """A consent that allowed this access, with the terms it was judged by."""

    consent: Consent
    terms: ConsentTerms


def denial_problem(decision: AccessDecision) -> ProblemError:
    """403 with the machine-readable reason; 429 with Retry-After for frequency limits."""
    assert decision.reason is not None
    reason = decision.reason.value
    slug = reason.replace("_", "-")
    if decision.reason is DenyReason.FREQUENCY_EXCEEDED:
        return TooManyRequests(
            decision.detail, retry_after=decision.retry_after or 1, slug=slug, reason=reason
        )
    return Forbidden(decision.detail, slug=slug, title="Access refused by consent", reason=reason)


def _not_found_document(document_id: uuid.UUID) -> NotFound:
    return NotFound(f"no document {document_id}", slug="document-not-found")


# The consumer's oldest notice left unacknowledged past its deadline: read with the consent,
# so the fail-closed check costs no extra round trip on the hot path.
_OVERDUE_NOTICE = (
    sa.select(Notice.id)
    .where(
        Notice.consumer_id == sa.bindparam("consumer_id"),
        *Notice.overdue_at(sa.bindparam("now", type_=Notice.due_at.type)),
    )
    .order_by(Notice.due_at)
    .limit(1)
    .scalar_subquery()
)
_CONSENT = sa.select(Consent, _OVERDUE_NOTICE).where(
    Consent.id == sa.bindparam("consent_id"), Consent.consumer_id == sa.bindparam("consumer_id")
)
_CONSENT_AND_DOCUMENT = (
    sa.select(Consent, _OVERDUE_NOTICE, Document)
    .outerjoin(
        Document,
        sa.and_(Document.id == sa.bindparam("document_id"), Document.owner_id == Consent.owner_id),
    )
    .where(
        Consent.id == sa.bindparam("consent_id"), Consent.consumer_id == sa.bindparam("consumer_id")
    )
)
_CONSENT_AND_CONTENT = _CONSENT_AND_DOCUMENT.options(undefer(Document.content))


@dataclass(frozen=True)
class _Loaded:
    consent: Consent
    overdue_notice: uuid.UUID | None
    document: Document | None


def _load(
    session: Session,
    principal: Principal,
    consent_id: uuid.UUID,
    document_id: uuid.UUID | None,
    with_content: bool,
    now: datetime,
) -> _Loaded:
    """The caller's consent, its oldest overdue notice and, when asked, the document, in one
    round trip.

    The document is joined only when its owner is the consent's owner: anything else is
    reported as absent, so a consent never reveals that another owner's document exists.
    The statements are built once: this runs on every pull.
    """
    params = {"consent_id": consent_id, "consumer_id": principal.participant_id, "now": now}
    if document_id is None:
        bare = session.execute(_CONSENT, params).one_or_none()
        if bare is None:
            raise NotFound(f"no consent {consent_id}", slug="consent-not-found")
        return _Loaded(bare[0], bare[1], None)
    stmt = _CONSENT_AND_CONTENT if with_content else _CONSENT_AND_DOCUMENT
    row = session.execute(stmt, {**params, "document_id": document_id}).one_or_none()
    if row is None:
        raise NotFound(f"no consent {consent_id}", slug="consent-not-found")
    return _Loaded(row[0], row[1], row[2])


def _overdue(session: Session, notice_id: uuid.UUID | None) -> OverdueNotice | None:
    notice = session.get(Notice, notice_id) if notice_id is not None else None
    return OverdueNotice(notice.id, notice.due_at) if notice is not None else None


def facts_of(document: Document) -> DocumentFacts:
    """The document as the policy sees it; a document date counts from its UTC midnight."""
    issued = (
        datetime.combine(document.document_date, time.min, tzinfo=UTC)
        if document.document_date is not None
        else None
    )
    return DocumentFacts(
        document_id=document.id,
        owner_id=document.owner_id,
        provider_id=document.provider_id,
        doc_type=document.doc_type,
        received_at=document.received_at,
        issued_at=issued,
    )


def _authorise(
    session: Session,
    principal: Principal,
    consent_id: uuid.UUID,
    resource: Resource,
    catalogue: PurposeCatalogue,
    now: datetime,
    document_id: uuid.UUID | None = None,
) -> tuple[Grant, Document | None]:
    loaded = _load(session, principal, consent_id, document_id, resource is Resource.CONTENT, now)
    consent, document = loaded.consent, loaded.document
    decision = check_notices(_overdue(session, loaded.overdue_notice))
    if not decision.allowed:
        raise denial_problem(decision)
    terms = terms_of(consent)
    template = catalogue.get(consent.purpose_code)
    decision = check_consent(ConsentStatus(consent.status), terms, template, now)
    if not decision.allowed:
        raise denial_problem(decision)
    if document_id is not None:
        if document is None:
            raise _not_found_document(document_id)
        decision = check_coverage(terms, facts_of(document))
        if decision.reason is DenyReason.OWNER_MISMATCH:
            raise _not_found_document(document_id)
        if not decision.allowed:
            raise denial_problem(decision)
    return Grant(consent, terms), document


def _account(
    session: Session,
    principal: Principal,
    grant: Grant,
    access: Resource,
    documents: list[Document],
    subject: str,
    now: datetime,
) -> None:
    """Count the access against the consent's limits and append its audit event.

    Counters and event go to the database together (one round trip on PostgreSQL). A
    refused slot raises, and the transaction rolls back the event and the other counters.
    """
    consent = grant.consent
    document_id = documents[0].id if access is not Resource.LIST else None
    slots = quota_slots(grant.terms, access, now, document_id)
    claims = [
        slot_claim(
            session,
            consent_id=consent.id,
            document_key=slot.document_key,
            resource=slot.resource,
            window_key=slot.window_key,
            window_end=slot.window_end,
            limit=slot.limit,
        )
        for slot in slots
    ]
    event = new_event(
        kind=ACCESS_EVENT,
        actor=principal.actor,
        subject=subject,
        payload={
            "consumer_id": str(principal.participant_id),
            "client_id": principal.client_id,
            "consent_id": str(consent.id),
            "purpose": consent.purpose_code,
            "resource": access.value,
            "documents": [{"id": str(d.id), "sha256": d.sha256} for d in documents],
        },
        participant_ids=[consent.owner_id, consent.consumer_id],
    )
    *counts, _ = insert_together(session, [*claims, append_statement(session, event)])
    for slot, count in zip(slots, counts, strict=True):
        if count is None:
            raise denial_problem(slot.refusal(now))


def _date_bounds(start: datetime, end: datetime) -> tuple[date, date]:
    """The document dates whose UTC midnight lies inside [start, end]."""
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    first = start_utc.date()
    if start_utc.timetz() != time.min.replace(tzinfo=UTC):
        first += timedelta(days=1)
    return first, end_utc.date()


def covered_conditions(terms: ConsentTerms) -> list[sa.ColumnElement[bool]]:
    """SQL form of `check_coverage`, so a listing shows exactly what a fetch would allow."""
    first, last = _date_bounds(terms.data_range.start, terms.data_range.end)
    conditions: list[sa.ColumnElement[bool]] = [
        Document.owner_id == terms.owner_id,
        Document.doc_type.in_(sorted(terms.document_types)),
        sa.or_(
            sa.and_(
                Document.document_date.is_not(None), Document.document_date.between(first, last)
            ),
            sa.and_(
                Document.document_date.is_(None),
                Document.received_at.between(terms.data_range.start, terms.data_range.end),
            ),
        ),
    ]
    if terms.provider_ids:
        conditions.append(Document.provider_id.in_(sorted(terms.provider_ids)))
    return conditions


def list_documents(
    session: Session,
    principal: Principal,
    consent_id: uuid.UUID,
    *,
    catalogue: PurposeCatalogue,
    filters: DocumentFilters | None = None,
    cursor: str | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> Page[Document]:
    """Documents the consent covers, oldest receipt first, one keyset page per call."""
    now = now or utcnow()
    grant, _ = _authorise(session, principal, consent_id, Resource.LIST, catalogue, now)
    filters = filters or DocumentFilters()
    size = page_size(limit)
    stmt = sa.select(Document).where(*covered_conditions(grant.terms))
    if filters.doc_type is not None:
        stmt = stmt.where(Document.doc_type == filters.doc_type)
    if filters.doc_types is not None:
        stmt = stmt.where(Document.doc_type.in_(sorted(filters.doc_types)))
    if filters.provider_id is not None:
        stmt = stmt.where(Document.provider_id == filters.provider_id)
    if filters.reference is not None:
        stmt = stmt.where(Document.reference == filters.reference)
    if filters.received_from is not None:
        stmt = stmt.where(Document.received_at >= filters.received_from)
    if filters.received_to is not None:
        stmt = stmt.where(Document.received_at <= filters.received_to)
    if cursor is not None:
        after = decode_cursor(cursor)
        stmt = stmt.where(sa.tuple_(Document.received_at, Document.id) > (after.at, after.id))
    rows = list(
        session.execute(stmt.order_by(Document.received_at, Document.id).limit(size + 1)).scalars()
    )
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor(Position(rows[-1].received_at, rows[-1].id))
    _account(session, principal, grant, Resource.LIST, rows, f"consent:{consent_id}", now)
    return Page(rows, next_cursor)


def fetch_document(
    session: Session,
    principal: Principal,
    consent_id: uuid.UUID,
    document_id: uuid.UUID,
    *,
    catalogue: PurposeCatalogue,
    content: bool = False,
    now: datetime | None = None,
) -> Document:
    """One covered document: its metadata, or with `content` its original bytes too."""
    resource = Resource.CONTENT if content else Resource.METADATA
    now = now or utcnow()
    grant, document = _authorise(
        session, principal, consent_id, resource, catalogue, now, document_id
    )
    assert document is not None
    _account(session, principal, grant, resource, [document], f"document:{document.id}", now)
    return document
