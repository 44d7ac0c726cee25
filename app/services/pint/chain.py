"""Checks of an incoming PINT envelope, in the order DCSA PINT 3.0.0 has a receiver apply them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.domain.hashing import json_sha256
from app.security.keys import KeyStore
from app.security.signed_content import (
    SignatureRefused,
    checked_algorithm,
    json_object,
    protected_header,
    unverified_payload,
    verify_compact,
)
from app.services.trust.provenance import ManifestProblem, check_issuance_manifest
from app.services.trust.store import Signer, verify_signed

BSIG, BENV = "BSIG", "BENV"


class EnvelopeRefused(Exception):
    """The envelope is rejected with a signed ``BSIG`` or ``BENV`` and a stable reason."""

    def __init__(self, code: str, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.reason = reason
        self.detail = detail


def checksum(text: str) -> str:
    """SHA-256 (lowercase hex) of a JWS compact string, as chain links and manifests use."""
    return hashlib.sha256(text.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class ChainEntry:
    """One verified transfer-chain entry."""

    signed: str
    checksum: str
    payload: dict[str, Any]
    payload_checksum: str

    @property
    def platform(self) -> str:
        return str(self.payload["eblPlatform"])

    @property
    def transactions(self) -> list[dict[str, Any]]:
        return [t for t in self.payload.get("transactions", []) if isinstance(t, dict)]


@dataclass(frozen=True)
class VerifiedEnvelope:
    """An envelope whose signatures, checksums and links all hold."""

    document: dict[str, Any]
    document_checksum: str
    manifest: dict[str, Any]
    chain: list[ChainEntry]
    carrier_kid: str

    @property
    def last(self) -> ChainEntry:
        return self.chain[-1]

    @property
    def sending_platform(self) -> str:
        return self.last.platform

    @property
    def recipient(self) -> dict[str, Any]:
        return dict(self.last.transactions[-1].get("recipient") or {})

    def declared_documents(self) -> list[tuple[str, dict[str, Any]]]:
        """``(kind, metadata)`` of every additional document the manifest announces."""
        found = [("supporting", d) for d in self.manifest.get("supportingDocuments") or []]
        visual = self.manifest.get("eBLVisualisationByCarrier")
        if isinstance(visual, dict):
            found.append(("visualisation", visual))
        return found


def _claims(token: str, what: str) -> dict[str, Any]:
    try:
        value = json_object(unverified_payload(token))
    except SignatureRefused as exc:
        raise EnvelopeRefused(BSIG, "malformed-jws", f"the {what} is not a readable JWS") from exc
    if value is None:
        raise EnvelopeRefused(BENV, "malformed-payload", f"the {what} payload is not an object")
    return value


@dataclass(frozen=True)
class OwnPlatform:
    """This hub's platform code and keys: entries it signed itself verify against its own key."""

    code: str
    keys: KeyStore


def _verify_own(token: str, own: OwnPlatform) -> None:
    header = protected_header(token)
    alg = checked_algorithm(header)
    key = own.keys.verification_key(str(header.get("kid", "")))
    if key is None:
        raise SignatureRefused("unknown-key", f"no key of this platform ({own.code}) signed it")
    verify_compact(token, alg, key)


def _verified(
    session: Session, token: str, platform: Any, what: str, own: OwnPlatform
) -> dict[str, Any]:
    """The payload of ``token`` after checking it against ``platform``'s registered key."""
    if not isinstance(platform, str) or not platform:
        raise EnvelopeRefused(BENV, "platform-missing", f"the {what} names no eBL platform")
    try:
        if platform == own.code:
            _verify_own(token, own)
        else:
            verify_signed(session, token, Signer.platform(platform))
    except SignatureRefused as exc:
        raise EnvelopeRefused(BSIG, exc.reason, f"{what}: {exc.detail}") from exc
    return _claims(token, what)


def verify_signatures(
    session: Session, envelope: dict[str, Any], own: OwnPlatform, document_checksum: str
) -> VerifiedEnvelope:
    """Every JWS of the envelope against the key of the party that signed it (else ``BSIG``).

    ``document_checksum`` is the RFC 8785 SHA-256 of the transport document, as intake's
    validation computed it.
    """
    chain_tokens = envelope["envelopeTransferChain"]
    entries: list[ChainEntry] = []
    for position, token in enumerate(chain_tokens):
        what = f"transfer chain entry {position}"
        claimed = _claims(token, what)
        payload = _verified(session, token, claimed.get("eblPlatform"), what, own)
        entries.append(ChainEntry(token, checksum(token), payload, json_sha256(payload)))
    sender = entries[-1].platform
    manifest = _verified(
        session, envelope["envelopeManifestSignedContent"], sender, "manifest", own
    )
    document = envelope["transportDocument"]
    issue = entries[0].transactions[0] if entries[0].transactions else {}
    try:
        carrier_kid = check_issuance_manifest(
            session,
            entries[0].payload.get("issuanceManifestSignedContent"),
            document,
            document_checksum,
            issue.get("recipient"),
        )
    except ManifestProblem as problem:
        code = BSIG if problem.signature else BENV
        raise EnvelopeRefused(code, problem.reason, problem.detail) from problem
    return VerifiedEnvelope(document, document_checksum, manifest, entries, carrier_kid)


def check_consistency(envelope: VerifiedEnvelope, *, platform_code: str) -> None:
    """Checksums, backward links, the ISSUE start and the recipient's platform (else ``BENV``)."""
    manifest, chain, digest = envelope.manifest, envelope.chain, envelope.document_checksum
    if manifest.get("transportDocumentChecksum") != digest:
        raise EnvelopeRefused(
            BENV, "document-checksum-mismatch", "the manifest is for another transport document"
        )
    if manifest.get("lastEnvelopeTransferChainEntrySignedContentChecksum") != chain[-1].checksum:
        raise EnvelopeRefused(
            BENV, "manifest-chain-mismatch", "the manifest names another last chain entry"
        )
    for position, entry in enumerate(chain):
        if entry.payload.get("transportDocumentChecksum") != digest:
            raise EnvelopeRefused(
                BENV,
                "entry-document-mismatch",
                f"chain entry {position} is for another transport document",
            )
        previous = entry.payload.get("previousEnvelopeTransferChainEntrySignedContentChecksum")
        expected = chain[position - 1].checksum if position else None
        if previous != expected:
            raise EnvelopeRefused(
                BENV,
                "broken-chain-link",
                f"chain entry {position} does not link to its predecessor",
            )
        if not entry.transactions:
            raise EnvelopeRefused(BENV, "no-transactions", f"chain entry {position} is empty")
    codes = [t.get("actionCode") for e in chain for t in e.transactions]
    if codes[0] != "ISSUE" or "ISSUE" in codes[1:]:
        raise EnvelopeRefused(
            BENV, "first-transaction-not-issue", "the chain must start with its only ISSUE"
        )
    if "SACC" in codes[:-1]:
        raise EnvelopeRefused(
            BENV, "after-surrender", "no transaction may follow an accepted surrender"
        )
    if envelope.recipient.get("eblPlatform") != platform_code:
        raise EnvelopeRefused(
            BENV, "wrong-platform", f"the last recipient is not on platform {platform_code}"
        )
