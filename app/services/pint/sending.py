"""Sending an eBL held here to another PINT platform: a signed next entry, through the outbox."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import errors
from app.security.keys import KeyStore
from app.security.principal import Principal
from app.security.signed_content import SignatureRefused, json_object, sign_compact
from app.services.common.events import record_event
from app.services.common.outbox import enqueue
from app.services.pint.chain import checksum
from app.services.trust.store import Signer, verify_signed
from app.services.trust.versions import set_holder
from app.settings import Settings
from app.storage.base import utcnow
from app.storage.models import (
    ConnectorInstance,
    PintAccount,
    PintAdditionalDocument,
    PintEnvelope,
    PintTransfer,
)
from app.storage.scoping import readable
from connectors.registry import ConnectorRegistry
from connectors.retry import RetryPolicy, next_attempt
from connectors.spi import (
    DeliveryContext,
    OutboundConnector,
    OutboundMessage,
    PermanentDeliveryError,
    TransientDeliveryError,
)

TOPIC = "pint.transfer.send"
#: Transactions that hand an eBL to a party on another platform (PINT 3.0.0 actionCode).
SENDABLE_ACTIONS = frozenset(
    {"TRANSFER", "ENDORSE", "ENDORSE_TO_ORDER", "SURRENDER_FOR_DELIVERY", "SURRENDER_FOR_AMENDMENT"}
)
OPEN = ("pending", "accepted")


def _held(session: Session, document_id: uuid.UUID) -> PintEnvelope:
    """The accepted envelope behind ``document_id``, if the eBL is still held here."""
    received = session.scalars(
        sa.select(PintEnvelope)
        .where(PintEnvelope.document_id == document_id, PintEnvelope.state == "accepted")
        .options(sa.orm.undefer(PintEnvelope.content))
    ).first()
    if received is None:
        raise errors.NotFound("no eBL received over PINT with this id", slug="pint-ebl-not-found")
    later = session.scalars(
        sa.select(PintEnvelope.id).where(
            PintEnvelope.transport_document_checksum == received.transport_document_checksum,
            PintEnvelope.state == "accepted",
            PintEnvelope.finished_at > received.finished_at,
        )
    ).first()
    sent = session.scalars(
        sa.select(PintTransfer.id).where(
            PintTransfer.transport_document_checksum == received.transport_document_checksum,
            PintTransfer.state.in_(OPEN),
            PintTransfer.created_at > received.finished_at,
        )
    ).first()
    if later is not None or sent is not None:
        raise errors.Conflict(
            "this hub no longer holds the eBL (it was sent on)", slug="pint-not-holder"
        )
    return received


def _instance(session: Session, instance_id: uuid.UUID) -> tuple[ConnectorInstance, str]:
    instance = session.get(ConnectorInstance, instance_id)
    if instance is None or instance.connector != "pint" or not instance.enabled:
        raise errors.NotFound("no enabled pint connector instance", slug="pint-peer-not-found")
    return instance, str(instance.config["platform_code"])


def _documents(session: Session, envelope_id: uuid.UUID) -> list[PintAdditionalDocument]:
    return list(
        session.scalars(
            sa.select(PintAdditionalDocument)
            .where(PintAdditionalDocument.envelope_id == envelope_id)
            .options(sa.orm.undefer(PintAdditionalDocument.content))
            .order_by(PintAdditionalDocument.checksum)
        )
    )


def _metadata(doc: PintAdditionalDocument) -> dict[str, Any]:
    return {
        "name": doc.name,
        "size": doc.size,
        "mediaType": doc.media_type,
        "documentChecksum": doc.checksum,
    }


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def begin_transfer(
    session: Session,
    principal: Principal,
    *,
    settings: Settings,
    keys: KeyStore,
    document_id: uuid.UUID,
    instance_id: uuid.UUID,
    action_code: str,
    recipient: dict[str, Any],
) -> PintTransfer:
    """Sign the next chain entry and manifest for an eBL held here, and queue the transfer.

    Only the holder (the owner of the received eBL, or an admin) may send it, and only while
    this hub still holds it; the transfer is sent by the outbox, so it survives a crash.
    """
    platform = settings.pint_platform_code
    if not platform:
        raise errors.Unprocessable("this hub is not a PINT platform", slug="pint-disabled")
    if action_code not in SENDABLE_ACTIONS:
        raise errors.Unprocessable(
            f"action {action_code!r} cannot be sent; one of {', '.join(sorted(SENDABLE_ACTIONS))}",
            slug="pint-action-invalid",
        )
    received = _held(session, document_id)
    if not principal.is_admin:
        account = session.get(PintAccount, received.account_id)
        if account is None or account.participant_id != principal.participant_id:
            raise errors.NotFound(
                "no eBL received over PINT with this id", slug="pint-ebl-not-found"
            )
    instance, target = _instance(session, instance_id)
    if recipient.get("eblPlatform") != target:
        raise errors.Unprocessable(
            f"the recipient must be on platform {target}", slug="pint-recipient-invalid"
        )
    previous = json.loads(received.content)
    chain: list[str] = previous["envelopeTransferChain"]
    transport_document = previous["transportDocument"]
    key = keys.current_signing_key()
    transaction = {
        "actionCode": action_code,
        "actor": received.recipient,
        "recipient": recipient,
        "actionDateTime": _timestamp(utcnow()),
    }
    entry = sign_compact(
        json.dumps(
            {
                "eblPlatform": platform,
                "transportDocumentChecksum": received.transport_document_checksum,
                "previousEnvelopeTransferChainEntrySignedContentChecksum": checksum(chain[-1]),
                "transactions": [transaction],
            }
        ).encode(),
        key,
        "ES256",
    )
    documents = _documents(session, received.id)
    manifest: dict[str, Any] = {
        "transportDocumentChecksum": received.transport_document_checksum,
        "lastEnvelopeTransferChainEntrySignedContentChecksum": checksum(entry),
        "supportingDocuments": [_metadata(d) for d in documents if d.kind == "supporting"],
    }
    visual = [d for d in documents if d.kind == "visualisation"]
    if visual:
        manifest["eBLVisualisationByCarrier"] = _metadata(visual[0])
    envelope = {
        "transportDocument": transport_document,
        "envelopeManifestSignedContent": sign_compact(json.dumps(manifest).encode(), key, "ES256"),
        "envelopeTransferChain": [*chain, entry],
    }
    body = {
        "envelope": envelope,
        "documents": {d.checksum: base64.b64encode(d.content or b"").decode() for d in documents},
    }
    transfer = PintTransfer(
        participant_id=instance.participant_id if principal.is_admin else principal.participant_id,
        document_id=document_id,
        instance_id=instance.id,
        transport_document_checksum=received.transport_document_checksum,
        target_platform=target,
        action_code=action_code,
        recipient=recipient,
        last_entry_checksum=checksum(entry),
        envelope=json.dumps(body).encode(),
        state="pending",
    )
    session.add(transfer)
    session.flush()
    record_event(
        session,
        kind="pint.transfer_started",
        actor=principal.actor,
        subject=f"pint-transfer:{transfer.id}",
        payload={
            "document_id": str(document_id),
            "target_platform": target,
            "action_code": action_code,
            "last_entry_checksum": transfer.last_entry_checksum,
            "transport_document_checksum": transfer.transport_document_checksum,
        },
        participant_ids=[transfer.participant_id],
    )
    _schedule(session, transfer, utcnow())
    return transfer


def _schedule(session: Session, transfer: PintTransfer, at: datetime) -> None:
    message = enqueue(
        session,
        topic=TOPIC,
        key=f"pint.transfer:{transfer.id}:{transfer.attempts}",
        payload={"transfer_id": str(transfer.id)},
    )
    message.available_at = at


def _finish(
    session: Session, transfer: PintTransfer, state: str, kind: str, **payload: Any
) -> None:
    transfer.state, transfer.finished_at = state, utcnow()
    record_event(
        session,
        kind=kind,
        actor="system",
        subject=f"pint-transfer:{transfer.id}",
        payload={"target_platform": transfer.target_platform, **payload},
        participant_ids=[transfer.participant_id],
    )


def _verified_answer(session: Session, transfer: PintTransfer, token: str) -> dict[str, Any]:
    """The peer's signed answer, checked against its registered key and this transfer."""
    verified = verify_signed(session, token, Signer.platform(transfer.target_platform))
    answer = json_object(verified.payload)
    if (
        answer is None
        or answer.get("lastEnvelopeTransferChainEntrySignedContentChecksum")
        != transfer.last_entry_checksum
    ):
        raise SignatureRefused("answer-mismatch", "the signed answer is for another transfer")
    return answer


def send_transfer(
    session: Session,
    transfer_id: uuid.UUID,
    *,
    registry: ConnectorRegistry,
    policy: RetryPolicy,
) -> None:
    """One attempt at a queued transfer; the outcome is recorded in ``session``."""
    transfer = session.get(PintTransfer, transfer_id, with_for_update=True)
    if transfer is None or transfer.state != "pending":
        return
    instance = session.get(ConnectorInstance, transfer.instance_id)
    assert instance is not None
    connector = registry.get("pint")
    assert isinstance(connector, OutboundConnector)
    body = session.scalars(
        sa.select(PintTransfer.envelope).where(PintTransfer.id == transfer.id)
    ).one()
    now = utcnow()
    transfer.attempts += 1
    message = OutboundMessage(str(transfer.id), "pint.envelope", body, transfer.created_at)
    context = DeliveryContext(
        str(instance.id),
        connector.config_model.model_validate(instance.config),
        transfer.attempts,
        now,
    )
    retry_after: float | None = None
    token: str | None = None
    accepted = permanent = False
    try:
        receipt = connector.deliver(message, context)
    except TransientDeliveryError as exc:
        error, retry_after = exc.detail, exc.retry_after
    except PermanentDeliveryError as exc:
        error, token, permanent = exc.detail, getattr(exc, "token", None), True
    else:
        error, token, accepted = "", receipt.detail, True
    answer = None
    if token:
        try:
            answer = _verified_answer(session, transfer, token)
        except SignatureRefused as refused:
            error, permanent = f"unverifiable answer: {refused.detail}", False
    transfer.last_error = error[:500] or None
    if answer is not None:
        transfer.response_code, transfer.response = answer.get("responseCode"), token
        if not accepted:
            _finish(
                session,
                transfer,
                "rejected",
                "pint.transfer_rejected",
                response_code=transfer.response_code,
                reason=answer.get("reason"),
            )
            return
        transport_document = json.loads(body)["envelope"]["transportDocument"]
        set_holder(
            session,
            transport_document,
            transfer.recipient,
            transfer.target_platform,
            actor="system",
        )
        _finish(
            session,
            transfer,
            "accepted",
            "pint.transfer_accepted",
            response_code=transfer.response_code,
            holder=transfer.recipient,
        )
        return
    later = None if permanent else next_attempt(transfer.attempts, now, retry_after, policy=policy)
    if later is None:
        _finish(session, transfer, "failed", "pint.transfer_failed", error=transfer.last_error)
        return
    _schedule(session, transfer, later)


def get_transfer(session: Session, principal: Principal, transfer_id: uuid.UUID) -> PintTransfer:
    """A transfer of the caller's own (admins see all); anything else is 404."""
    transfer = session.scalars(
        readable(PintTransfer, principal).where(PintTransfer.id == transfer_id)
    ).first()
    if transfer is None:
        raise errors.NotFound("no such transfer", slug="pint-transfer-not-found")
    return transfer
