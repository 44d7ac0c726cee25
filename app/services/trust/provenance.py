"""Provenance of a received eBL: carrier-attested, chain-verified or unverified, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.hashing import json_sha256
from app.security.signed_content import SignatureRefused, json_object, unverified_payload
from app.services.trust.store import Signer, verify_signed
from app.storage.base import utcnow
from app.storage.models import Document, EblProvenance
from app.validation.report import ValidationReport

#: The document types whose provenance is judged.
EBL_TYPES = frozenset({"dcsa.transport-document", "dcsa.pint.envelope"})
_INSERT_PROVENANCE = sa.insert(cast(sa.Table, EblProvenance.__table__))


class Label(StrEnum):
    """How far the origin of an eBL is proven, as lenders see it."""

    CARRIER_ATTESTED = "carrier_attested"
    CHAIN_VERIFIED = "chain_verified"
    UNVERIFIED = "unverified"


class ManifestProblem(Exception):
    """The carrier's issuance manifest does not attest this document to this party."""

    def __init__(self, reason: str, detail: str, *, signature: bool = False) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.signature = signature


@dataclass(frozen=True)
class Verdict:
    """The provenance label of one transport document, with everything it rests on."""

    label: Label
    reason: str
    document_checksum: str
    carrier_code: str | None = None
    carrier_code_list_provider: str | None = None
    reference: str | None = None
    status: str | None = None
    signer_kid: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """What the pull API, the dashboard and the acceptance event show."""
        return {
            "label": self.label.value,
            "reason": self.reason,
            "carrier": self.carrier_code,
            "carrier_code_list_provider": self.carrier_code_list_provider,
            "transport_document_reference": self.reference,
            "transport_document_status": self.status,
            "document_checksum": self.document_checksum,
            "signer_kid": self.signer_kid,
        }


@dataclass(frozen=True)
class Attestation:
    """A verdict reached before intake (a PINT transfer), with the holder of title it names."""

    verdict: Verdict
    holder: dict[str, Any] | None = None
    holder_platform: str | None = None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _carrier(document: dict[str, Any]) -> Signer | None:
    code = _string(document.get("carrierCode"))
    provider = _string(document.get("carrierCodeListProvider"))
    return Signer.carrier(code, provider) if code and provider else None


def check_issuance_manifest(
    session: Session, manifest: Any, document: dict[str, Any], checksum: str, issue_to: Any
) -> str:
    """Verify the carrier-signed issuance manifest of ``document``; returns the signing kid.

    The manifest must be signed by a key registered for the document's carrier, its
    ``documentChecksum`` must be ``checksum`` (the SHA-256 of the document's RFC 8785 form,
    as intake computed it) and its ``issueToChecksum`` that of the issue-to party.
    """
    if not isinstance(manifest, str):
        raise ManifestProblem("no-issuance-manifest", "no carrier-signed issuance manifest")
    carrier = _carrier(document)
    if carrier is None:
        raise ManifestProblem(
            "carrier-unidentified", "the document names no carrier code and code list provider"
        )
    try:
        verified = verify_signed(session, manifest, carrier)
    except SignatureRefused as exc:
        raise ManifestProblem(
            f"carrier-signature-{exc.reason}", exc.detail, signature=True
        ) from exc
    claims = json_object(verified.payload)
    if claims is None:
        raise ManifestProblem("issuance-manifest-malformed", "the manifest is not a JSON object")
    if claims.get("documentChecksum") != checksum:
        raise ManifestProblem(
            "document-checksum-mismatch", "the carrier signed a different transport document"
        )
    if issue_to is None:
        raise ManifestProblem("issue-to-missing", "the issue-to party is not given")
    if claims.get("issueToChecksum") != json_sha256(issue_to):
        raise ManifestProblem(
            "issue-to-checksum-mismatch", "the carrier issued the document to another party"
        )
    return verified.kid


def _envelope_issuance(envelope: dict[str, Any]) -> tuple[Any, Any]:
    """The carrier manifest and ISSUE recipient carried by an envelope's first chain entry."""
    chain = envelope.get("envelopeTransferChain")
    first = chain[0] if isinstance(chain, list) and chain else None
    if not isinstance(first, str):
        return None, None
    try:
        entry = json_object(unverified_payload(first))
    except SignatureRefused:
        return None, None
    if entry is None:
        return None, None
    transactions = entry.get("transactions")
    issue = transactions[0] if isinstance(transactions, list) and transactions else None
    recipient = (
        issue.get("recipient")
        if isinstance(issue, dict) and issue.get("actionCode") == "ISSUE"
        else None
    )
    return entry.get("issuanceManifestSignedContent"), recipient


def _parts(shape: str, value: dict[str, Any]) -> tuple[dict[str, Any], Any, Any]:
    """Transport document, issuance manifest and issue-to party, as each shape carries them."""
    if shape == "issuance-request":
        return value["document"], value.get("issuanceManifestSignedContent"), value.get("issueTo")
    if shape == "envelope":
        manifest, issue_to = _envelope_issuance(value)
        return value["transportDocument"], manifest, issue_to
    if shape == "notification":
        return value["data"]["transportDocument"], None, None
    return value, None, None


def transport_document(shape: str, value: Any) -> dict[str, Any]:
    """The transport document inside an eBL of the given shape."""
    document, _, _ = _parts(shape, value)
    return document


def verdict_for(
    document: dict[str, Any],
    checksum: str,
    label: Label,
    reason: str,
    signer_kid: str | None = None,
) -> Verdict:
    """A verdict about ``document`` (whose RFC 8785 SHA-256 is ``checksum``)."""
    carrier = _carrier(document)
    return Verdict(
        label=label,
        reason=reason,
        document_checksum=checksum,
        carrier_code=carrier.code if carrier else _string(document.get("carrierCode")),
        carrier_code_list_provider=carrier.code_list_provider if carrier else None,
        reference=_string(document.get("transportDocumentReference")),
        status=_string(document.get("transportDocumentStatus")),
        signer_kid=signer_kid,
    )


def assess(session: Session, report: ValidationReport, value: Any) -> Verdict | None:
    """The verdict for a pushed eBL (``None`` for other document types)."""
    if report.doc_type not in EBL_TYPES or not isinstance(value, dict):
        return None
    document, manifest, issue_to = _parts(report.shape, value)
    checksum = report.subject_sha256
    try:
        kid = check_issuance_manifest(session, manifest, document, checksum, issue_to)
    except ManifestProblem as problem:
        return verdict_for(document, checksum, Label.UNVERIFIED, problem.reason)
    return verdict_for(
        document, checksum, Label.CARRIER_ATTESTED, "carrier-signature-verified", kid
    )


def record_verdict(session: Session, document: Document, verdict: Verdict) -> None:
    """Keep the verdict beside the stored document (one Core insert: it is on the push path)."""
    session.execute(
        _INSERT_PROVENANCE,
        {
            "document_id": document.id,
            "label": verdict.label.value,
            "reason": verdict.reason,
            "carrier_code": verdict.carrier_code,
            "carrier_code_list_provider": verdict.carrier_code_list_provider,
            "transport_document_reference": verdict.reference,
            "transport_document_status": verdict.status,
            "document_checksum": verdict.document_checksum,
            "signer_kid": verdict.signer_kid,
            "detail": verdict.detail,
            "verified_at": utcnow(),
        },
    )
