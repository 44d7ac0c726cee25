"""Check a document against open registrations without registering: audited, probe-limited."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app import errors
from app.domain.fingerprints import Identifier, Keyring
from app.security.principal import Principal
from app.services.access.coverage import covering
from app.services.common.context import ServiceContext
from app.services.common.events import record_event
from app.services.documents.ingest import validate_only
from app.services.financing import matching
from app.services.financing.registrations import documents_with_consents, readable_document
from app.storage.db import is_postgresql
from app.storage.models import FinancingProbe


@dataclass(frozen=True)
class CheckRequest:
    """A stored document by id, or the bytes of a document the lender holds."""

    document_id: uuid.UUID | None = None
    raw: bytes | None = None
    media_type: str | None = None


@dataclass(frozen=True)
class Subject:
    """What is being checked: its bytes and type when known, the key it is probed under."""

    key: str
    readable: bool
    doc_type: str | None = None
    raw: bytes | None = None
    document_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Checked:
    """The local answer, and what a cross-border check of the same document needs."""

    result: dict[str, Any]
    identifiers: tuple[Identifier, ...]
    subject: str


def _by_id(session: Session, principal: Principal, document_id: uuid.UUID) -> Subject:
    key = hashlib.sha256(f"document:{document_id}".encode()).hexdigest()
    try:
        document = readable_document(session, principal, document_id)
    except errors.NotFound:
        return Subject(key, readable=False, document_id=document_id)
    return Subject(key, True, document.doc_type, document.content, document.id)


def _by_content(
    session: Session, principal: Principal, request: CheckRequest, max_bytes: int
) -> Subject:
    raw = request.raw or b""
    report = validate_only(
        raw, media_type=request.media_type, declared_type=None, max_bytes=max_bytes
    )
    if not report.valid:
        raise errors.Unprocessable(
            "the document is not valid",
            slug="invalid-document",
            errors=[e.as_dict() for e in report.errors],
        )
    readable = any(
        covering(session, document, consents)
        for document, consents in documents_with_consents(
            session, principal, canonical_sha256=report.canonical_sha256
        )
    )
    return Subject(report.canonical_sha256, readable, report.doc_type, raw)


def _probes_today(session: Session, lender_id: uuid.UUID, key: str, now: datetime) -> int:
    """Count ``key`` among the lender's distinct unreadable documents today; return the total."""
    insert = postgresql.insert if is_postgresql(session) else sqlite.insert
    session.execute(
        insert(FinancingProbe)
        .values(lender_id=lender_id, day=now.date(), document_sha256=key, created_at=now)
        .on_conflict_do_nothing()
    )
    return int(
        session.scalar(
            sa.select(sa.func.count()).where(
                FinancingProbe.lender_id == lender_id, FinancingProbe.day == now.date()
            )
        )
        or 0
    )


def _audit(
    session: Session, principal: Principal, subject: Subject, outcome: dict[str, Any]
) -> None:
    record_event(
        session,
        kind="financing.checked",
        actor=principal.actor,
        subject=f"financing-check:{subject.key}",
        payload={
            "document_id": str(subject.document_id) if subject.document_id else None,
            "document_key": subject.key,
            "readable": subject.readable,
            **outcome,
        },
        participant_ids=[principal.participant_id],
    )


def _subject(
    session: Session, principal: Principal, request: CheckRequest, max_bytes: int
) -> Subject:
    if request.document_id is not None:
        return _by_id(session, principal, request.document_id)
    return _by_content(session, principal, request, max_bytes)


def _answer(
    session: Session, principal: Principal, subject: Subject, keyring: Keyring, now: datetime
) -> Checked:
    """What registering would answer, audited, with what a cross-border check needs."""
    assert subject.raw is not None and subject.doc_type is not None
    found = matching.fingerprints_of(subject.raw, subject.doc_type, keyring.all)
    result = matching.assessment(session, principal.participant_id, found, now).as_dict()
    _audit(session, principal, subject, {"result": result})
    return Checked(result, found.identifiers, f"financing-check:{subject.key}")


def _unreadable(
    session: Session,
    principal: Principal,
    subject: Subject,
    *,
    keyring: Keyring,
    probe_limit: int,
    now: datetime,
) -> tuple[Checked | None, errors.ProblemError | None]:
    """A document the lender cannot read counts towards its daily probes, whatever follows."""
    if _probes_today(session, principal.participant_id, subject.key, now) > probe_limit:
        _audit(session, principal, subject, {"refused": "probe_limit"})
        midnight = datetime.combine(now.date() + timedelta(days=1), time.min, UTC)
        return None, errors.TooManyRequests(
            f"more than {probe_limit} documents you cannot read were checked today",
            slug="financing-probe-limit",
            retry_after=int((midnight - now).total_seconds()),
        )
    if subject.raw is None:
        _audit(session, principal, subject, {"refused": "not_found"})
        return None, errors.NotFound("no such document", slug="document-not-found")
    return _answer(session, principal, subject, keyring, now), None


def check(
    ctx: ServiceContext, principal: Principal, request: CheckRequest, *, now: datetime
) -> dict[str, Any]:
    """What registering would answer now, without registering."""
    return check_locally(ctx, principal, request, now=now).result


def check_locally(
    ctx: ServiceContext, principal: Principal, request: CheckRequest, *, now: datetime
) -> Checked:
    """The local answer with the document's OPRF inputs (held in memory only).

    A check of a readable document writes one row, its audit event, so it runs without a
    transaction around it: two reads and an insert that commits by itself. Otherwise the
    probe count and the audit event commit together, even when the answer is a 404 or a
    429, so refusals are on the record and count towards the limit.
    """
    keyring = ctx.keys.fingerprint_keyring()
    with ctx.uow() as unit:
        unit.statements_commit_alone()
        subject = _subject(unit.session, principal, request, ctx.settings.max_body_bytes)
        if subject.readable:
            checked = _answer(unit.session, principal, subject, keyring, now)
            unit.commit()
            return checked
    with ctx.uow() as unit:
        answer, problem = _unreadable(
            unit.session,
            principal,
            subject,
            keyring=keyring,
            probe_limit=ctx.settings.financing_probe_limit,
            now=now,
        )
        unit.commit()
    if problem is not None:
        raise problem
    assert answer is not None
    return answer
