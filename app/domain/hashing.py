"""SHA-256 over RFC 8785 canonical JSON: the hub's one way to hash structured data."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785


def jcs(value: Any) -> bytes:
    """RFC 8785 JSON Canonicalization Scheme bytes of a JSON-compatible value."""
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def json_sha256(value: Any) -> str:
    return sha256_hex(jcs(value))
