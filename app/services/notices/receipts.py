"""Consumers file signed deletion receipts; the hub verifies, records and anchors them."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.consent_artefact import rfc3339
from app.domain.deletion_receipt import IssuedNonce, ReceiptRejected, check_receipt
from app.domain.hashing import sha256_hex
from app.errors import Conflict, NotFound, Unprocessable
from app.ledger.bundle import ProofBundle
from app.security.keys import KeyStore
from app.security.principal import Principal
from app.security.receipts import verify_receipt_signature
from app.services.common.events import record_event
from app.services.common.outbox import enqueue
from app.services.delivery.routing import RECEIPT_TOPIC
from app.services.ledger.log import event_proof_bundle
from app.services.notices.obligations import held_documents
from app.settings import Settings
from app.storage.models import (
    ApiClient,
    Consent,
    DeletionObligation,
    DeletionReceipt,
    Event,
    ReceiptNonce,
)
from app.storage.scoping import own, readable


def _consent_not_found(consent_id: uuid.UUID) -> NotFound:
    return NotFound(f"no consent {consent_id}", slug="consent-not-found")


def _open_obligation(
    session: Session, principal: Principal, consent_id: uuid.UUID
) -> DeletionObligation:
    """The caller's own unfiled obligation for the consent, locked; 404 or 409 otherwise."""
    consent = session.execute(
        own(Consent, principal, "consumer_id").where(Consent.id == consent_id)
    ).scalar_one_or_none()
    if consent is None:
        raise _consent_not_found(consent_id)
    obligation = session.execute(
        sa.select(DeletionObligation)
        .where(DeletionObligation.consent_id == consent_id)
        .with_for_update()
    ).scalar_one_or_none()
    if obligation is None:
        raise Conflict(
            "no deletion receipt is owed for this consent: it has not ended, or nothing "
            "was fetched under it",
            slug="deletion-receipt-not-owed",
        )
    if obligation.receipt_id is not None:
        raise Conflict(
            "a deletion receipt was already filed for this consent",
            slug="deletion-receipt-already-filed",
            receipt_id=str(obligation.receipt_id),
        )
    return obligation


def issue_nonce(
    session: Session,
    principal: Principal,
    consent_id: uuid.UUID,
    *,
    ttl: timedelta,
    now: datetime,
) -> ReceiptNonce:
    """A fresh single-use nonce the consumer must sign into its receipt for this consent."""
    obligation = _open_obligation(session, principal, consent_id)
    nonce = ReceiptNonce(
        value=secrets.token_urlsafe(24),
        consent_id=obligation.consent_id,
        consumer_id=obligation.consumer_id,
        issued_at=now,
        expires_at=now + ttl,
    )
    session.add(nonce)
    return nonce


def consumer_keys(session: Session, consumer_id: uuid.UUID) -> list[dict[str, Any]]:
    """The public keys the consumer registered for its API clients (private_key_jwt)."""
    return [
        dict(jwk)
        for jwk in session.execute(
            sa.select(ApiClient.public_jwk).where(
                ApiClient.participant_id == consumer_id,
                ApiClient.active,
                ApiClient.public_jwk.is_not(None),
            )
        ).scalars()
        if jwk
    ]


def _nonce(session: Session, value: str) -> tuple[ReceiptNonce | None, IssuedNonce | None]:
    row = session.execute(
        sa.select(ReceiptNonce).where(ReceiptNonce.value == value).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        return None, None
    return row, IssuedNonce(row.value, row.consent_id, row.issued_at, row.expires_at, row.used_at)


def _rejected(exc: ReceiptRejected) -> Unprocessable:
    return Unprocessable(
        f"the deletion receipt was refused: {exc.detail}",
        slug="deletion-receipt-rejected",
        reason=exc.reason.value,
    )


def file_receipt(
    session: Session,
    principal: Principal,
    consent_id: uuid.UUID,
    token: str,
    *,
    audience: str,
    now: datetime,
) -> DeletionReceipt:
    """Verify a receipt and record it as an event (so the ledger anchors it).

    Refused with 422 and a `reason` unless it is signed by one of the consumer's registered
    keys, carries an unused nonce the hub issued for this consent, and names exactly the
    documents the consumer fetched, with their hashes, deleted no earlier than the last fetch.
    """
    obligation = _open_obligation(session, principal, consent_id)
    try:
        signed = verify_receipt_signature(token, consumer_keys(session, obligation.consumer_id))
        nonce_row, nonce = _nonce(session, signed.claims.nonce)
        check_receipt(
            signed.claims,
            consent_id=consent_id,
            consumer=str(obligation.consumer_id),
            audience=audience,
            nonce=nonce,
            fetched=held_documents(obligation),
            now=now,
        )
    except ReceiptRejected as exc:
        raise _rejected(exc) from exc
    assert nonce_row is not None
    nonce_row.used_at = now
    claims = signed.claims
    receipt_id = uuid.uuid4()
    documents = [{"id": str(d.document_id), "sha256": d.sha256} for d in claims.documents]
    summary = {
        "receipt_id": str(receipt_id),
        "consent_id": str(consent_id),
        "owner_id": str(obligation.owner_id),
        "consumer_id": str(obligation.consumer_id),
        "sha256": sha256_hex(token.encode("ascii")),
        "method": claims.method.value,
        "deleted_at": rfc3339(claims.deleted_at),
    }
    event = record_event(
        session,
        kind=RECEIPT_TOPIC,
        actor=principal.actor,
        subject=f"consent:{consent_id}",
        payload={
            **summary,
            "jws": token,
            "algorithm": signed.algorithm,
            "key_thumbprint": signed.key_thumbprint,
            "documents": documents,
        },
        participant_ids=[obligation.owner_id, obligation.consumer_id],
    )
    receipt = DeletionReceipt(
        id=receipt_id,
        consent_id=consent_id,
        consumer_id=obligation.consumer_id,
        owner_id=obligation.owner_id,
        jws=token,
        sha256=summary["sha256"],
        algorithm=signed.algorithm,
        key_thumbprint=signed.key_thumbprint,
        public_jwk=signed.public_jwk,
        method=claims.method.value,
        deleted_at=claims.deleted_at,
        documents=documents,
        filed_at=now,
        filed_by=principal.actor,
        event_id=event.id,
    )
    session.add(receipt)
    obligation.receipt_id = receipt_id
    enqueue(session, topic=RECEIPT_TOPIC, key=f"{RECEIPT_TOPIC}:{receipt_id}", payload=summary)
    return receipt


def receipts_for(
    session: Session, principal: Principal, consent_id: uuid.UUID
) -> list[DeletionReceipt]:
    """Receipts filed for a consent the caller is party to (owner, consumer, or admin)."""
    consent = session.execute(
        readable(Consent, principal).where(Consent.id == consent_id)
    ).scalar_one_or_none()
    if consent is None:
        raise _consent_not_found(consent_id)
    return list(
        session.execute(
            sa.select(DeletionReceipt).where(DeletionReceipt.consent_id == consent_id)
        ).scalars()
    )


def receipt_proof_bundle(
    session: Session,
    principal: Principal,
    consent_id: uuid.UUID,
    receipt_id: uuid.UUID,
    *,
    settings: Settings,
    keys: KeyStore,
) -> ProofBundle:
    """The ledger proof of a filed receipt's event, which carries the JWS itself."""
    receipt = next(
        (r for r in receipts_for(session, principal, consent_id) if r.id == receipt_id), None
    )
    event = session.get(Event, receipt.event_id) if receipt is not None else None
    if event is None:
        raise NotFound(f"no deletion receipt {receipt_id}", slug="deletion-receipt-not-found")
    return event_proof_bundle(session, event, settings, keys)
