"""Consent lifecycle use cases: approve, reject, pause, resume, revoke, expire; artefact issue."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.consent import ConsentError, ConsentStatus
from app.domain.consent_artefact import artefact_payload
from app.domain.consent_lifecycle import Action, ActorRole, Transition, plan_transition
from app.domain.hashing import json_sha256
from app.errors import NotFound
from app.security.keys import KeyStore
from app.security.principal import Principal
from app.services.common.events import record_event
from app.services.common.outbox import enqueue
from app.services.consents.artefacts import artefact_sha256, sign_artefact
from app.services.consents.service import consent_problem, consent_summary, terms_of
from app.storage.base import utcnow
from app.storage.models import Consent, ConsentTransition
from app.storage.scoping import readable

SYSTEM_ACTOR = "system:consent-expiry"


def _role_of(principal: Principal, consent: Consent) -> ActorRole:
    if principal.participant_id == consent.owner_id:
        return ActorRole.OWNER
    if principal.participant_id == consent.consumer_id:
        return ActorRole.CONSUMER
    if principal.is_admin:
        return ActorRole.ADMIN
    raise NotFound(f"no consent {consent.id}", slug="consent-not-found")


def transition_consent(
    session: Session,
    principal: Principal,
    consent_id: uuid.UUID,
    action: Action,
    *,
    keys: KeyStore,
    issuer: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> Consent:
    """Apply `action` for the caller, in the capacity its relation to the consent gives it.

    The row is locked first, so a revoke racing an approve is decided one after the other.
    """
    consent = session.execute(
        readable(Consent, principal).where(Consent.id == consent_id).with_for_update()
    ).scalar_one_or_none()
    if consent is None:
        raise NotFound(f"no consent {consent_id}", slug="consent-not-found")
    role = _role_of(principal, consent)
    try:
        transition = plan_transition(
            ConsentStatus(consent.status),
            action,
            role,
            now=now or utcnow(),
            valid_until=consent.valid_until,
            reason=reason,
        )
    except ConsentError as exc:
        raise consent_problem(exc) from exc
    apply_transition(session, consent, transition, actor=principal.actor, keys=keys, issuer=issuer)
    return consent


def apply_transition(
    session: Session,
    consent: Consent,
    transition: Transition,
    *,
    actor: str,
    keys: KeyStore,
    issuer: str,
) -> None:
    """Store a planned transition with its event and outbox message in the caller's unit."""
    consent.status = transition.target.value
    consent.status_reason = transition.reason
    consent.updated_at = transition.at
    if transition.target is ConsentStatus.ACTIVE and consent.artefact_jws is None:
        _issue_artefact(session, consent, actor=actor, keys=keys, issuer=issuer, at=transition.at)
    payload = {
        "consent_id": str(consent.id),
        "action": transition.action.value,
        "from": transition.source.value,
        "to": transition.target.value,
        "role": transition.role.value,
        "reason": transition.reason,
        "at": transition.at.isoformat(),
        "artefact_sha256": consent.artefact_sha256,
        **consent_summary(consent),
    }
    event = record_event(
        session,
        kind=transition.topic,
        actor=actor,
        subject=f"consent:{consent.id}",
        payload=payload,
        participant_ids=[consent.owner_id, consent.consumer_id],
    )
    session.add(
        ConsentTransition(
            consent_id=consent.id,
            action=transition.action.value,
            source=transition.source.value,
            target=transition.target.value,
            actor=actor,
            role=transition.role.value,
            reason=transition.reason,
            at=transition.at,
            event_id=event.id,
        )
    )
    enqueue(
        session,
        topic=transition.topic,
        key=f"{transition.topic}:{event.id}",
        payload={**payload, "event_id": str(event.id)},
    )


def _issue_artefact(
    session: Session, consent: Consent, *, actor: str, keys: KeyStore, issuer: str, at: datetime
) -> None:
    payload = artefact_payload(
        consent_id=consent.id,
        terms=terms_of(consent),
        issuer=issuer,
        created_at=consent.created_at,
        activated_at=at,
    )
    token = sign_artefact(keys, payload)
    consent.artefact_jws = token
    consent.artefact_sha256 = artefact_sha256(token)
    record_event(
        session,
        kind="consent.artefact_issued",
        actor=actor,
        subject=f"consent:{consent.id}",
        payload={
            "consent_id": str(consent.id),
            "artefact_sha256": consent.artefact_sha256,
            "payload_sha256": json_sha256(payload),
            "kid": keys.current_signing_key().kid,
        },
        participant_ids=[consent.owner_id, consent.consumer_id],
    )


def expire_due_consents(
    session: Session, *, keys: KeyStore, issuer: str, now: datetime | None = None, batch: int = 500
) -> int:
    """Mark ACTIVE/PAUSED consents past valid-until EXPIRED; returns how many it expired."""
    now = now or utcnow()
    due = (
        session.execute(
            sa.select(Consent)
            .where(
                Consent.status.in_([ConsentStatus.ACTIVE.value, ConsentStatus.PAUSED.value]),
                Consent.valid_until <= now,
            )
            .order_by(Consent.valid_until)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        .scalars()
        .all()
    )
    expired = 0
    for consent in due:
        transition = plan_transition(
            ConsentStatus(consent.status),
            Action.EXPIRE,
            ActorRole.SYSTEM,
            now=now,
            valid_until=consent.valid_until,
        )
        apply_transition(session, consent, transition, actor=SYSTEM_ACTOR, keys=keys, issuer=issuer)
        expired += 1
    return expired
