"""Hub-to-hub authentication: RFC 7523 JWT assertions, one per call, signed by the calling hub.

The calling hub signs a short-lived assertion with its ES256 key (published in its signed
metadata, so the callee knows it from the peering step) and sends it as the Bearer credential
of that one request. There is no token exchange: each call carries its own assertion, bound to
the callee (``aud``), to the method and path (``htm``, ``htu``, as in DPoP), and to a unique
``jti`` the callee refuses to see twice.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from app.security.tokens import CLOCK_SKEW_SECONDS, InvalidToken, compact_header, unverified_issuer

__all__ = ["unverified_issuer"]

PEER_ASSERTION_TYP = "tradegate-peer+jwt"
#: Seconds an assertion lives; the callee refuses one that claims to live longer.
PEER_ASSERTION_TTL = 60
MAX_PEER_ASSERTION_LIFETIME = 120


def peer_audience(issuer: str) -> str:
    """What a hub's peer assertions are addressed to: its hub-to-hub API, nothing else.

    Distinct from the token endpoint's audiences, so an assertion meant for a peer cannot be
    used as a client assertion at ``/oauth/token``.
    """
    return issuer.rstrip("/") + "/federation/v1"


def issue_peer_assertion(
    key: ECKey, *, issuer: str, subject: str, audience: str, method: str, path: str
) -> str:
    """A fresh assertion for one request by this hub (``issuer``, named ``subject``)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + PEER_ASSERTION_TTL,
        "jti": secrets.token_urlsafe(24),
        "htm": method.upper(),
        "htu": path,
    }
    header = {"alg": "ES256", "typ": PEER_ASSERTION_TYP, "kid": key.kid}
    return jwt.encode(header, claims, key)


@dataclass(frozen=True)
class PeerClaims:
    """What a verified assertion says: who sent it, its id and when it stops being valid."""

    issuer: str
    subject: str
    jti: str
    expires: int


def verify_peer_assertion(
    token: str,
    jwks: dict[str, Any],
    *,
    issuer: str,
    audience: str,
    method: str,
    path: str,
) -> PeerClaims:
    """RFC 7523 §3 checks against the peer's pinned JWKS, plus the request binding.

    The algorithm is fixed to ES256 before any key is chosen (no ``alg=none``, no HMAC with a
    public key); the key is the one the header's ``kid`` names in the pinned JWKS.
    """
    header = compact_header(token)
    if header.get("typ") != PEER_ASSERTION_TYP:
        raise InvalidToken("not a peer assertion")
    if header.get("alg") != "ES256":
        raise InvalidToken("peer assertions are ES256")
    kid = header.get("kid")
    jwk = next(
        (k for k in jwks.get("keys", []) if isinstance(k, dict) and k.get("kid") == kid), None
    )
    if not isinstance(kid, str) or jwk is None:
        raise InvalidToken("the assertion's key is not in the peer's pinned JWKS")
    try:
        key = ECKey.import_key(jwk)
        claims = dict(jwt.decode(token, key, algorithms=["ES256"]).claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise InvalidToken("bad assertion signature") from exc
    return _check(claims, issuer=issuer, audience=audience, method=method, path=path)


def _check(
    claims: dict[str, Any], *, issuer: str, audience: str, method: str, path: str
) -> PeerClaims:
    now = int(time.time())
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int) or isinstance(exp, bool) or not isinstance(iat, int):
        raise InvalidToken("assertion lacks exp or iat")
    if exp <= now - CLOCK_SKEW_SECONDS:
        raise InvalidToken("assertion expired")
    if iat > now + CLOCK_SKEW_SECONDS or exp - iat > MAX_PEER_ASSERTION_LIFETIME:
        raise InvalidToken("assertion is issued in the future or lives too long")
    if claims.get("iss") != issuer:
        raise InvalidToken("assertion issuer is not the peer's")
    aud = claims.get("aud")
    if aud != audience and not (isinstance(aud, list) and aud == [audience]):
        raise InvalidToken("assertion is addressed to another hub")
    if claims.get("htm") != method.upper() or claims.get("htu") != path:
        raise InvalidToken("assertion was made for another request")
    jti, sub = claims.get("jti"), claims.get("sub")
    if not isinstance(jti, str) or not 8 <= len(jti) <= 200:
        raise InvalidToken("assertion lacks a usable jti")
    if not isinstance(sub, str):
        raise InvalidToken("assertion lacks sub")
    return PeerClaims(issuer=issuer, subject=sub, jti=jti, expires=exp)
