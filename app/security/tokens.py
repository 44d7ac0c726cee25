"""ES256 access tokens (RFC 9068 profile) and RFC 7523 client assertions."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey, RSAKey

from app.security.keys import KeyStore

ACCESS_TOKEN_TYP = "at+jwt"  # noqa: S105  (RFC 9068 media type, not a secret)
CLOCK_SKEW_SECONDS = 30
MAX_ASSERTION_LIFETIME = 3600
ASSERTION_ALGORITHMS = {
    "EC": ["ES256", "ES384", "ES512"],
    "RSA": ["RS256", "PS256", "RS384", "PS384", "RS512", "PS512"],
    "OKP": ["EdDSA"],
}


class InvalidToken(Exception):
    """The token or assertion is malformed, unsigned, mis-signed, expired or misdirected."""


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int
    scope: str


def issue_access_token(
    keys: KeyStore,
    *,
    issuer: str,
    audience: str,
    ttl: int,
    client_id: str,
    participant_id: str,
    scopes: list[str],
    roles: list[str],
) -> IssuedToken:
    key = keys.current_signing_key()
    now = int(time.time())
    scope = " ".join(sorted(scopes))
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": client_id,
        "client_id": client_id,
        "participant_id": participant_id,
        "scope": scope,
        "roles": sorted(roles),
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": secrets.token_urlsafe(16),
    }
    header = {"alg": "ES256", "typ": ACCESS_TOKEN_TYP, "kid": key.kid}
    return IssuedToken(jwt.encode(header, claims, key), ttl, scope)


def compact_header(token: str) -> dict[str, Any]:
    """The protected header of a compact JWS, read before anything is verified."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise InvalidToken("token is not a compact JWS")
    try:
        padded = parts[0] + "=" * (-len(parts[0]) % 4)
        header = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError) as exc:
        raise InvalidToken("token header is not base64url JSON") from exc
    if not isinstance(header, dict):
        raise InvalidToken("token header is not a JSON object")
    return header


def require_canonical_segments(token: str) -> None:
    """Refuse a compact JWS whose segments are not canonical base64url.

    Otherwise a changed trailing character that only touches padding bits would still
    decode to the signed bytes, and "any changed byte is detected" would not hold for the
    token as text (whose SHA-256 the hub records).
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("is not a compact JWS")
    for part in parts:
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except (binascii.Error, ValueError) as exc:
            raise InvalidToken("is not base64url") from exc
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != part:
            raise InvalidToken("is not canonical base64url")


def _check_times(claims: dict[str, Any], now: int) -> None:
    exp = claims.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise InvalidToken("exp claim missing")
    if exp <= now - CLOCK_SKEW_SECONDS:
        raise InvalidToken("token expired")
    for name in ("nbf", "iat"):
        value = claims.get(name)
        if value is not None and (not isinstance(value, int) or value > now + CLOCK_SKEW_SECONDS):
            raise InvalidToken(f"{name} claim is in the future")


def _audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list) and all(isinstance(a, str) for a in aud):
        return aud
    return []


def verify_access_token(
    keys: KeyStore, token: str, *, issuer: str, audience: str
) -> dict[str, Any]:
    """Return the claims of a valid hub token; anything else raises InvalidToken.

    The algorithm is fixed to ES256 *before* any key is chosen, which is what defeats
    `alg=none` and the HS256-signed-with-the-public-key confusion attack.
    """
    header = compact_header(token)
    if header.get("alg") != "ES256":
        raise InvalidToken("unsupported token algorithm")
    if header.get("typ") != ACCESS_TOKEN_TYP:
        raise InvalidToken("not an access token")
    kid = header.get("kid")
    key = keys.verification_key(kid) if isinstance(kid, str) else None
    if key is None:
        raise InvalidToken("unknown signing key")
    try:
        claims = dict(jwt.decode(token, key, algorithms=["ES256"]).claims)
    except (JoseError, ValueError) as exc:
        raise InvalidToken("bad token signature") from exc
    _check_times(claims, int(time.time()))
    if claims.get("iss") != issuer:
        raise InvalidToken("wrong issuer")
    if audience not in _audiences(claims):
        raise InvalidToken("wrong audience")
    for name in ("sub", "participant_id", "jti"):
        if not isinstance(claims.get(name), str):
            raise InvalidToken(f"{name} claim missing")
    if not isinstance(claims.get("scope", ""), str):
        raise InvalidToken("scope claim malformed")
    return claims


class VerifiedTokens:
    """Claims of access tokens this process verified lately, keyed by the token's text.

    A client sends the same token with every request until it expires; checking its ES256
    signature each time cost more than a push's own database work. A hit is only the same
    bytes as a token that passed :func:`verify_access_token` under the same issuer and
    audience; its expiry is checked again and its signing key must still be trusted, so a
    retired key or an expired token is refused exactly as without the cache. Bounded, oldest
    out first; used from the event loop's thread only.
    """

    def __init__(self, keys: KeyStore, *, size: int = 4096) -> None:
        self._keys = keys
        self._size = size
        self._claims: dict[str, tuple[str, str, str, dict[str, Any]]] = {}

    def verify(self, token: str, *, issuer: str, audience: str) -> dict[str, Any]:
        """The claims of a valid hub token; anything else raises InvalidToken."""
        claims = self._hit(token, issuer, audience)
        if claims is not None:
            _check_times(claims, int(time.time()))
            return claims
        claims = verify_access_token(self._keys, token, issuer=issuer, audience=audience)
        if len(self._claims) >= self._size:
            del self._claims[next(iter(self._claims))]
        self._claims[token] = (compact_header(token)["kid"], issuer, audience, claims)
        return claims

    def remembered(self, token: str, *, issuer: str, audience: str) -> dict[str, Any] | None:
        """The claims of a token this process verified and that is still valid, else None.

        Never verifies a signature: for checks that must stay cheap whatever a caller sends.
        """
        claims = self._hit(token, issuer, audience)
        if claims is None:
            return None
        try:
            _check_times(claims, int(time.time()))
        except InvalidToken:
            return None
        return claims

    def _hit(self, token: str, issuer: str, audience: str) -> dict[str, Any] | None:
        """The claims remembered for `token` if it was verified for this issuer and audience
        and its signing key is still trusted; its times are the caller's to check."""
        hit = self._claims.get(token)
        if hit is None:
            return None
        kid, for_issuer, for_audience, claims = hit
        if (
            for_issuer == issuer
            and for_audience == audience
            and self._keys.verification_key(kid) is not None
        ):
            return claims
        del self._claims[token]
        return None


def import_client_jwk(jwk: dict[str, Any]) -> ECKey | RSAKey | OKPKey:
    """Import a client's registered public key; private material is refused."""
    kty = jwk.get("kty")
    if any(k in jwk for k in ("d", "p", "q", "dp", "dq", "qi")):
        raise ValueError("a private key was given where a public key is expected")
    try:
        if kty == "EC":
            return ECKey.import_key(jwk)
        if kty == "RSA":
            return RSAKey.import_key(jwk)
        if kty == "OKP":
            return OKPKey.import_key(jwk)
    except (JoseError, ValueError, TypeError) as exc:
        raise ValueError(f"invalid JWK: {exc}") from exc
    raise ValueError("unsupported key type; use EC, RSA or OKP")


def unverified_issuer(assertion: str) -> str:
    """The client id an assertion claims to come from, read before its key is known."""
    compact_header(assertion)
    try:
        payload = assertion.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, IndexError) as exc:
        raise InvalidToken("assertion payload is not base64url JSON") from exc
    if not isinstance(claims, dict) or not isinstance(claims.get("iss"), str):
        raise InvalidToken("assertion has no iss")
    return str(claims["iss"])


def verify_client_assertion(
    assertion: str, jwk: dict[str, Any], *, client_id: str, audiences: list[str]
) -> dict[str, Any]:
    """RFC 7523 §3 checks for a `private_key_jwt` client assertion."""
    header = compact_header(assertion)
    key = import_client_jwk(jwk)
    allowed = ASSERTION_ALGORITHMS.get(str(jwk.get("kty")), [])
    if header.get("alg") not in allowed:
        raise InvalidToken("assertion algorithm does not match the registered key")
    try:
        claims = dict(jwt.decode(assertion, key, algorithms=allowed).claims)
    except (JoseError, ValueError) as exc:
        raise InvalidToken("bad assertion signature") from exc
    now = int(time.time())
    _check_times(claims, now)
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise InvalidToken("assertion iss and sub must be the client id")
    if not set(_audiences(claims)) & set(audiences):
        raise InvalidToken("assertion audience is not this token endpoint")
    if claims["exp"] > now + MAX_ASSERTION_LIFETIME:
        raise InvalidToken("assertion lives too long")
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        raise InvalidToken("assertion has no jti")
    return claims
