"""Consents requested by a peer hub for one of its consumers, and read back by that peer."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.domain.purposes import PurposeCatalogue
from app.errors import NotFound
from app.security.principal import Principal
from app.services.common.cursors import Page
from app.services.consents.remote import (
    RemoteConsumerRef,
    find_remote_consumer,
    remote_consumer_participant,
)
from app.services.consents.service import ConsentRequest, request_consent
from app.services.crossings.serving import CallingPeer
from app.services.notices.acknowledgement import acknowledge_notice, list_notices
from app.storage.models import Consent, Notice


def _as_consumer(participant_id: uuid.UUID, peer: CallingPeer, consumer_ref: str) -> Principal:
    """The remote consumer acting here through its hub: only ever as itself, a consumer."""
    return Principal(
        participant_id=participant_id,
        client_id=f"{peer.name}/{consumer_ref}",
        scopes=frozenset({"consents:write", "consents:read"}),
        roles=frozenset({"consumer"}),
        kind="peer",
    )


def request_for_remote_consumer(
    session: Session,
    peer: CallingPeer,
    consumer_ref: str,
    request: ConsentRequest,
    *,
    catalogue: PurposeCatalogue,
    receipt_grace: timedelta,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Consent, bool]:
    """A PENDING consent for `peer`'s consumer, for the owner here to decide.

    The peer speaks for its own consumers only: the consumer is the one it names under its
    authenticated name, never a participant of this hub or of another peer, so a consumer id
    or remote consumer in the request is ignored. Everything else is a local request.
    """
    ref = RemoteConsumerRef(peer.name, consumer_ref)
    participant = remote_consumer_participant(
        session, ref, actor=f"peer:{peer.name}", country=peer.jurisdiction
    )
    return request_consent(
        session,
        _as_consumer(participant, peer, consumer_ref),
        replace(request, consumer_id=None, remote_consumer=None),
        catalogue=catalogue,
        receipt_grace=receipt_grace,
        idempotency_key=idempotency_key,
        now=now,
    )


def consent_for_remote_consumer(
    session: Session, peer: CallingPeer, consumer_ref: str, consent_id: uuid.UUID
) -> Consent:
    """A consent naming `peer`'s consumer; any other is reported as absent."""
    participant = find_remote_consumer(session, RemoteConsumerRef(peer.name, consumer_ref))
    consent = session.get(Consent, consent_id)
    if participant is None or consent is None or consent.consumer_id != participant:
        raise NotFound(f"no consent {consent_id}", slug="consent-not-found")
    return consent


def notices_for_remote_consumer(
    session: Session,
    peer: CallingPeer,
    consumer_ref: str,
    *,
    now: datetime,
    cursor: str | None = None,
) -> Page[Notice]:
    """The notices addressed to `peer`'s consumer here (none if no consent ever named it).

    A revocation or pause is noticed to the consumer, and its pulls fail closed once a notice
    is overdue; a remote consumer reads and acknowledges them through its own hub.
    """
    participant = find_remote_consumer(session, RemoteConsumerRef(peer.name, consumer_ref))
    if participant is None:
        return Page([], None)
    return list_notices(
        session, _as_consumer(participant, peer, consumer_ref), now=now, cursor=cursor
    )


def acknowledge_for_remote_consumer(
    session: Session, peer: CallingPeer, consumer_ref: str, notice_id: uuid.UUID, *, now: datetime
) -> Notice:
    """Record that `peer`'s consumer processed a notice addressed to it; a repeat is a no-op."""
    participant = find_remote_consumer(session, RemoteConsumerRef(peer.name, consumer_ref))
    if participant is None:
        raise NotFound(f"no notice {notice_id}", slug="notice-not-found")
    return acknowledge_notice(
        session, _as_consumer(participant, peer, consumer_ref), notice_id, now=now
    )
