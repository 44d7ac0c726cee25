"""Deletion receipts: what a consumer signs to prove it deleted the data a consent let it fetch."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

#: Explicit JWT type (RFC 8725 §3.11), so no other token signed with the key passes as a receipt.
RECEIPT_TYP = "tradegate-deletion-receipt+jwt"
#: The only signature algorithms accepted; anything else is refused before a key is chosen.
SIGNING_ALGORITHMS = ("ES256", "PS256", "RS256")
CLOCK_SKEW = timedelta(seconds=30)
MAX_DOCUMENTS = 10_000
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class DeletionMethod(StrEnum):
    """How the data was deleted, after the sanitisation categories of NIST SP 800-88 Rev. 1."""

    CLEAR = "CLEAR"
    PURGE = "PURGE"
    CRYPTO_ERASE = "CRYPTO_ERASE"
    DESTROY = "DESTROY"


class RejectReason(StrEnum):
    """Why a receipt was refused; clients branch on these values, so they never change."""

    MALFORMED = "malformed"
    ALGORITHM_NOT_ALLOWED = "algorithm_not_allowed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    WRONG_CONSENT = "wrong_consent"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    NONCE_UNKNOWN = "nonce_unknown"
    NONCE_STALE = "nonce_stale"
    NONCE_REUSED = "nonce_reused"
    ISSUED_IN_FUTURE = "issued_in_future"
    DELETED_AFTER_SIGNING = "deleted_after_signing"
    DELETED_BEFORE_FETCH = "deleted_before_fetch"
    DOCUMENT_NOT_FETCHED = "document_not_fetched"
    HASH_MISMATCH = "hash_mismatch"
    DOCUMENTS_MISSING = "documents_missing"


class ReceiptRejected(Exception):
    """A receipt that does not prove what it must; `reason` is machine-readable."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class DeletedDocument:
    """One document the consumer says it deleted, named by id and the hash it was served with."""

    document_id: uuid.UUID
    sha256: str


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class ReceiptClaims:
    """The signed content of a receipt, parsed and typed."""

    issuer: str
    audiences: tuple[str, ...]
    issued_at: datetime
    receipt_id: str
    nonce: str
    consent_id: uuid.UUID
    documents: tuple[DeletedDocument, ...]
    deleted_at: datetime
    method: DeletionMethod

    def as_claims(self) -> dict[str, Any]:
        """The JWT claims set a consumer signs (the inverse of `parse`)."""
        return {
            "iss": self.issuer,
            "aud": list(self.audiences) if len(self.audiences) > 1 else self.audiences[0],
            "iat": int(self.issued_at.timestamp()),
            "jti": self.receipt_id,
            "nonce": self.nonce,
            "consent_id": str(self.consent_id),
            "documents": [{"id": str(d.document_id), "sha256": d.sha256} for d in self.documents],
            "deleted_at": _rfc3339(self.deleted_at),
            "method": self.method.value,
        }

    @classmethod
    def parse(cls, claims: Mapping[str, Any]) -> ReceiptClaims:
        """Type every claim; anything missing or mistyped is `malformed`, naming the claim."""
        return cls(
            issuer=_string(claims, "iss"),
            audiences=_audiences(claims.get("aud")),
            issued_at=_epoch(claims.get("iat")),
            receipt_id=_string(claims, "jti"),
            nonce=_string(claims, "nonce"),
            consent_id=_uuid(claims.get("consent_id"), "consent_id"),
            documents=_documents(claims.get("documents")),
            deleted_at=_timestamp(claims.get("deleted_at")),
            method=_method(claims.get("method")),
        )

    def check_times(self, now: datetime) -> None:
        """What a receipt says about time must be possible: signed by now, deleted by signing."""
        if self.issued_at > now + CLOCK_SKEW:
            raise ReceiptRejected(RejectReason.ISSUED_IN_FUTURE, "iat is in the future")
        if self.deleted_at > self.issued_at + CLOCK_SKEW:
            raise ReceiptRejected(
                RejectReason.DELETED_AFTER_SIGNING, "deleted_at is after the receipt was signed"
            )


def _malformed(detail: str) -> ReceiptRejected:
    return ReceiptRejected(RejectReason.MALFORMED, detail)


def _string(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        raise _malformed(f"claim {name} must be a non-empty string of at most 500 characters")
    return value


def _audiences(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) and value:
        return (value,)
    if isinstance(value, list) and value and all(isinstance(a, str) and a for a in value):
        return tuple(value)
    raise _malformed("claim aud must be a string or a non-empty list of strings")


def _epoch(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _malformed("claim iat must be a NumericDate (whole seconds since the epoch)")
    return datetime.fromtimestamp(value, UTC)


def _timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _malformed("claim deleted_at must be an RFC 3339 timestamp")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _malformed("claim deleted_at must be an RFC 3339 timestamp") from None
    if moment.tzinfo is None:
        raise _malformed("claim deleted_at must carry a time zone")
    return moment.astimezone(UTC)


def _uuid(value: Any, name: str) -> uuid.UUID:
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise _malformed(f"claim {name} must be a UUID")


def _method(value: Any) -> DeletionMethod:
    try:
        return DeletionMethod(value)
    except ValueError:
        allowed = ", ".join(m.value for m in DeletionMethod)
        raise _malformed(f"claim method must be one of {allowed}") from None


def _documents(value: Any) -> tuple[DeletedDocument, ...]:
    if not isinstance(value, list) or not value or len(value) > MAX_DOCUMENTS:
        raise _malformed(f"claim documents must list 1 to {MAX_DOCUMENTS} documents")
    found: dict[uuid.UUID, DeletedDocument] = {}
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise _malformed(f"documents[{index}] must be an object with id and sha256")
        document_id = _uuid(item.get("id"), f"documents[{index}].id")
        digest = item.get("sha256")
        if not isinstance(digest, str) or not _SHA256.match(digest):
            raise _malformed(f"documents[{index}].sha256 must be 64 lowercase hex digits")
        if document_id in found:
            raise _malformed(f"documents[{index}] names document {document_id} twice")
        found[document_id] = DeletedDocument(document_id, digest)
    return tuple(found.values())


@dataclass(frozen=True)
class Fetched:
    """What the audit log says the consumer received of one document under the consent."""

    sha256: str
    last_fetched_at: datetime


@dataclass(frozen=True)
class IssuedNonce:
    """A single-use challenge the hub issued for one consent's receipt."""

    value: str
    consent_id: uuid.UUID
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


def check_receipt(
    claims: ReceiptClaims,
    *,
    consent_id: uuid.UUID,
    consumer: str,
    audience: str,
    nonce: IssuedNonce | None,
    fetched: Mapping[uuid.UUID, Fetched],
    now: datetime,
) -> None:
    """Refuse a receipt unless it accounts, freshly and plausibly, for every fetched document.

    The receipt must be for this consent, by this consumer, to this hub; carry a nonce the
    hub issued for this consent, unused and unexpired, and be signed after it was issued;
    and name exactly the documents the consumer fetched, with the hashes it was served, as
    deleted no earlier than their last fetch.
    """
    if claims.consent_id != consent_id:
        raise ReceiptRejected(RejectReason.WRONG_CONSENT, "the receipt names another consent")
    if claims.issuer != consumer:
        raise ReceiptRejected(RejectReason.WRONG_ISSUER, "iss must be the consumer's id")
    if audience not in claims.audiences:
        raise ReceiptRejected(RejectReason.WRONG_AUDIENCE, f"aud must include {audience}")
    _check_nonce(claims, nonce, consent_id, now)
    claims.check_times(now)
    _check_documents(claims, fetched)


def _check_nonce(
    claims: ReceiptClaims, nonce: IssuedNonce | None, consent_id: uuid.UUID, now: datetime
) -> None:
    if nonce is None or nonce.value != claims.nonce or nonce.consent_id != consent_id:
        raise ReceiptRejected(
            RejectReason.NONCE_UNKNOWN, "the nonce was not issued for this consent"
        )
    if nonce.used_at is not None:
        raise ReceiptRejected(RejectReason.NONCE_REUSED, "the nonce was already used")
    if now >= nonce.expires_at:
        raise ReceiptRejected(RejectReason.NONCE_STALE, "the nonce has expired; ask for another")
    if claims.issued_at < nonce.issued_at - CLOCK_SKEW:
        raise ReceiptRejected(
            RejectReason.NONCE_STALE, "the receipt was signed before its nonce was issued"
        )


def _check_documents(claims: ReceiptClaims, fetched: Mapping[uuid.UUID, Fetched]) -> None:
    for document in claims.documents:
        held = fetched.get(document.document_id)
        if held is None:
            raise ReceiptRejected(
                RejectReason.DOCUMENT_NOT_FETCHED,
                f"document {document.document_id} was never fetched under this consent",
            )
        if held.sha256 != document.sha256:
            raise ReceiptRejected(
                RejectReason.HASH_MISMATCH,
                f"document {document.document_id} was served with another hash",
            )
        if claims.deleted_at < held.last_fetched_at:
            raise ReceiptRejected(
                RejectReason.DELETED_BEFORE_FETCH,
                f"deleted_at is before the last fetch of document {document.document_id} "
                f"at {_rfc3339(held.last_fetched_at)}",
            )
    missing = sorted(str(d) for d in set(fetched) - {d.document_id for d in claims.documents})
    if missing:
        raise ReceiptRejected(
            RejectReason.DOCUMENTS_MISSING,
            f"the receipt omits {len(missing)} fetched document(s): {', '.join(missing[:5])}",
        )
