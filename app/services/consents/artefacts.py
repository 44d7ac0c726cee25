"""Sign consent artefacts as compact JWS (ES256, hub key) and verify them against a JWKS."""

from __future__ import annotations

import json
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.domain.consent_artefact import ARTEFACT_TYPE
from app.domain.hashing import jcs, sha256_hex
from app.security.keys import KeyStore
from app.security.tokens import InvalidToken, require_canonical_segments


class InvalidArtefact(Exception):
    """The artefact is malformed, signed by an unknown key, or altered since signing."""


def sign_artefact(keys: KeyStore, payload: dict[str, Any]) -> str:
    """Compact JWS over the RFC 8785 form of `payload`, so its bytes are reproducible."""
    key = keys.current_signing_key()
    header = {"alg": "ES256", "typ": ARTEFACT_TYPE, "kid": key.kid}
    return jws.serialize_compact(header, jcs(payload), key, algorithms=["ES256"])


def artefact_sha256(token: str) -> str:
    """The digest recorded in the event log: SHA-256 of the compact serialisation."""
    return sha256_hex(token.encode("ascii"))


def verify_artefact(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """Return the payload of a valid artefact; refuse anything but ES256 by a JWKS key.

    Each segment must be canonical base64url: otherwise a changed trailing character that
    only touches padding bits would still decode to the signed bytes, and "any changed
    byte is detected" would not hold for the token as text.
    """
    try:
        require_canonical_segments(token)
    except InvalidToken as exc:
        raise InvalidArtefact(f"the artefact {exc}") from exc
    try:
        key_set = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        obj = jws.deserialize_compact(token, key_set, algorithms=["ES256"])
    except (JoseError, ValueError, TypeError) as exc:
        raise InvalidArtefact(f"the artefact does not verify: {exc}") from exc
    if obj.protected.get("typ") != ARTEFACT_TYPE:
        raise InvalidArtefact("the JWS is not a consent artefact")
    try:
        payload = json.loads(obj.payload)
    except ValueError as exc:
        raise InvalidArtefact("the artefact payload is not JSON") from exc
    if not isinstance(payload, dict):
        raise InvalidArtefact("the artefact payload is not a JSON object")
    return payload
