"""Register financing against a document the lender may read; list and read its own."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, undefer

from app import errors
from app.domain.consent import ConsentStatus
from app.domain.financing import FinancingError, FinancingState, InvalidTerms, Terms
from app.domain.fingerprints import Keyring
from app.domain.oprf import OprfKey
from app.security.principal import Principal
from app.services.access.coverage import covering
from app.services.common.context import ServiceContext
from app.services.common.cursors import Page, Position, decode_cursor, encode_cursor, page_size
from app.services.common.events import APPEND, append_parameters, new_event
from app.services.documents.ingest import (
    COMPLETION,
    StoredResponse,
    claim_idempotency_key,
    claim_once,
    claim_parameters,
    claim_statement,
    completion_parameters,
    release_claim,
)
from app.services.financing import alerts, matching
from app.services.financing.federation import checking, outputs
from app.storage.db import is_postgresql
from app.storage.models import Consent, Document, FinancingRegistration
from app.storage.pipelining import execute_first
from app.storage.scoping import readable
from app.storage.together import write_together
from app.validation.rules.iso4217 import CURRENCY_CODES

#: What a lender may say it is doing when it registers.
OPENING_STATES = (FinancingState.INTENDED, FinancingState.FINANCED)
_COLUMNS = tuple(sa.inspect(FinancingRegistration).columns)
#: The registration's insert, built once (values bound as ``reg_<column>``).
_INSERT = (
    sa.insert(FinancingRegistration)
    .values({c.key: sa.bindparam(f"reg_{c.key}", type_=c.type) for c in _COLUMNS})
    .returning(FinancingRegistration.id)
)


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


#: The caller's ACTIVE consents from the owner of the document being read.
_CALLERS_CONSENTS = sa.and_(
    Consent.owner_id == Document.owner_id,
    Consent.consumer_id == sa.bindparam("consumer_id"),
    Consent.status == ConsentStatus.ACTIVE,
)


def _with_consents(condition: sa.ColumnElement[bool]) -> sa.Select[Document, Consent]:
    return (
        sa.select(Document, Consent)
        .outerjoin(Consent, _CALLERS_CONSENTS)
        .where(condition)
        .options(undefer(Document.content))
        .order_by(Document.id, Consent.created_at, Consent.id)
    )


#: Built once: building a statement and its cache key costs more than running this one.
_BY_ID = _with_consents(Document.id == sa.bindparam("document_id"))
_BY_CANONICAL_SHA256 = _with_consents(Document.canonical_sha256 == sa.bindparam("sha256"))

Candidates = list[tuple[Document, list[Consent]]]


def _grouped(rows: Iterable[Any]) -> Candidates:
    found: dict[uuid.UUID, tuple[Document, list[Consent]]] = {}
    for document, consent in rows:
        if document is None:
            continue
        _, consents = found.setdefault(document.id, (document, []))
        if consent is not None:
            consents.append(consent)
    return list(found.values())


def documents_with_consents(
    session: Session,
    principal: Principal,
    *,
    document_id: uuid.UUID | None = None,
    canonical_sha256: str | None = None,
) -> Candidates:
    """The document with ``document_id``, or those with ``canonical_sha256``, with their
    content and the caller's ACTIVE consents from each one's owner (oldest first): one
    statement, however many consents."""
    if document_id is not None:
        rows = session.execute(
            _BY_ID, {"document_id": document_id, "consumer_id": principal.participant_id}
        )
    else:
        rows = session.execute(
            _BY_CANONICAL_SHA256,
            {"sha256": canonical_sha256, "consumer_id": principal.participant_id},
        )
    return _grouped(rows)


def _readable(session: Session, candidates: Candidates) -> Document:
    for document, consents in candidates:
        if covering(session, document, consents):
            return document
    raise _not_found()


def readable_document(session: Session, principal: Principal, document_id: uuid.UUID) -> Document:
    """A document the lender's ACTIVE consent covers right now, with its content; else 404
    (whether the document does not exist or is another tenant's is nobody's business)."""
    return _readable(session, documents_with_consents(session, principal, document_id=document_id))


@lru_cache(maxsize=1)
def _claim_and_read() -> sa.Select[Any]:
    """PostgreSQL: claim an Idempotency-Key and read the document with the caller's consents
    in one statement (the claim is a data-modifying CTE; one row comes back whether or not
    the document exists, its first column the claimed key or NULL)."""
    claim = claim_statement(postgres=True).cte("claim")
    one = sa.select(sa.literal(1).label("one")).subquery("one")
    return (
        sa.select(sa.select(claim.c.key).scalar_subquery(), Document, Consent)
        .select_from(one)
        .outerjoin(Document, Document.id == sa.bindparam("document_id"))
        .outerjoin(Consent, _CALLERS_CONSENTS)
        .options(undefer(Document.content))
        .order_by(Consent.created_at, Consent.id)
    )


def _claim_reading(
    session: Session,
    principal: Principal,
    request: FinancingRequest,
    key: str,
    now: datetime,
) -> tuple[StoredResponse | None, Candidates | None]:
    """Claim ``key`` for the request, and on PostgreSQL read its document in the same
    statement, which opens the transaction (its BEGIN in the same round trip). Returns the
    stored answer of a completed retry, else the document read along (None when it is still
    to be read)."""
    digest = registration_digest(request)
    if not is_postgresql(session):
        return claim_idempotency_key(session, principal, key, digest), None
    parameters = {
        **claim_parameters(principal, key, digest, now),
        "document_id": request.document_id,
        "consumer_id": principal.participant_id,
    }
    rows = execute_first(session, _claim_and_read(), parameters).all()
    if rows[0][0] is not None:
        return None, _grouped(row[1:] for row in rows)
    # Used before, or by a request that was in flight: the usual claim tells which.
    return claim_idempotency_key(session, principal, key, digest), None


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
    idempotency_key: str | None = None,
    candidates: Candidates | None = None,
    last: bool = False,
) -> FinancingRegistration:
    """Record the registration and tell the lender what else is open on this document.

    The answer (statuses and counts, nothing of other lenders) is stored with the
    registration and in its event, so the lender can later prove what it was told and when;
    with peer hubs, their answers too (``cross_border``), and the registration's OPRF
    outputs join the set peers check theirs against. With ``idempotency_key`` (claimed in
    this transaction) it is stored with the key too. ``candidates`` is the document as
    already read with the lender's consents, if it was.

    ``last``: the caller commits right after, and on PostgreSQL the COMMIT goes with the
    registration's writes (`write_together`). Only for a key claimed in this transaction (or
    none): then each of those writes returns its row or fails, so nothing is left to check
    once they are committed.
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
    if candidates is None:
        candidates = documents_with_consents(session, principal, document_id=request.document_id)
    document = _readable(session, candidates)
    found = matching.fingerprints_of(document.content, document.doc_type, keyring.all)
    assessment = matching.locked_assessment(session, principal.participant_id, found, now)
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
        reason=None,
        assessment=_told(assessment.as_dict(), cross_border),
        created_at=now,
        updated_at=now,
    )
    body = registration_body(registration)
    current = [f for f in found.fingerprints if f.key_id == keyring.current.kid]
    event = new_event(
        kind="financing.registered",
        actor=principal.actor,
        subject=f"financing:{registration.id}",
        payload={
            **body,
            "fingerprints": [
                {"definition": f.definition, "key_id": f.key_id, "value": f.value} for f in current
            ],
        },
        participant_ids=[registration.lender_id, registration.owner_id],
    )
    # Alerts and the peers' answers first, so that the registration's own writes come last
    # (nothing of theirs refers to the registration's row).
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
    # The row, its fingerprints and OPRF outputs, its event (the ledger leaf) and the stored
    # answer of the Idempotency-Key: one round trip on PostgreSQL, all or nothing with the
    # transaction.
    fingerprints, parameters = matching.store_statements(registration, current)
    oprf_outputs, oprf_parameters = outputs.store_statements(
        registration, found.identifiers, oprf_key
    )
    parameters.update(oprf_parameters)
    writes: list[sa.Insert | sa.Update] = [_INSERT, *fingerprints, *oprf_outputs, APPEND]
    parameters.update({f"reg_{c.key}": getattr(registration, c.key) for c in _COLUMNS})
    parameters.update(append_parameters(session, event))
    if idempotency_key is not None:
        writes.append(COMPLETION)
        parameters.update(completion_parameters(principal, idempotency_key, 201, body))
    if None in write_together(session, writes, parameters, last=last):
        raise RuntimeError("a registration write matched no row")
    return registration


def _told(local: dict[str, Any], cross_border: CrossBorder | None) -> dict[str, Any]:
    if cross_border is None:
        return local
    return {**local, "cross_border": [a.as_dict() for a in cross_border.answers]}


def registration_digest(request: FinancingRequest) -> str:
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
) -> tuple[int, dict[str, Any]]:
    """Register under an Idempotency-Key, claimed in the registration's own transaction.

    A retry of a completed registration replays the stored 201; a concurrent retry waits
    for the first to end, then replays its answer (or, if it was refused, registers); a
    refusal rolls back the claim with everything else, so nothing is stored.
    """
    with ctx.uow() as uow:
        stored, candidates = _claim_reading(uow.session, principal, request, key, now)
        if stored is not None:
            return stored.status_code, stored.body
        registration = _register_in(
            ctx, uow.session, principal, request, now=now, key=key, candidates=candidates, last=True
        )
        uow.commit()
    return 201, registration_body(registration)


def _register_in(
    ctx: ServiceContext,
    session: Session,
    principal: Principal,
    request: FinancingRequest,
    *,
    now: datetime,
    key: str,
    candidates: Candidates | None = None,
    cross_border: CrossBorder | None = None,
    last: bool = False,
) -> FinancingRegistration:
    """`register` with the hub's current keys and grace, its answer stored under ``key``."""
    return register(
        session,
        principal,
        request,
        keyring=ctx.keys.fingerprint_keyring(),
        oprf_key=ctx.keys.oprf_keyring().current,
        grace=ctx.settings.financing_grace,
        now=now,
        cross_border=cross_border,
        idempotency_key=key,
        candidates=candidates,
        last=last,
    )


def claim_registration(
    ctx: ServiceContext, principal: Principal, request: FinancingRequest, *, key: str
) -> StoredResponse | None:
    """Claim the Idempotency-Key of a registration in a transaction of its own, before a
    slow outside part (asking peer hubs); the stored answer when it is a retry (422 for the
    key of another request, 409 while the first is in flight)."""
    return claim_once(ctx, principal, key, registration_digest(request))


def complete_registration(
    ctx: ServiceContext,
    principal: Principal,
    request: FinancingRequest,
    *,
    key: str,
    now: datetime,
    cross_border: CrossBorder | None = None,
) -> tuple[int, dict[str, Any]]:
    """Register under the key this request claimed, its answer stored with the key in the
    registration's own write; a refusal releases the key and stores nothing."""
    try:
        with ctx.uow() as uow:
            registration = _register_in(
                ctx, uow.session, principal, request, now=now, key=key, cross_border=cross_border
            )
            uow.commit()
    except errors.ProblemError:
        release_registration(ctx, principal, key)
        raise
    return 201, registration_body(registration)


def release_registration(ctx: ServiceContext, principal: Principal, key: str) -> None:
    """Free a claimed key whose registration never got to its transaction."""
    release_claim(ctx, principal, key)


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
