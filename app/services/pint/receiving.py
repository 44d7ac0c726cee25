"""This hub as a receiving DCSA PINT 3.0.0 platform: start, upload documents, finish, validate."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import errors
from app.domain.hashing import json_sha256
from app.security.principal import Principal
from app.security.signed_content import sign_compact, unverified_payload
from app.services.common.events import record_event
from app.services.documents.ingest import DocumentRejected, submit_document, validate_only
from app.services.pint.accounts import find_account
from app.services.pint.chain import (
    BENV,
    EnvelopeRefused,
    OwnPlatform,
    VerifiedEnvelope,
    check_consistency,
    verify_signatures,
)
from app.services.pint.chain import checksum as chain_checksum
from app.services.trust.provenance import Attestation, Label, verdict_for
from app.storage.base import utcnow
from app.storage.models import PintAccount, PintAdditionalDocument, PintChainEntry, PintEnvelope

if TYPE_CHECKING:
    from app.services.common.context import ServiceContext

ENVELOPE_TYPE = "dcsa.pint.envelope"
#: The HTTP status each signed response code is answered with (PINT 3.0.0).
STATUS = {"RECE": 200, "DUPE": 200, "BSIG": 422, "BENV": 422, "INCD": 409, "MDOC": 409, "DISE": 409}


@dataclass(frozen=True)
class PintAnswer:
    """What to answer: a signed ``EnvelopeTransferFinishedResponse`` or an unsigned body."""

    status: int
    body: Any = None

    @property
    def empty(self) -> bool:
        return self.body is None


def _signed(ctx: ServiceContext, code: str, last_checksum: str, **members: Any) -> PintAnswer:
    """A response the spec signs, under the hub's platform key (its public JWKS is published)."""
    payload = {
        "lastEnvelopeTransferChainEntrySignedContentChecksum": last_checksum,
        "responseCode": code,
        **{k: v for k, v in members.items() if v is not None},
    }
    key = ctx.keys.current_signing_key()
    token = sign_compact(json.dumps(payload).encode(), key, "ES256")
    return PintAnswer(STATUS[code], token)


def _platform_code(ctx: ServiceContext) -> str:
    code = ctx.settings.pint_platform_code
    if not code:
        raise errors.NotFound("this hub is not a PINT platform", slug="pint-disabled")
    return code


def _reject(
    session: Session, refused: EnvelopeRefused, *, platform: str | None, last_checksum: str
) -> None:
    record_event(
        session,
        kind="pint.envelope_rejected",
        actor=f"pint:{platform or 'unknown'}",
        subject=f"pint-chain:{last_checksum}",
        payload={"response_code": refused.code, "reason": refused.reason, "detail": refused.detail},
    )


def _schema_checked(
    ctx: ServiceContext, raw: bytes
) -> tuple[dict[str, Any], str, EnvelopeRefused | None]:
    """The envelope, its document's checksum and any rule breach, after the schema check.

    A schema failure is an unsigned 400. A breach of the DCSA business rules by the transport
    document is a ``BENV``, answered once the signatures are checked.
    """
    try:
        report = validate_only(
            raw,
            media_type="application/json",
            declared_type=ENVELOPE_TYPE,
            max_bytes=ctx.settings.pint_max_envelope_bytes,
        )
    except errors.Unprocessable as exc:
        raise errors.BadRequest(exc.detail, slug="pint-envelope-invalid") from exc
    if not report.schema_valid:
        raise errors.BadRequest(
            "the envelope does not match the PINT 3.0.0 schema",
            slug="pint-envelope-invalid",
            errors=[f.as_dict() for f in report.errors][:20],
        )
    breach = None
    if not report.valid:
        first = report.errors[0]
        breach = EnvelopeRefused(
            BENV, f"rule-{first.rule}", f"{first.rule} {first.location}: {first.message}"[:255]
        )
    value = json.loads(raw)
    assert isinstance(value, dict)
    return value, report.subject_sha256, breach


def _declared(ctx: ServiceContext, envelope: VerifiedEnvelope) -> list[tuple[str, dict[str, Any]]]:
    declared = envelope.declared_documents()
    limits = ctx.settings
    if len(declared) > limits.pint_max_documents:
        raise EnvelopeRefused(
            BENV,
            "too-many-documents",
            f"at most {limits.pint_max_documents} additional documents are accepted",
        )
    for _, meta in declared:
        if meta.get("size", 0) > limits.pint_max_document_bytes:
            raise EnvelopeRefused(
                BENV,
                "document-too-large",
                f"additional documents are accepted up to {limits.pint_max_document_bytes} bytes",
            )
    return declared


def _history(
    session: Session, ctx: ServiceContext, envelope: VerifiedEnvelope
) -> PintAnswer | None:
    """``DUPE`` for a resend of an accepted transfer, ``DISE`` when the chain contradicts ours."""
    known = list(
        session.scalars(
            sa.select(PintChainEntry)
            .where(PintChainEntry.transport_document_checksum == envelope.document_checksum)
            .order_by(PintChainEntry.position)
        )
    )
    if not known:
        return None
    last = envelope.last
    accepted_lasts = set(
        session.scalars(
            sa.select(PintEnvelope.last_entry_checksum).where(
                PintEnvelope.transport_document_checksum == envelope.document_checksum,
                PintEnvelope.state == "accepted",
            )
        )
    )
    for entry in known:
        same = entry.checksum == last.checksum or entry.payload_checksum == last.payload_checksum
        if same and entry.checksum in accepted_lasts and entry.position == len(envelope.chain) - 1:
            return _signed(
                ctx,
                "DUPE",
                last.checksum,
                duplicateOfAcceptedEnvelopeTransferChainEntrySignedContent=entry.entry,
                reason="this envelope transfer was already accepted",
            )
    incoming = {e.payload_checksum for e in envelope.chain}
    if any(entry.payload_checksum not in incoming for entry in known):
        return _signed(
            ctx,
            "DISE",
            last.checksum,
            reason="the transfer chain contradicts the chain already accepted for this eBL",
        )
    return None


def _expire(session: Session, now: dt.datetime) -> None:
    session.execute(
        sa.update(PintEnvelope)
        .where(PintEnvelope.state == "open", PintEnvelope.expires_at <= now)
        .values(state="expired", finished_at=now)
    )


def _carry_over(session: Session, checksum: str, document_checksum: str) -> bytes | None:
    """A document already received for the same eBL (an earlier transfer or a retried one)."""
    row = session.scalars(
        sa.select(PintAdditionalDocument)
        .join(PintEnvelope, PintEnvelope.id == PintAdditionalDocument.envelope_id)
        .where(
            PintEnvelope.transport_document_checksum == document_checksum,
            PintAdditionalDocument.checksum == checksum,
            PintAdditionalDocument.received_at.is_not(None),
        )
        .options(sa.orm.undefer(PintAdditionalDocument.content))
        .limit(1)
    ).first()
    return row.content if row is not None else None


def _missing(session: Session, envelope_id: uuid.UUID) -> list[str]:
    return list(
        session.scalars(
            sa.select(PintAdditionalDocument.checksum)
            .where(
                PintAdditionalDocument.envelope_id == envelope_id,
                PintAdditionalDocument.received_at.is_(None),
            )
            .order_by(PintAdditionalDocument.checksum)
        )
    )


def _received(session: Session, envelope_id: uuid.UUID) -> list[str]:
    return list(
        session.scalars(
            sa.select(PintAdditionalDocument.checksum)
            .where(PintAdditionalDocument.envelope_id == envelope_id)
            .order_by(PintAdditionalDocument.checksum)
        )
    )


def _open(
    session: Session,
    ctx: ServiceContext,
    raw: bytes,
    envelope: VerifiedEnvelope,
    account: PintAccount,
    declared: list[tuple[str, dict[str, Any]]],
) -> PintEnvelope:
    now = utcnow()
    # A new start for the same eBL while a transfer is open is the sender retrying.
    session.execute(
        sa.update(PintEnvelope)
        .where(
            PintEnvelope.transport_document_checksum == envelope.document_checksum,
            PintEnvelope.state == "open",
        )
        .values(state="superseded", finished_at=now)
    )
    row = PintEnvelope(
        sending_platform=envelope.sending_platform,
        transport_document_checksum=envelope.document_checksum,
        transport_document_reference=str(envelope.document.get("transportDocumentReference")),
        last_entry_checksum=envelope.last.checksum,
        last_entry=envelope.last.signed,
        content=raw,
        manifest=envelope.manifest,
        recipient=envelope.recipient,
        account_id=account.id,
        state="open",
        expires_at=now + dt.timedelta(seconds=ctx.settings.pint_transfer_ttl_seconds),
    )
    session.add(row)
    session.flush()
    seen: set[str] = set()
    for kind, meta in declared:
        digest = str(meta["documentChecksum"])
        if digest in seen:
            continue
        seen.add(digest)
        content = _carry_over(session, digest, envelope.document_checksum)
        session.add(
            PintAdditionalDocument(
                envelope_id=row.id,
                checksum=digest,
                kind=kind,
                name=str(meta.get("name", ""))[:500],
                media_type=str(meta.get("mediaType", ""))[:100],
                size=int(meta.get("size", 0)),
                content=content,
                received_at=now if content is not None else None,
            )
        )
    session.flush()
    return row


def _accept(session: Session, ctx: ServiceContext, row: PintEnvelope, raw: bytes) -> PintAnswer:
    """Take the eBL in through the normal intake path, keep the chain, answer ``RECE``."""
    account = session.get(PintAccount, row.account_id)
    assert account is not None
    platform = _platform_code(ctx)
    envelope_value = json.loads(raw)
    document = envelope_value["transportDocument"]
    chain = envelope_value["envelopeTransferChain"]
    principal = Principal(
        participant_id=account.participant_id, client_id=row.sending_platform, kind="pint"
    )
    verdict = verdict_for(
        document, row.transport_document_checksum, Label.CHAIN_VERIFIED, "transfer-chain-verified"
    )
    try:
        stored = submit_document(
            session,
            principal,
            raw,
            media_type="application/json",
            declared_type=ENVELOPE_TYPE,
            explicit_owner=account.participant_id,
            max_bytes=ctx.settings.pint_max_envelope_bytes,
            attestation=Attestation(verdict, holder=row.recipient, holder_platform=platform),
        )
    except DocumentRejected as exc:
        raise EnvelopeRefused(BENV, "document-invalid", exc.detail) from exc
    for position, token in enumerate(chain):
        digest = chain_checksum(token)
        if session.get(PintChainEntry, digest) is None:
            payload = json.loads(unverified_payload(token))
            session.add(
                PintChainEntry(
                    checksum=digest,
                    transport_document_checksum=row.transport_document_checksum,
                    position=position,
                    payload_checksum=json_sha256(payload),
                    platform=str(payload["eblPlatform"]),
                    entry=token,
                    envelope_id=row.id,
                )
            )
    row.state, row.response_code = "accepted", "RECE"
    row.document_id, row.finished_at = stored.id, utcnow()
    received = _received(session, row.id)
    record_event(
        session,
        kind="pint.envelope_accepted",
        actor=principal.actor,
        subject=f"pint-envelope:{row.id}",
        payload={
            "envelope_reference": str(row.id),
            "sending_platform": row.sending_platform,
            "document_id": str(stored.id),
            "transport_document_checksum": row.transport_document_checksum,
            "transfer_chain": [chain_checksum(t) for t in chain],
            "additional_documents": received,
            "holder": row.recipient,
        },
        participant_ids=[account.participant_id],
    )
    return _signed(
        ctx, "RECE", row.last_entry_checksum, receivedAdditionalDocumentChecksums=received
    )


def start_transfer(ctx: ServiceContext, raw: bytes) -> PintAnswer:
    """``POST /v3/envelopes``: verify the envelope, then open the transfer or accept it at once."""
    platform = _platform_code(ctx)
    if len(raw) > ctx.settings.pint_max_envelope_bytes:
        raise errors.PayloadTooLarge(
            f"envelopes are accepted up to {ctx.settings.pint_max_envelope_bytes} bytes",
            slug="pint-envelope-too-large",
        )
    with ctx.uow() as uow:
        session = uow.session
        last_checksum = "0" * 64
        sender: str | None = None
        try:
            value, digest, breach = _schema_checked(ctx, raw)
            last_checksum = chain_checksum(value["envelopeTransferChain"][-1])
            own = OwnPlatform(platform, ctx.keys)
            envelope = verify_signatures(session, value, own, digest)
            sender = envelope.sending_platform
            check_consistency(envelope, platform_code=platform)
            if breach is not None:
                raise breach
            account = find_account(session, envelope.recipient.get("identifyingCodes"))
            if account is None:
                raise EnvelopeRefused(
                    BENV, "unknown-recipient", "the recipient has no account here"
                )
            declared = _declared(ctx, envelope)
            settled = _history(session, ctx, envelope)
            if settled is not None:
                return settled
            _expire(session, utcnow())
            row = _open(session, ctx, raw, envelope, account, declared)
            missing = _missing(session, row.id)
            if missing:
                uow.commit()
                return PintAnswer(
                    201,
                    {
                        "envelopeReference": str(row.id),
                        "transportDocumentChecksum": envelope.document_checksum,
                        "lastEnvelopeTransferChainEntrySignedContentChecksum": last_checksum,
                        "missingAdditionalDocumentChecksums": missing,
                    },
                )
            answer = _accept(session, ctx, row, raw)
            uow.commit()
            return answer
        except EnvelopeRefused as refused:
            session.rollback()
            _reject(session, refused, platform=sender, last_checksum=last_checksum)
            uow.commit()
            return _signed(ctx, refused.code, last_checksum, reason=refused.detail[:255])


def _envelope(session: Session, reference: str, now: dt.datetime) -> PintEnvelope:
    """An open transfer; unknown, finished elsewhere or expired references are all 404."""
    try:
        envelope_id = uuid.UUID(reference)
    except ValueError:
        envelope_id = None
    row = session.get(PintEnvelope, envelope_id, with_for_update=True) if envelope_id else None
    expired = row is not None and row.state == "open" and row.expires_at <= now
    if row is None or expired or row.state not in ("open", "accepted"):
        raise errors.NotFound(
            "no open envelope transfer with this reference", slug="pint-envelope-not-found"
        )
    return row


def _decoded(body: bytes) -> bytes:
    """An additional document as sent: a JSON string holding base64."""
    try:
        text = json.loads(body)
        if not isinstance(text, str):
            raise ValueError("not a string")
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error, RecursionError) as exc:
        raise errors.BadRequest(
            "an additional document is a JSON string of base64", slug="pint-document-invalid"
        ) from exc


def upload_document(ctx: ServiceContext, reference: str, checksum: str, body: bytes) -> PintAnswer:
    """``PUT .../additional-documents/{checksum}``: 204, or a signed ``INCD`` on a mismatch."""
    _platform_code(ctx)
    content = _decoded(body)
    if len(content) > ctx.settings.pint_max_document_bytes:
        raise errors.PayloadTooLarge(
            f"additional documents are accepted up to {ctx.settings.pint_max_document_bytes} bytes",
            slug="pint-document-too-large",
        )
    with ctx.uow() as uow:
        row = _envelope(uow.session, reference, utcnow())
        if row.state != "open":
            raise errors.NotFound(
                "the transfer is already finished", slug="pint-envelope-not-found"
            )
        declared = uow.session.get(PintAdditionalDocument, (row.id, checksum))
        actual = hashlib.sha256(content).hexdigest()
        if declared is None or actual != checksum or len(content) != declared.size:
            why = (
                "the document was not declared in the manifest"
                if declared is None
                else "the document's checksum or size does not match its declaration"
            )
            return _signed(ctx, "INCD", row.last_entry_checksum, reason=why)
        declared.content, declared.received_at = content, utcnow()
        uow.commit()
    return PintAnswer(204)


def finish_transfer(ctx: ServiceContext, reference: str) -> PintAnswer:
    """``PUT .../finish-transfer``: ``RECE`` once every declared document is here, else ``MDOC``."""
    _platform_code(ctx)
    with ctx.uow() as uow:
        session = uow.session
        row = _envelope(session, reference, utcnow())
        if row.state == "accepted":
            return _signed(
                ctx,
                "RECE",
                row.last_entry_checksum,
                receivedAdditionalDocumentChecksums=_received(session, row.id),
            )
        missing = _missing(session, row.id)
        if missing:
            return _signed(
                ctx,
                "MDOC",
                row.last_entry_checksum,
                missingAdditionalDocumentChecksums=missing,
                reason="additional documents are missing",
            )
        raw = session.scalars(
            sa.select(PintEnvelope.content).where(PintEnvelope.id == row.id)
        ).one()
        try:
            answer = _accept(session, ctx, row, raw)
        except EnvelopeRefused as refused:
            session.rollback()
            row = _envelope(session, reference, utcnow())
            row.state, row.response_code, row.finished_at = "rejected", refused.code, utcnow()
            _reject(
                session,
                refused,
                platform=row.sending_platform,
                last_checksum=row.last_entry_checksum,
            )
            uow.commit()
            return _signed(ctx, refused.code, row.last_entry_checksum, reason=refused.detail[:255])
        uow.commit()
        return answer


def validate_receiver(ctx: ServiceContext, code: dict[str, Any]) -> PintAnswer:
    """``POST /v3/receiver-validation``: the account's name, or 404 for an unknown code."""
    _platform_code(ctx)
    with ctx.uow() as uow:
        account = find_account(uow.session, [code])
        if account is None:
            raise errors.NotFound(
                "no account with this identifying code", slug="pint-party-unknown"
            )
        return PintAnswer(200, {"partyName": account.party_name})


def recent_envelopes(session: Session, limit: int = 50) -> list[PintEnvelope]:
    """The latest envelope transfers, newest first (admin view)."""
    return list(
        session.scalars(
            sa.select(PintEnvelope).order_by(PintEnvelope.created_at.desc()).limit(limit)
        )
    )
