"""Register financing against a document the lender may read; list and read its own."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, undefer

from app import errors
from app.domain.financing import FinancingError, FinancingState, InvalidTerms, Terms
from app.domain.fingerprints import Keyring
from app.domain.oprf import OprfKey
from app.security.principal import Principal
from app.services.access.coverage import covering_consumers
from app.services.common.context import ServiceContext
from app.services.common.cursors import Page, Position, decode_cursor, encode_cursor, page_size
from app.services.common.events import record_event
from app.services.documents.ingest import answer_once
from app.services.financing import alerts, matching
from app.services.financing.federation import checking, outputs
from app.storage.models import Document, FinancingRegistration
from app.storage.scoping import readable
from app.validation.rules.iso4217 import CURRENCY_CODES

#: What a lender may say it is doing when it registers.
OPENING_STATES = (FinancingState.INTENDED, FinancingState.FINANCED)


@dataclass(frozen=True)
class CrossBorder:
    """What peer hubs answered about the document just before it is registered."""

    check_id: uuid.UUID
    answers: tuple[checking.PeerAnswer, ...]


@dataclass(frozen=True)
class FinancingRequest:
    """A lender's registration: the document, what it finances, and its own reference."""

    document_id: uuid.UUID
    state: FinancingState
    terms: Terms
    reference: str


def financing_problem(exc: FinancingError) -> errors.ProblemError:
    """The problem a domain refusal is answered with: 409 for the lifecycle, else 422."""
    slug = "financing-" + exc.code.replace("_", "-")
    if isinstance(exc, InvalidTerms):
        return errors.Unprocessable(str(exc), slug=slug, field=exc.field)
    return errors.Conflict(str(exc), slug=slug)


def _not_found() -> errors.NotFound:
    return errors.NotFound("no such document", slug="document-not-found")


def readable_document(session: Session, principal: Principal, document_id: uuid.UUID) -> Document:
    """A document the lender's ACTIVE consent covers right now, with its content; else 404
    (whether the document does not exist or is another tenant's is nobody's business)."""
    document = session.scalars(
        sa.select(Document).where(Document.id == document_id).options(undefer(Document.content))
    ).first()
    if document is None:
        raise _not_found()
    if not any(
        c.consumer_id == principal.participant_id for c in covering_consumers(session, document)
    ):
        raise _not_found()
    return document


def amount_text(amount: Decimal) -> str:
    """An amount as stored and shown: plain decimal, at least two decimals (``1250.50``)."""
    text = format(amount.normalize(), "f")
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def register(
    session: Session,
    principal: Principal,
    request: FinancingRequest,
    *,
    keyring: Keyring,
    oprf_key: OprfKey,
    grace: timedelta,
    now: datetime,
    cross_border: CrossBorder | None = None,
) -> FinancingRegistration:
    """Record the registration and tell the lender what else is open on this document.

    The answer (statuses and counts, nothing of other lenders) is stored with the
    registration and in its event, so the lender can later prove what it was told and when;
    with peer hubs, their answers too (``cross_border``), and the registration's OPRF
    outputs join the set peers check theirs against.
    """
    if request.state not in OPENING_STATES:
        raise errors.Unprocessable(
            "a registration starts INTENDED or FINANCED",
            slug="financing-invalid-terms",
            field="state",
        )
    try:
        terms = request.terms.check(today=now.date(), currencies=CURRENCY_CODES)
    except FinancingError as exc:
        raise financing_problem(exc) from exc
    document = readable_document(session, principal, request.document_id)
    found = matching.fingerprints_of(document.content, document.doc_type, keyring.all)
    matching.lock(session, found.fingerprints)
    assessment = matching.assessment(session, principal.participant_id, found, now)
    registration = FinancingRegistration(
        id=uuid.uuid4(),
        lender_id=principal.participant_id,
        document_id=document.id,
        owner_id=document.owner_id,
        doc_type=document.doc_type,
        state=request.state.value,
        amount=amount_text(terms.amount),
        currency=terms.currency,
        maturity=terms.maturity,
        expires_at=terms.expires_at(grace),
        lender_reference=request.reference,
        assessment=_told(assessment.as_dict(), cross_border),
        created_at=now,
        updated_at=now,
    )
    session.add(registration)
    session.flush()
    current = [f for f in found.fingerprints if f.key_id == keyring.current.kid]
    matching.store(session, registration, current)
    outputs.store(session, registration, found.identifiers, oprf_key)
    record_event(
        session,
        kind="financing.registered",
        actor=principal.actor,
        subject=f"financing:{registration.id}",
        payload={
            **registration_body(registration),
            "fingerprints": [
                {"definition": f.definition, "key_id": f.key_id, "value": f.value} for f in current
            ],
        },
        participant_ids=[registration.lender_id, registration.owner_id],
    )
    alerts.announce(session, registration, assessment, now)
    if cross_border is not None:
        checking.record_check(
            session,
            actor=principal.actor,
            lender_id=registration.lender_id,
            subject=f"financing:{registration.id}",
            check_id=cross_border.check_id,
            answers=cross_border.answers,
            report=True,
        )
        alerts.announce_cross_border(session, registration, cross_border.answers, now)
    return registration


def _told(local: dict[str, Any], cross_border: CrossBorder | None) -> dict[str, Any]:
    if cross_border is None:
        return local
    return {**local, "cross_border": [a.as_dict() for a in cross_border.answers]}


def _request_digest(request: FinancingRequest) -> str:
    """What "the same request" means for an Idempotency-Key of a registration."""
    fields = {
        "endpoint": "financing",
        "document_id": str(request.document_id),
        "state": request.state.value,
        "amount": str(request.terms.amount),
        "currency": request.terms.currency,
        "maturity": request.terms.maturity.isoformat(),
        "reference": request.reference,
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def register_once(
    ctx: ServiceContext,
    principal: Principal,
    request: FinancingRequest,
    *,
    key: str,
    now: datetime,
    cross_border: CrossBorder | None = None,
) -> tuple[int, dict[str, Any]]:
    """Register under an Idempotency-Key, as a document push does: the claim commits first,
    a retry replays the stored 201, a refusal releases the key and stores nothing."""

    def store(session: Session) -> dict[str, Any]:
        registration = register(
            session,
            principal,
            request,
            keyring=ctx.keys.fingerprint_keyring(),
            oprf_key=ctx.keys.oprf_keyring().current,
            grace=ctx.settings.financing_grace,
            now=now,
            cross_border=cross_border,
        )
        return registration_body(registration)

    return answer_once(ctx, principal, key, _request_digest(request), store)


def registration_body(registration: FinancingRegistration) -> dict[str, Any]:
    """The lender's own view of its registration (and what it was told on registering)."""
    return {
        "id": str(registration.id),
        "document_id": str(registration.document_id),
        "document_type": registration.doc_type,
        "state": registration.state,
        "amount": registration.amount,
        "currency": registration.currency,
        "maturity": registration.maturity.isoformat(),
        "expires_at": registration.expires_at.isoformat(),
        "reference": registration.lender_reference,
        "reason": registration.reason,
        "result": registration.assessment,
        "created_at": registration.created_at.isoformat(),
        "updated_at": registration.updated_at.isoformat(),
    }


def get_registration(
    session: Session, principal: Principal, registration_id: uuid.UUID, *, for_update: bool = False
) -> FinancingRegistration:
    """One of the caller's registrations; another lender's is a 404."""
    stmt = readable(FinancingRegistration, principal).where(
        FinancingRegistration.id == registration_id
    )
    found = session.scalars(stmt.with_for_update() if for_update else stmt).first()
    if found is None:
        raise errors.NotFound("no such registration", slug="financing-registration-not-found")
    return found


def list_registrations(
    session: Session,
    principal: Principal,
    *,
    state: FinancingState | None = None,
    document_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[FinancingRegistration]:
    """The caller's own registrations, newest first, one keyset page at a time."""
    size = page_size(limit)
    reg = FinancingRegistration
    stmt = readable(reg, principal)
    if state is not None:
        stmt = stmt.where(reg.state == state.value)
    if document_id is not None:
        stmt = stmt.where(reg.document_id == document_id)
    if cursor is not None:
        after = decode_cursor(cursor)
        stmt = stmt.where(sa.tuple_(reg.created_at, reg.id) < (after.at, after.id))
    rows = list(
        session.scalars(stmt.order_by(reg.created_at.desc(), reg.id.desc()).limit(size + 1))
    )
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor(Position(rows[-1].created_at, rows[-1].id))
    return Page(rows, next_cursor)
