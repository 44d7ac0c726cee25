"""Standard Webhooks symmetric signatures: ``whsec_`` secrets and ``v1`` HMAC-SHA256."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 - a format prefix, not a secret
SIGNATURE_VERSION = "v1"
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64


class InvalidSecretError(ValueError):
    """A webhook secret is not ``whsec_`` + base64 of 24 to 64 random bytes."""


def decode_secret(secret: str) -> bytes:
    """Key bytes of a ``whsec_`` secret; the prefix is optional, as receivers often drop it."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidSecretError("webhook secret is not valid base64") from exc
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise InvalidSecretError(
            f"webhook secret must hold {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes"
        )
    return key


def generate_secret(size: int = 32) -> str:
    """A fresh random ``whsec_`` secret for a new endpoint or a rotation."""
    if not MIN_SECRET_BYTES <= size <= MAX_SECRET_BYTES:
        raise InvalidSecretError(f"secret size must be {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES}")
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(size)).decode("ascii")


def signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """Base64 HMAC-SHA256 over ``{msg_id}.{timestamp}.{body}``."""
    signed = msg_id.encode("utf-8") + b"." + str(timestamp).encode("ascii") + b"." + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def signature_header(secrets_: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one ``v1,<sig>`` per secret, space separated.

    Signing with the old and the new secret during a rotation lets the receiver switch
    its verification key without losing a message.
    """
    if not secrets_:
        raise InvalidSecretError("at least one webhook secret is required")
    if "." in msg_id:
        raise ValueError("a webhook id must not contain '.' (it delimits the signed content)")
    return " ".join(
        f"{SIGNATURE_VERSION},{signature(decode_secret(s), msg_id, timestamp, body)}"
        for s in secrets_
    )
