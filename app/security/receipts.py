"""Check a deletion receipt's JWS signature against the consumer's registered public keys."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey, RSAKey

from app.domain.deletion_receipt import (
    RECEIPT_TYP,
    SIGNING_ALGORITHMS,
    ReceiptClaims,
    ReceiptRejected,
    RejectReason,
)
from app.security.tokens import (
    InvalidToken,
    compact_header,
    import_client_jwk,
    require_canonical_segments,
)

MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class SignedReceipt:
    """A receipt whose signature verified: its claims and the key that signed it."""

    claims: ReceiptClaims
    algorithm: str
    key_thumbprint: str
    public_jwk: dict[str, Any]


def _fits(key: ECKey | RSAKey | OKPKey, algorithm: str) -> bool:
    """ES256 needs a P-256 key; RS256 and PS256 an RSA key of at least 2048 bits."""
    if algorithm == "ES256":
        return isinstance(key, ECKey) and key.as_dict()["crv"] == "P-256"
    return isinstance(key, RSAKey) and key.public_key.key_size >= MIN_RSA_BITS


def _candidates(
    jwks: Iterable[Mapping[str, Any]], algorithm: str, kid: str | None
) -> list[tuple[dict[str, Any], ECKey | RSAKey | OKPKey]]:
    """Registered keys that may have made this signature: matching kid, type and `alg`."""
    found = []
    for jwk in jwks:
        try:
            key = import_client_jwk(dict(jwk))
        except ValueError:
            continue
        if jwk.get("alg") not in (None, algorithm) or not _fits(key, algorithm):
            continue
        if kid is not None and kid not in (jwk.get("kid"), key.thumbprint()):
            continue
        found.append((dict(jwk), key))
    return found


def verify_receipt_signature(token: str, jwks: Iterable[Mapping[str, Any]]) -> SignedReceipt:
    """The receipt's parsed claims if one of `jwks` signed it; otherwise ReceiptRejected.

    The algorithm is checked against the allow-list before any key is considered, and a key
    is only tried with the algorithm its type fits, so `none`, HMAC and key-confusion tricks
    fail early. The claims are parsed but not judged: that needs the hub's records.
    """
    try:
        require_canonical_segments(token)
        header = compact_header(token)
    except InvalidToken as exc:
        raise ReceiptRejected(RejectReason.MALFORMED, f"the receipt {exc}") from exc
    algorithm = header.get("alg")
    if algorithm not in SIGNING_ALGORITHMS:
        raise ReceiptRejected(
            RejectReason.ALGORITHM_NOT_ALLOWED,
            f"alg must be one of {', '.join(SIGNING_ALGORITHMS)}",
        )
    if header.get("typ") != RECEIPT_TYP:
        raise ReceiptRejected(RejectReason.MALFORMED, f"typ must be {RECEIPT_TYP}")
    kid = header.get("kid")
    keys = _candidates(jwks, algorithm, kid if isinstance(kid, str) else None)
    if not keys:
        raise ReceiptRejected(
            RejectReason.UNKNOWN_KEY, f"no registered {algorithm} key of the consumer matches"
        )
    for jwk, key in keys:
        try:
            payload = jws.deserialize_compact(token, key, algorithms=[algorithm]).payload
        except (JoseError, ValueError):
            continue
        try:
            claims = json.loads(payload)
        except ValueError:
            raise ReceiptRejected(RejectReason.MALFORMED, "the payload is not JSON") from None
        if not isinstance(claims, dict):
            raise ReceiptRejected(RejectReason.MALFORMED, "the payload is not a JSON object")
        return SignedReceipt(ReceiptClaims.parse(claims), algorithm, key.thumbprint(), jwk)
    raise ReceiptRejected(
        RejectReason.BAD_SIGNATURE, "the signature does not verify with the consumer's keys"
    )


def verify_receipt_offline(
    token: str, jwks: Iterable[Mapping[str, Any]], now: datetime
) -> SignedReceipt:
    """What anyone holding the consumer's public keys can check without the hub's records:
    the signature, the shape of every claim, and that its times are possible."""
    signed = verify_receipt_signature(token, jwks)
    signed.claims.check_times(now)
    return signed
