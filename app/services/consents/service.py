"""Consent use cases: request a consent, read and list consents, fetch the signed artefact."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.consent import (
    ConsentError,
    ConsentStatus,
    ConsentTerms,
    FetchType,
    Frequency,
    FrequencyUnit,
    Interval,
    InvalidConsentTerms,
)
from app.domain.consent_artefact import rfc3339
from app.domain.consent_lifecycle import (
    ActorRole,
    IllegalTransition,
    ReasonRequired,
    TransitionNotPermitted,
)
from app.domain.hashing import json_sha256
from app.domain.purposes import PurposeCapExceeded, PurposeCatalogue, UnknownPurpose
from app.errors import Conflict, Forbidden, NotFound, ProblemError, Unprocessable
from app.security.principal import Principal
from app.services.common.cursors import Page, Position, decode_cursor, encode_cursor, page_size
from app.services.common.events import record_event
from app.services.common.outbox import enqueue
from app.services.consents.remote import RemoteConsumerRef, remote_consumer_participant
from app.storage.base import utcnow
from app.storage.models import (
    Consent,
    ConsentTransition,
    DeletionObligation,
    Participant,
    ParticipantRole,
    Role,
)
from app.storage.scoping import readable


@dataclass(frozen=True)
class ConsentRequest:
    """What a consumer asks for; the consumer is the caller unless an admin names one."""

    owner_id: uuid.UUID
    document_types: frozenset[str]
    purpose_code: str
    data_from: datetime
    data_to: datetime
    valid_from: datetime
    valid_until: datetime
    fetch_type: str
    frequency_count: int | None
    frequency_unit: str | None
    data_life_days: int
    provider_ids: frozenset[uuid.UUID] = frozenset()
    consumer_id: uuid.UUID | None = None
    remote_consumer: RemoteConsumerRef | None = None

    def fingerprint(self) -> str:
        """Digest of the request's meaning, to tell a retry from a different request."""
        return json_sha256(
            {
                "owner": str(self.owner_id),
                "types": sorted(self.document_types),
                "purpose": self.purpose_code,
                "data": [self.data_from.isoformat(), self.data_to.isoformat()],
                "validity": [self.valid_from.isoformat(), self.valid_until.isoformat()],
                "fetch": self.fetch_type,
                "frequency": [self.frequency_count, self.frequency_unit],
                "life": self.data_life_days,
                "providers": sorted(str(p) for p in self.provider_ids),
                "consumer": str(self.consumer_id) if self.consumer_id else None,
                **(
                    {"remote": [self.remote_consumer.peer, self.remote_consumer.consumer_ref]}
                    if self.remote_consumer is not None
                    else {}
                ),
            }
        )


def consent_problem(exc: ConsentError) -> ProblemError:
    """Translate a domain rule violation into the HTTP problem the client receives."""
    if isinstance(exc, IllegalTransition):
        return Conflict(
            exc.message,
            slug="illegal-transition",
            action=exc.action.value,
            status_now=exc.status.value,
        )
    if isinstance(exc, TransitionNotPermitted):
        return Forbidden(exc.message, slug="transition-not-permitted", action=exc.action.value)
    if isinstance(exc, ReasonRequired):
        return Unprocessable(exc.message, slug="reason-required")
    if isinstance(exc, PurposeCapExceeded):
        errors = [{"cap": v.cap, "message": v.message} for v in exc.violations]
        return Unprocessable(
            exc.message,
            slug="purpose-cap-exceeded",
            purpose=exc.purpose_code,
            cap=errors[0]["cap"],
            errors=errors,
        )
    if isinstance(exc, UnknownPurpose):
        return Unprocessable(exc.message, slug="unknown-purpose", purpose=exc.purpose_code)
    if isinstance(exc, InvalidConsentTerms):
        return Unprocessable(
            exc.message,
            slug="invalid-consent-terms",
            errors=[{"field": exc.field, "message": exc.message}],
        )
    return Unprocessable(exc.message, slug=exc.code.replace("_", "-"))


def _terms(
    source: Consent | ConsentRequest,
    *,
    consumer_id: uuid.UUID,
    purpose_code: str,
    purpose_text: str,
    provider_ids: frozenset[uuid.UUID],
) -> ConsentTerms:
    """Domain terms from the fields a stored consent and a request spell the same way."""
    frequency = None
    if source.frequency_count is not None and source.frequency_unit is not None:
        frequency = Frequency(source.frequency_count, FrequencyUnit(source.frequency_unit))
    return ConsentTerms(
        owner_id=source.owner_id,
        consumer_id=consumer_id,
        document_types=frozenset(source.document_types),
        purpose_code=purpose_code,
        purpose_text=purpose_text,
        data_range=Interval(source.data_from, source.data_to, "data_range"),
        validity=Interval(source.valid_from, source.valid_until, "validity"),
        fetch_type=FetchType(source.fetch_type),
        frequency=frequency,
        data_life_days=source.data_life_days,
        provider_ids=provider_ids,
    )


def terms_of(consent: Consent) -> ConsentTerms:
    """The domain view of a stored consent (trusted: it was validated when requested)."""
    return _terms(
        consent,
        consumer_id=consent.consumer_id,
        purpose_code=consent.purpose_code,
        purpose_text=consent.purpose_text,
        provider_ids=frozenset(uuid.UUID(str(p)) for p in consent.provider_ids),
    )


def _terms_from_request(
    request: ConsentRequest, consumer_id: uuid.UUID, catalogue: PurposeCatalogue
) -> ConsentTerms:
    try:
        template = catalogue.require(request.purpose_code)
        if (request.frequency_count is None) != (request.frequency_unit is None):
            raise InvalidConsentTerms("frequency", "give both count and unit")
        terms = _terms(
            request,
            consumer_id=consumer_id,
            purpose_code=template.code,
            purpose_text=template.text,
            provider_ids=request.provider_ids,
        )
        catalogue.check(terms)
    except ConsentError as exc:
        raise consent_problem(exc) from exc
    return terms


def _participants_with_role(session: Session, ids: set[uuid.UUID], role: Role) -> set[uuid.UUID]:
    rows = session.execute(
        sa.select(Participant.id)
        .join(ParticipantRole, ParticipantRole.participant_id == Participant.id)
        .where(Participant.id.in_(ids), Participant.active, ParticipantRole.role == role.value)
    ).scalars()
    return set(rows)


def _check_parties(session: Session, request: ConsentRequest) -> None:
    if not _participants_with_role(session, {request.owner_id}, Role.OWNER):
        raise Unprocessable(
            "the owner is not a registered, active data owner",
            slug="unknown-owner",
            errors=[{"field": "owner_id", "message": "no such data owner"}],
        )
    if request.provider_ids:
        known = _participants_with_role(session, set(request.provider_ids), Role.PROVIDER)
        unknown = sorted(str(p) for p in request.provider_ids - known)
        if unknown:
            raise Unprocessable(
                "some providers are not registered, active providers",
                slug="unknown-provider",
                errors=[
                    {"field": "provider_ids", "message": f"unknown provider {p}"} for p in unknown
                ],
            )


def _refuse_if_receipts_overdue(
    session: Session, consumer_id: uuid.UUID, grace: timedelta, now: datetime
) -> None:
    """409 while the consumer owes a deletion receipt past its due date plus the grace."""
    oldest = session.execute(
        sa.select(DeletionObligation.consent_id, DeletionObligation.due_at)
        .where(
            DeletionObligation.consumer_id == consumer_id,
            *DeletionObligation.unfiled_at(now - grace),
        )
        .order_by(DeletionObligation.due_at)
        .limit(1)
    ).first()
    if oldest is not None:
        raise Conflict(
            f"the deletion receipt for consent {oldest.consent_id} was due at "
            f"{rfc3339(oldest.due_at)}; file it before requesting new consents",
            slug="deletion-receipt-overdue",
            consent_id=str(oldest.consent_id),
            due_at=rfc3339(oldest.due_at),
        )


def _requester(
    session: Session,
    principal: Principal,
    consumer_id: uuid.UUID | None,
    remote: RemoteConsumerRef | None = None,
) -> tuple[uuid.UUID, ActorRole]:
    """The consumer a request is for, and the capacity in which the caller files it.

    A consumer at a peer hub cannot sign in here, so an admin files for it, naming the peer
    and the consumer's reference there; the consent then names the consumer's stand-in.
    """
    if remote is not None:
        if consumer_id is not None:
            raise Unprocessable(
                "name either a local consumer or a remote one, not both",
                slug="invalid-consent-terms",
                errors=[{"field": "remote_consumer", "message": "conflicts with consumer_id"}],
            )
        if not principal.is_admin:
            raise Forbidden(
                "only an admin may request a consent for a consumer at a peer hub",
                slug="not-a-consumer",
            )
        return remote_consumer_participant(session, remote, actor=principal.actor), ActorRole.ADMIN
    if consumer_id is None or consumer_id == principal.participant_id:
        if "consumer" not in principal.roles:
            raise Forbidden("only a consumer may request a consent", slug="not-a-consumer")
        return principal.participant_id, ActorRole.CONSUMER
    if not principal.is_admin:
        raise Forbidden(
            "only an admin may request a consent for another consumer", slug="not-a-consumer"
        )
    if not _participants_with_role(session, {consumer_id}, Role.CONSUMER):
        raise Unprocessable(
            "the consumer is not a registered, active consumer",
            slug="unknown-consumer",
            errors=[{"field": "consumer_id", "message": "no such consumer"}],
        )
    return consumer_id, ActorRole.ADMIN


def request_consent(
    session: Session,
    principal: Principal,
    request: ConsentRequest,
    *,
    catalogue: PurposeCatalogue,
    receipt_grace: timedelta,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Consent, bool]:
    """Record a PENDING consent for the owner to decide; returns (consent, newly created).

    A retry with the same Idempotency-Key and the same request returns the first consent;
    the same key with a different request is refused, since the client is confused. A
    consumer that leaves a deletion receipt missing beyond `receipt_grace` gets no new one.
    """
    now = now or utcnow()
    consumer_id, role = _requester(session, principal, request.consumer_id, request.remote_consumer)
    fingerprint = request.fingerprint()
    if idempotency_key is not None:
        earlier = session.execute(
            sa.select(Consent).where(
                Consent.consumer_id == consumer_id,
                Consent.idempotency_key == idempotency_key,
            )
        ).scalar_one_or_none()
        if earlier is not None:
            if earlier.request_sha256 != fingerprint:
                raise Unprocessable(
                    "this Idempotency-Key was used for a different request",
                    slug="idempotency-key-reused",
                )
            return earlier, False
    _refuse_if_receipts_overdue(session, consumer_id, receipt_grace, now)
    terms = _terms_from_request(request, consumer_id, catalogue)
    if terms.validity.end <= now:
        raise Unprocessable(
            "valid_until is in the past",
            slug="invalid-consent-terms",
            errors=[{"field": "valid_until", "message": "must be in the future"}],
        )
    _check_parties(session, request)
    consent = Consent(
        owner_id=terms.owner_id,
        consumer_id=terms.consumer_id,
        provider_ids=sorted(str(p) for p in terms.provider_ids),
        document_types=sorted(terms.document_types),
        purpose_code=terms.purpose_code,
        purpose_text=terms.purpose_text,
        data_from=terms.data_range.start,
        data_to=terms.data_range.end,
        valid_from=terms.validity.start,
        valid_until=terms.validity.end,
        fetch_type=terms.fetch_type.value,
        frequency_count=terms.frequency.count if terms.frequency else None,
        frequency_unit=terms.frequency.unit.value if terms.frequency else None,
        data_life_days=terms.data_life_days,
        status=ConsentStatus.PENDING.value,
        requested_by=principal.actor,
        idempotency_key=idempotency_key,
        request_sha256=fingerprint,
        created_at=now,
        updated_at=now,
    )
    session.add(consent)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "a request with this Idempotency-Key is already in flight", slug="idempotency-in-flight"
        ) from exc
    event = record_event(
        session,
        kind="consent.requested",
        actor=principal.actor,
        subject=f"consent:{consent.id}",
        payload={"consent_id": str(consent.id), **consent_summary(consent)},
        participant_ids=[consent.owner_id, consent.consumer_id],
    )
    session.add(
        ConsentTransition(
            consent_id=consent.id,
            action="request",
            source=None,
            target=ConsentStatus.PENDING.value,
            actor=principal.actor,
            role=role.value,
            at=now,
            event_id=event.id,
        )
    )
    enqueue(
        session,
        topic="consent.requested",
        key=f"consent.requested:{consent.id}",
        payload={"consent_id": str(consent.id), **consent_summary(consent)},
    )
    return consent, True


def consent_summary(consent: Consent) -> dict[str, Any]:
    return {
        "owner_id": str(consent.owner_id),
        "consumer_id": str(consent.consumer_id),
        "purpose": consent.purpose_code,
        "status": consent.status,
    }


def get_consent(session: Session, principal: Principal, consent_id: uuid.UUID) -> Consent:
    """A consent the caller is party to (owner or consumer) or any consent for an admin."""
    consent = session.execute(
        readable(Consent, principal).where(Consent.id == consent_id)
    ).scalar_one_or_none()
    if consent is None:
        raise NotFound(f"no consent {consent_id}", slug="consent-not-found")
    return consent


def list_consents(
    session: Session,
    principal: Principal,
    *,
    status: ConsentStatus | None = None,
    owner_id: uuid.UUID | None = None,
    consumer_id: uuid.UUID | None = None,
    purpose_code: str | None = None,
    valid_until_before: datetime | None = None,
    valid_until_after: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Consent]:
    """The caller's consents, newest first, filtered, one keyset page at a time.

    `valid_until_after`/`valid_until_before` bound the end of validity, e.g. to find the
    consents about to lapse (the dashboard's "expiring soon").
    """
    size = page_size(limit)
    stmt = readable(Consent, principal)
    if status is not None:
        stmt = stmt.where(Consent.status == status.value)
    if owner_id is not None:
        stmt = stmt.where(Consent.owner_id == owner_id)
    if consumer_id is not None:
        stmt = stmt.where(Consent.consumer_id == consumer_id)
    if purpose_code is not None:
        stmt = stmt.where(Consent.purpose_code == purpose_code)
    if valid_until_before is not None:
        stmt = stmt.where(Consent.valid_until < valid_until_before)
    if valid_until_after is not None:
        stmt = stmt.where(Consent.valid_until >= valid_until_after)
    if cursor is not None:
        after = decode_cursor(cursor)
        stmt = stmt.where(sa.tuple_(Consent.created_at, Consent.id) < (after.at, after.id))
    rows = list(
        session.execute(
            stmt.order_by(Consent.created_at.desc(), Consent.id.desc()).limit(size + 1)
        ).scalars()
    )
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor(Position(rows[-1].created_at, rows[-1].id))
    return Page(rows, next_cursor)


def transitions_of(session: Session, consent: Consent) -> list[ConsentTransition]:
    """The consent's history, oldest first."""
    return list(
        session.execute(
            sa.select(ConsentTransition)
            .where(ConsentTransition.consent_id == consent.id)
            .order_by(ConsentTransition.at, ConsentTransition.id)
        ).scalars()
    )


def consent_artefact(session: Session, principal: Principal, consent_id: uuid.UUID) -> str:
    """The signed artefact of a consent the caller may read; none before activation."""
    consent = get_consent(session, principal, consent_id)
    if consent.artefact_jws is None:
        raise NotFound(
            "the consent has not been activated, so no artefact was issued",
            slug="artefact-not-issued",
        )
    return consent.artefact_jws
