"""Leaf data: the canonical (RFC 8785) encoding of one event as the log records it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring

SALT_BYTES = 32
LEAF_FIELDS = ("event_id", "kind", "payload_sha256", "salt", "subject", "time")
# The record is an object of six ASCII keys with string values, so its RFC 8785 form is that
# fixed key order (JCS sorts keys) with each value a JSON string escaped as JCS does: quote,
# backslash and control characters only, with lower-case hex. The C ``encode_basestring`` of
# the json module escapes exactly those, so filling the template is JCS byte for byte (the
# tests compare it with a general JCS implementation), without building and sorting a dict.
_TEMPLATE = '{"event_id":%s,"kind":%s,"payload_sha256":%s,"salt":%s,"subject":%s,"time":%s}'


def encode_leaf(
    event_id: str, kind: str, payload_sha256: str, salt: str, subject: str, time: str
) -> bytes:
    """Canonical (RFC 8785) JSON bytes of a leaf record given as its six strings."""
    return (
        _TEMPLATE
        % (
            encode_basestring(event_id),
            encode_basestring(kind),
            encode_basestring(payload_sha256),
            encode_basestring(salt),
            encode_basestring(subject),
            encode_basestring(time),
        )
    ).encode("utf-8")


def leaf_time(time: datetime) -> str:
    """The leaf's form of an event time: UTC, ISO 8601 with microseconds and ``+00:00``."""
    return time.astimezone(UTC).isoformat(timespec="microseconds")


class LeafDataError(ValueError):
    """Leaf data is not the canonical encoding of an event record."""


@dataclass(frozen=True)
class LeafRecord:
    """What a leaf says about an event; the salt hides low-entropy events from guessing."""

    event_id: str
    kind: str
    subject: str
    payload_sha256: str
    salt: str
    time: str

    @classmethod
    def of_event(
        cls,
        *,
        event_id: uuid.UUID,
        kind: str,
        subject: str,
        payload_sha256: str,
        salt: bytes,
        time: datetime,
    ) -> LeafRecord:
        """Build the record of a stored event."""
        return cls(
            event_id=str(event_id),
            kind=kind,
            subject=subject,
            payload_sha256=payload_sha256,
            salt=salt.hex(),
            time=leaf_time(time),
        )

    def encode(self) -> bytes:
        """Canonical (RFC 8785) JSON bytes: the leaf data hashed into the tree."""
        return encode_leaf(
            self.event_id, self.kind, self.payload_sha256, self.salt, self.subject, self.time
        )

    @classmethod
    def decode(cls, data: bytes) -> LeafRecord:
        """Parse leaf data and insist it is exactly the canonical encoding."""
        try:
            fields = json.loads(data)
        except (UnicodeDecodeError, ValueError) as exc:
            raise LeafDataError("leaf data is not JSON") from exc
        if not isinstance(fields, dict) or sorted(fields) != list(LEAF_FIELDS):
            raise LeafDataError(f"leaf data must hold exactly {', '.join(LEAF_FIELDS)}")
        if not all(isinstance(v, str) for v in fields.values()):
            raise LeafDataError("leaf data fields are strings")
        record = cls(**fields)
        if record.encode() != data:
            raise LeafDataError("leaf data is not in canonical form")
        return record
