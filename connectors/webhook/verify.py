"""Receiver-side verification of Standard Webhooks signatures, for banks and other consumers."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from connectors.webhook.signing import SIGNATURE_VERSION, decode_secret, signature

DEFAULT_TOLERANCE = timedelta(minutes=5)


class WebhookVerificationError(Exception):
    """The request is not an authentic, fresh webhook; ``reason`` is a stable code."""

    reason = "invalid"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class MissingHeaderError(WebhookVerificationError):
    """A required ``webhook-*`` header is absent or empty."""

    reason = "missing-header"


class MalformedHeaderError(WebhookVerificationError):
    """A ``webhook-*`` header does not follow the specification's syntax."""

    reason = "malformed-header"


class StaleTimestampError(WebhookVerificationError):
    """The timestamp is outside the tolerance window: a replay or a badly skewed clock."""

    reason = "stale-timestamp"


class SignatureMismatchError(WebhookVerificationError):
    """No signature in the header matches any of the receiver's secrets."""

    reason = "signature-mismatch"


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            if not value.strip():
                break
            return value.strip()
    raise MissingHeaderError(f"missing {name} header")


def _candidate_signatures(header: str) -> list[bytes]:
    """Decoded ``v1`` signatures; other versions (e.g. ``v1a``) are skipped, not errors."""
    found: list[bytes] = []
    parsed_any = False
    for entry in header.split():
        version, sep, value = entry.partition(",")
        if not sep or not version or not value:
            continue
        parsed_any = True
        if version != SIGNATURE_VERSION:
            continue
        try:
            found.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            continue
    if not parsed_any:
        raise MalformedHeaderError("webhook-signature holds no 'version,signature' entry")
    return found


def verify(
    body: bytes,
    headers: Mapping[str, str],
    secrets: Sequence[str],
    *,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    now: datetime | None = None,
) -> str:
    """Check a received webhook and return its ``webhook-id`` (the idempotency key).

    ``body`` must be the raw bytes as received: re-serialised JSON no longer matches.
    Several ``secrets`` may be given while the sender rotates them. Raises a
    ``WebhookVerificationError`` subclass, never anything else, on bad input.
    """
    msg_id = _header(headers, "webhook-id")
    raw_timestamp = _header(headers, "webhook-timestamp")
    raw_signature = _header(headers, "webhook-signature")
    if not (raw_timestamp.isascii() and raw_timestamp.isdigit()) or len(raw_timestamp) > 12:
        raise MalformedHeaderError("webhook-timestamp must be integer seconds since the epoch")
    timestamp = int(raw_timestamp)
    current = (now or datetime.now(UTC)).timestamp()
    if abs(current - timestamp) > tolerance.total_seconds():
        raise StaleTimestampError("webhook-timestamp is outside the tolerance window")
    candidates = _candidate_signatures(raw_signature)
    keys = [decode_secret(s) for s in secrets]
    for key in keys:
        expected = base64.b64decode(signature(key, msg_id, timestamp, body))
        if any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            return msg_id
    raise SignatureMismatchError("no webhook-signature matches")
