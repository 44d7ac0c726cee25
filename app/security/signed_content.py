"""JWS checks for content signed by other parties: an algorithm allow-list and key matching."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey, import_key
from joserfc.util import urlsafe_b64decode

#: The only algorithms accepted from carriers and platforms, with the key type each needs.
ALLOWED_ALGORITHMS = {"RS256": "RSA", "PS256": "RSA", "ES256": "EC"}
#: RSA keys shorter than this are refused outright.
MIN_RSA_BITS = 2048

PublicKey = RSAKey | ECKey


class SignatureRefused(Exception):
    """The JWS is refused; ``reason`` is a stable code (``alg-not-allowed``, ``bad-signature``)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class KeyMaterialError(ValueError):
    """The key material is not a usable public signing key."""


@dataclass(frozen=True)
class ParsedKey:
    """A public key ready to store: its JWK, kid, and the validity a certificate gave it."""

    jwk: dict[str, Any]
    kid: str
    kty: str
    alg: str | None
    thumbprint: str
    not_before: Any = None
    not_after: Any = None


def protected_header(token: str) -> dict[str, Any]:
    """The protected header of a compact JWS, without verifying anything."""
    parts = token.split(".")
    if len(parts) != 3:
        raise SignatureRefused("malformed", "not a compact JWS")
    try:
        raw = urlsafe_b64decode(parts[0].encode())
    except ValueError as exc:
        raise SignatureRefused("malformed", "the JWS header is not base64url") from exc
    header = json_object(raw)
    if header is None:
        raise SignatureRefused("malformed", "the JWS header is not a JSON object")
    return header


def unverified_payload(token: str) -> bytes:
    """The payload of a compact JWS, read before its signer is known (verify it after)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise SignatureRefused("malformed", "not a compact JWS")
    try:
        return urlsafe_b64decode(parts[1].encode())
    except ValueError as exc:
        raise SignatureRefused("malformed", "the JWS payload is not base64url") from exc


def json_object(data: bytes) -> dict[str, Any] | None:
    """A signed payload parsed as a JSON object; ``None`` for anything else, however hostile."""
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def checked_algorithm(header: dict[str, Any]) -> str:
    """The header's ``alg`` when allowed; ``none``, ``HS*`` and anything else are refused."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
        raise SignatureRefused("alg-not-allowed", f"the algorithm {alg!r} is not accepted")
    if "crit" in header:
        raise SignatureRefused("malformed", "critical JWS header parameters are not supported")
    return str(alg)


def verify_compact(token: str, alg: str, key: PublicKey) -> bytes:
    """Verify ``token`` with exactly ``alg`` under ``key``; returns the signed payload."""
    needed = ALLOWED_ALGORITHMS[alg]
    if key.key_type != needed:
        raise SignatureRefused(
            "key-type-mismatch", f"{alg} needs an {needed} key, the key is {key.key_type}"
        )
    key_alg = key.get("alg")
    if key_alg and key_alg != alg:
        raise SignatureRefused("alg-mismatch", f"the key is for {key_alg}, the JWS says {alg}")
    try:
        return jws.deserialize_compact(token, key, algorithms=[alg]).payload
    except (JoseError, ValueError) as exc:
        raise SignatureRefused("bad-signature", "the signature does not verify") from exc


def public_key(jwk: dict[str, Any]) -> PublicKey:
    """The joserfc key of a stored public JWK."""
    key = import_key(jwk)
    if not isinstance(key, RSAKey | ECKey):
        raise KeyMaterialError("only RSA and EC keys sign for carriers and platforms")
    return key


def _check_strength(key: PublicKey) -> None:
    raw = key.public_key
    if isinstance(raw, rsa.RSAPublicKey) and raw.key_size < MIN_RSA_BITS:
        raise KeyMaterialError(f"RSA keys need at least {MIN_RSA_BITS} bits")
    if isinstance(raw, ec.EllipticCurvePublicKey) and raw.curve.name != "secp256r1":
        raise KeyMaterialError("EC keys must be on P-256 (ES256)")


def parse_jwk(data: dict[str, Any], *, kid: str | None = None) -> ParsedKey:
    """A public JWK (private members are dropped); kid is the JWK's, the given one, or RFC 7638."""
    if data.get("kty") not in ("RSA", "EC"):
        raise KeyMaterialError(f"key type {data.get('kty')!r} cannot sign with RS256/PS256/ES256")
    alg = data.get("alg")
    if alg is not None and alg not in ALLOWED_ALGORITHMS:
        raise KeyMaterialError(f"the key's algorithm {alg!r} is not accepted")
    try:
        key = public_key(data)
    except (JoseError, ValueError, TypeError) as exc:
        raise KeyMaterialError(f"not a valid JWK: {exc}") from exc
    if alg is not None and ALLOWED_ALGORITHMS[alg] != key.key_type:
        raise KeyMaterialError(f"a {key.key_type} key cannot be used for {alg}")
    _check_strength(key)
    thumbprint = key.thumbprint()
    public = key.as_dict(private=False)
    name = kid or data.get("kid") or thumbprint
    public["kid"] = name
    return ParsedKey(public, name, key.key_type, alg, thumbprint)


def parse_jwks(data: dict[str, Any]) -> list[ParsedKey]:
    """Every key of a JWKS; one unusable key refuses the whole set."""
    keys = data.get("keys")
    if not isinstance(keys, list) or not keys:
        raise KeyMaterialError("a JWKS needs a non-empty 'keys' array")
    parsed = [parse_jwk(k) for k in keys if isinstance(k, dict)]
    if len(parsed) != len(keys):
        raise KeyMaterialError("every JWKS entry must be an object")
    return parsed


def parse_pem(pem: bytes, *, kid: str | None = None, alg: str | None = None) -> ParsedKey:
    """An X.509 certificate (its validity becomes the key's) or a bare public key in PEM."""
    not_before = not_after = None
    try:
        if b"BEGIN CERTIFICATE" in pem:
            cert = x509.load_pem_x509_certificate(pem)
            raw: Any = cert.public_key()
            not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
        else:
            raw = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise KeyMaterialError(f"not a PEM certificate or public key: {exc}") from exc
    if isinstance(raw, rsa.RSAPublicKey):
        jwk = RSAKey.import_key(raw).as_dict()
    elif isinstance(raw, ec.EllipticCurvePublicKey):
        jwk = ECKey.import_key(raw).as_dict()
    else:
        raise KeyMaterialError("only RSA and EC keys sign for carriers and platforms")
    if alg is not None:
        jwk["alg"] = alg
    parsed = parse_jwk(jwk, kid=kid)
    return ParsedKey(
        parsed.jwk,
        parsed.kid,
        parsed.kty,
        parsed.alg,
        parsed.thumbprint,
        not_before,
        not_after,
    )


def sign_compact(payload: bytes, key: PublicKey, alg: str, kid: str | None = None) -> str:
    """A compact JWS over ``payload`` (the hub signs its own PINT responses with this)."""
    header: dict[str, Any] = {"alg": alg, "kid": kid or key.kid}
    return jws.serialize_compact(header, payload, key, algorithms=[alg])
