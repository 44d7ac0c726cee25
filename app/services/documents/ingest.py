"""Document intake use cases: validate, resolve the owner, store, announce; idempotently."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app import errors
from app.security.principal import Principal
from app.services.common.events import record_event
from app.services.common.outbox import append
from app.services.documents.metadata import document_metadata
from app.services.trust.provenance import (
    EBL_TYPES,
    Attestation,
    assess,
    record_verdict,
    transport_document,
)
from app.services.trust.versions import track_version
from app.storage.base import new_id, utcnow
from app.storage.db import is_postgresql
from app.storage.models import (
    Document,
    IdempotencyKey,
    ParticipantIdentifier,
    ProviderMandate,
)
from app.storage.scoping import readable
from app.validation import IntakeError, ValidationReport, validate
from app.validation.report import OwnerIdentifier

if TYPE_CHECKING:
    from app.services.common.context import ServiceContext

_PROBLEMS: dict[int, type[errors.ProblemError]] = {
    400: errors.BadRequest,
    413: errors.PayloadTooLarge,
    415: errors.UnsupportedMediaType,
    422: errors.Unprocessable,
}
#: Refusals about the key itself, not the request: no rejection event for those.
_KEY_PROBLEMS = frozenset({"idempotency-key-in-flight", "idempotency-key-reused"})
#: An in-flight claim older than this is presumed abandoned (its request died) and reclaimed.
STALE_CLAIM = dt.timedelta(minutes=5)
#: Identifier schemes in documents that participant identifiers register under another name.
_SCHEME_ALIASES = {"VAT": "TAX"}
_DOCUMENTS = cast(sa.Table, Document.__table__)
_DOCUMENT_COLUMNS = tuple(c.key for c in _DOCUMENTS.columns)
_INSERT_DOCUMENT = sa.insert(_DOCUMENTS)


class DocumentRejected(errors.Unprocessable):
    """The document parsed but failed validation; carries the report for the rejection event."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(
            f"the {report.doc_type} {report.version} document is invalid "
            f"({len(report.errors)} error(s))",
            slug="invalid-document",
            title="Invalid document",
            doc_type=report.doc_type,
            version=report.version,
            errors=[f.as_dict() for f in report.errors],
            warnings=[f.as_dict() for f in report.warnings],
            truncated=report.truncated,
        )
        self.report = report


def validate_only(
    raw: bytes, *, media_type: str | None, declared_type: str | None, max_bytes: int
) -> ValidationReport:
    """Run the intake pipeline; unjudgeable input becomes the matching 4xx problem."""
    try:
        return validate(
            raw, declared_type=declared_type, media_type=media_type, max_bytes=max_bytes
        )
    except IntakeError as exc:
        problem = _PROBLEMS.get(exc.status, errors.BadRequest)
        extensions: dict[str, Any] = dict(exc.extensions)
        raise problem(exc.detail, slug=exc.slug, reason=exc.reason, **extensions) from exc


def report_body(report: ValidationReport) -> dict[str, Any]:
    """The JSON a client sees for a validation result."""
    return report.summary()


# -- idempotency -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredResponse:
    """The answer given the first time a key was used, replayed for a retry."""

    status_code: int
    body: dict[str, Any]


def request_digest(
    raw: bytes, media_type: str | None, declared_type: str | None, owner: str | None
) -> str:
    """What "the same request" means for an idempotency key: body and every input that shapes it."""
    h = hashlib.sha256(raw)
    h.update(f"\0{media_type or ''}\0{declared_type or ''}\0{owner or ''}".encode())
    return h.hexdigest()


@lru_cache(maxsize=4)
def claim_statement(postgres: bool) -> sa.Insert:
    """``INSERT .. ON CONFLICT DO NOTHING RETURNING``: a row back means the key is ours.

    Built once per dialect (values bound as ``claim_<column>``): building a statement and
    its cache key costs more than running this one.
    """
    insert = postgresql.insert if postgres else sqlite.insert
    columns = ("provider_id", "key", "request_sha256", "created_at")
    return (
        insert(IdempotencyKey)
        .values({c: sa.bindparam(f"claim_{c}") for c in columns})
        .on_conflict_do_nothing(index_elements=["provider_id", "key"])
        .returning(IdempotencyKey.key)
    )


def claim_parameters(
    principal: Principal, key: str, digest: str, now: dt.datetime
) -> dict[str, Any]:
    """The parameters of `claim_statement`."""
    return {
        "claim_provider_id": principal.participant_id,
        "claim_key": key,
        "claim_request_sha256": digest,
        "claim_created_at": now,
    }


def claim_idempotency_key(
    session: Session, principal: Principal, key: str, digest: str
) -> StoredResponse | None:
    """Claim ``key`` for this request, in the transaction that does the work (or, with
    `claim_once`, in one of its own).

    Returns the stored response for a completed retry; raises 422 when the key was used for a
    different request and 409 for a committed claim whose request never completed (less
    than :data:`STALE_CLAIM` ago). A fresh key costs one statement. A concurrent first use of
    the same key waits for the other transaction (PostgreSQL's unique index, SQLite's write
    lock), then finds its answer, or the key free again if it rolled back.
    """
    now = utcnow()
    claim = claim_statement(is_postgresql(session))
    row_values = claim_parameters(principal, key, digest, now)
    if session.execute(claim, row_values).first() is not None:
        return None
    row = session.get(IdempotencyKey, (principal.participant_id, key), with_for_update=True)
    if row is None:
        # Released in between (that request was rejected): the key is free again.
        if session.execute(claim, row_values).first() is not None:
            return None
        raise errors.Conflict(
            "a request with this Idempotency-Key is being processed",
            slug="idempotency-key-in-flight",
        )
    if row.request_sha256 != digest:
        raise errors.Unprocessable(
            "this Idempotency-Key was already used for a different request",
            slug="idempotency-key-reused",
        )
    if row.completed_at is not None and row.status_code is not None and row.response is not None:
        return StoredResponse(row.status_code, row.response)
    if now - row.created_at < STALE_CLAIM:
        raise errors.Conflict(
            "a request with this Idempotency-Key is still being processed",
            slug="idempotency-key-in-flight",
        )
    row.created_at = now
    return None


# -- owner resolution ------------------------------------------------------------------------


def _candidates(identifier: OwnerIdentifier) -> list[tuple[str, str]]:
    scheme = _SCHEME_ALIASES.get(identifier.scheme, identifier.scheme)
    values = {identifier.value}
    if identifier.country and not identifier.value.startswith(identifier.country):
        values.add(identifier.country + identifier.value)
    return [(scheme, v) for v in sorted(values)]


def resolve_owner(
    session: Session,
    principal: Principal,
    report: ValidationReport,
    explicit_owner: uuid.UUID | None,
) -> uuid.UUID:
    """The data owner: named by a mandated provider, or found by identifiers in the document."""
    if explicit_owner is not None:
        mandate = session.get(ProviderMandate, (principal.participant_id, explicit_owner))
        mandated = explicit_owner == principal.participant_id or mandate is not None
        if not mandated:
            raise errors.Unprocessable(
                "the provider is not registered to act for this owner",
                slug="owner-not-mandated",
                owner_id=str(explicit_owner),
            )
        return explicit_owner
    pairs = [pair for identifier in report.owner_identifiers for pair in _candidates(identifier)]
    owners: set[uuid.UUID] = set()
    if pairs:
        owners = set(
            session.scalars(
                sa.select(ParticipantIdentifier.participant_id).where(
                    sa.tuple_(ParticipantIdentifier.scheme, ParticipantIdentifier.value).in_(pairs)
                )
            )
        )
    if len(owners) != 1:
        raise errors.Unprocessable(
            "the document's owner is not a registered participant"
            if not owners
            else "the document's identifiers name more than one participant",
            slug="owner-unresolved",
            identifiers=[o.as_dict() for o in report.owner_identifiers],
        )
    return owners.pop()


# -- submission ------------------------------------------------------------------------------


def document_body(document: Document, warnings: list[Any] | None = None) -> dict[str, Any]:
    """The representation of a stored document (metadata, never the content)."""
    return {
        "id": str(document.id),
        "type": document.doc_type,
        **document_metadata(document),
        "warnings": document.warnings if warnings is None else warnings,
        "provenance": document.provenance,
    }


def submit_document(
    session: Session,
    principal: Principal,
    raw: bytes,
    *,
    media_type: str | None,
    declared_type: str | None,
    explicit_owner: uuid.UUID | None,
    max_bytes: int,
    attestation: Attestation | None = None,
) -> Document:
    """Validate and store one document with its ``document.accepted`` event and outbox row.

    An eBL's provenance is judged on the way in (or comes with ``attestation`` when a PINT
    transfer already proved it) and is stored, shown and bound into the acceptance event.
    Raises :class:`DocumentRejected` (nothing written) for an invalid document; the caller
    records the rejection with :func:`record_rejection` in its own unit of work.
    """
    report = validate_only(
        raw, media_type=media_type, declared_type=declared_type, max_bytes=max_bytes
    )
    if not report.valid:
        raise DocumentRejected(report)
    owner_id = resolve_owner(session, principal, report, explicit_owner)
    value = report.value if report.doc_type in EBL_TYPES else None
    verdict = attestation.verdict if attestation else assess(session, report, value)
    provenance = dict(report.provenance, subject_sha256=report.subject_sha256, shape=report.shape)
    if verdict is not None:
        provenance["ebl"] = verdict.summary()
    # Core inserts, not the ORM's unit of work: the push is the hub's hottest write, and a
    # flush per object cost more CPU than the validation itself. The returned Document is a
    # plain record of what was written (not attached to the session).
    document = Document(
        id=new_id(),
        doc_type=report.doc_type,
        version=report.version,
        media_type=report.media_type,
        owner_id=owner_id,
        provider_id=principal.participant_id,
        reference=report.reference,
        document_date=report.document_date,
        received_at=utcnow(),
        size=len(raw),
        sha256=report.sha256,
        canonical_sha256=report.canonical_sha256,
        content=raw,
        provenance=provenance,
        warnings=[f.as_dict() for f in report.warnings],
    )
    session.execute(_INSERT_DOCUMENT, {c: getattr(document, c) for c in _DOCUMENT_COLUMNS})
    payload: dict[str, Any] = {
        "document_id": str(document.id),
        "doc_type": document.doc_type,
        "version": document.version,
        "owner_id": str(owner_id),
        "provider_id": str(principal.participant_id),
        "reference": document.reference,
        "sha256": document.sha256,
        "canonical_sha256": document.canonical_sha256,
    }
    if verdict is not None:
        payload["ebl_provenance"] = {"label": verdict.label.value, "reason": verdict.reason}
    record_event(
        session,
        kind="document.accepted",
        actor=principal.actor,
        subject=f"document:{document.id}",
        payload=payload,
        participant_ids=[owner_id, principal.participant_id],
    )
    if verdict is not None:
        record_verdict(session, document, verdict)
        track_version(
            session,
            document,
            verdict,
            transport_document(report.shape, value),
            actor=principal.actor,
            holder=attestation.holder if attestation else None,
            holder_platform=attestation.holder_platform if attestation else None,
            plain=report.plain,
        )
    append(
        session, topic="document.accepted", key=f"document.accepted:{document.id}", payload=payload
    )
    return document


def push(
    container: ServiceContext,
    principal: Principal,
    raw: bytes,
    *,
    key: str,
    media_type: str | None,
    declared_type: str | None,
    owner: uuid.UUID | None,
) -> tuple[int, dict[str, Any]]:
    """The whole push, for the API and inbound connectors alike: claim, store, answer.

    Claim, document, events, outbox row and stored answer commit together (see
    :func:`answer_once`); a rejection leaves only an event. Returns the status and body to
    answer with (the stored ones for a retry).
    """
    digest = request_digest(raw, media_type, declared_type, str(owner) if owner else None)

    def store(session: Session) -> dict[str, Any]:
        document = submit_document(
            session,
            principal,
            raw,
            media_type=media_type,
            declared_type=declared_type,
            explicit_owner=owner,
            max_bytes=container.settings.max_body_bytes,
        )
        return document_body(document)

    def rejected(session: Session, problem: errors.ProblemError) -> None:
        record_rejection(session, principal, problem, hashlib.sha256(raw).hexdigest())

    return answer_once(container, principal, key, digest, store, on_refusal=rejected)


def answer_once(
    ctx: ServiceContext,
    principal: Principal,
    key: str,
    digest: str,
    work: Callable[[Session], dict[str, Any]],
    *,
    on_refusal: Callable[[Session, errors.ProblemError], None] | None = None,
) -> tuple[int, dict[str, Any]]:
    """Do ``work`` once per ``Idempotency-Key`` and answer 201 with the body it returns.

    One transaction claims the key, does the work and stores the answer with it, so a
    crash leaves neither a document nor a claim behind. A retry while the first request
    runs waits on the claim's row (PostgreSQL's unique index, SQLite's single writer) and
    then replays the stored answer, or does the work itself if the first one failed. A
    refusal rolls everything back (``on_refusal`` may then leave an event) and is raised.
    """
    try:
        with ctx.uow() as uow:
            stored = claim_idempotency_key(uow.session, principal, key, digest)
            if stored is not None:
                return stored.status_code, stored.body
            body = work(uow.session)
            complete_idempotency_key(uow.session, principal, key, 201, body)
            uow.commit()
    except errors.ProblemError as problem:
        if on_refusal is not None and problem.slug not in _KEY_PROBLEMS:
            with ctx.uow() as uow:
                on_refusal(uow.session, problem)
                uow.commit()
        raise
    return 201, body


def claim_once(
    ctx: ServiceContext, principal: Principal, key: str, digest: str
) -> StoredResponse | None:
    """Claim ``key`` in a transaction of its own; the stored answer when this is a retry.

    For work with a slow or outside part before its transaction (asking peer hubs): claim,
    then do that part, then the work storing its answer with the key (or ``release_claim``
    if it fails), so that a retry is answered from the store without repeating it.
    """
    with ctx.uow() as claim:
        stored = claim_idempotency_key(claim.session, principal, key, digest)
        claim.commit()
    return stored


#: The update that stores the answer with a claimed key (RETURNING the key), built once, for
#: a caller that sends it together with its own writes (`completion_parameters`).
COMPLETION = (
    sa.update(IdempotencyKey)
    .where(
        IdempotencyKey.provider_id == sa.bindparam("idem_provider_id"),
        IdempotencyKey.key == sa.bindparam("idem_key"),
    )
    .values(
        completed_at=sa.bindparam("idem_completed_at"),
        status_code=sa.bindparam("idem_status_code"),
        response=sa.bindparam("idem_response"),
    )
    .returning(IdempotencyKey.key)
)


def completion_parameters(
    principal: Principal, key: str, status_code: int, body: dict[str, Any]
) -> dict[str, Any]:
    """The parameters of `COMPLETION`."""
    return {
        "idem_provider_id": principal.participant_id,
        "idem_key": key,
        "idem_completed_at": utcnow(),
        "idem_status_code": status_code,
        "idem_response": body,
    }


def release_idempotency_key(session: Session, principal: Principal, key: str) -> None:
    """Forget a claim whose request failed, so the client may retry with the same key."""
    session.execute(
        sa.delete(IdempotencyKey).where(
            IdempotencyKey.provider_id == principal.participant_id,
            IdempotencyKey.key == key,
            IdempotencyKey.completed_at.is_(None),
        )
    )


def release_claim(ctx: ServiceContext, principal: Principal, key: str) -> None:
    """Give up a claim whose request failed before its work, so a retry may use the key."""
    with ctx.uow() as uow:
        release_idempotency_key(uow.session, principal, key)
        uow.commit()


def complete_idempotency_key(
    session: Session, principal: Principal, key: str, status_code: int, body: dict[str, Any]
) -> None:
    """Store the answer with the key, in the same transaction as the document."""
    session.execute(COMPLETION, completion_parameters(principal, key, status_code, body))


def record_rejection(
    session: Session, principal: Principal, problem: errors.ProblemError, sha256: str
) -> None:
    """A rejected submission leaves an event (never a document)."""
    record_event(
        session,
        kind="document.rejected",
        actor=principal.actor,
        subject=f"submission:{sha256}",
        payload={
            "sha256": sha256,
            "status": problem.status,
            "problem": problem.slug,
            "detail": problem.detail,
            "doc_type": problem.extensions.get("doc_type"),
            "errors": problem.extensions.get("errors", [])[:20],
        },
        participant_ids=[principal.participant_id],
    )


def get_document(
    session: Session, principal: Principal, document_id: uuid.UUID, *, with_content: bool = False
) -> Document:
    """A document the caller may see (its provider or owner); anything else is 404."""
    stmt = readable(Document, principal).where(Document.id == document_id)
    if with_content:
        stmt = stmt.options(sa.orm.undefer(Document.content))
    document = session.scalars(stmt).first()
    if document is None:
        raise errors.NotFound("no such document", slug="document-not-found")
    return document
