"""Leaf data: the canonical (RFC 8785) encoding of one event as the log records it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

SALT_BYTES = 32
LEAF_FIELDS = ("event_id", "kind", "payload_sha256", "salt", "subject", "time")
# For an object of ASCII keys and string values, sorted keys, no whitespace and no ASCII
# escaping is exactly RFC 8785 (both escape only quote, backslash and control characters,
# with lower-case hex), and the C encoder is an order of magnitude faster than a general JCS.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


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
            time=time.astimezone(UTC).isoformat(timespec="microseconds"),
        )

    def encode(self) -> bytes:
        """Canonical (RFC 8785) JSON bytes: the leaf data hashed into the tree."""
        # The instance dict holds exactly LEAF_FIELDS; sort_keys puts them in JCS order.
        return _CANONICAL.encode(vars(self)).encode("utf-8")

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
