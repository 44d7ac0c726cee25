"""Canonical forms and digests: RFC 8785 (JCS) for JSON, Exclusive XML C14N, SHA-256."""

from __future__ import annotations

import base64
import hashlib
import math
from typing import Any

import orjson
import rfc8785
from lxml import etree

from app.domain.hashing import sha256_hex

#: Integers JCS can represent exactly (IEEE 754 double precision, RFC 8785 section 3.2.2.3).
MAX_SAFE_INTEGER = 2**53 - 1

# Sorted keys, compact, raw UTF-8; integers beyond 2**53 raise instead of printing.
_PLAIN_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER


__all__ = [
    "MAX_SAFE_INTEGER",
    "CanonicalizationError",
    "canonical_json",
    "canonical_xml",
    "is_plain_float",
    "repr_digest",
    "sha256_hex",
]


class CanonicalizationError(ValueError):
    """The value has no canonical form (non-finite or out-of-range number, lone surrogate)."""


def is_plain_float(value: float) -> bool:
    """True when common float printers agree exactly with ECMAScript's ``Number::toString``.

    Python's ``repr``, ``orjson`` and ECMAScript all print the shortest round-tripping digits;
    they differ only in where they switch to exponent notation and in printing integral values
    with a trailing ``.0``. For non-integral magnitudes in [1e-4, 1e16) all of them use plain
    decimal notation, so their text is identical.
    """
    return math.isfinite(value) and not value.is_integer() and 1e-4 <= abs(value) < 1e16


def canonical_json(value: Any, *, plain: bool = False) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a parsed JSON value.

    ``plain=True`` is a promise by the caller that every float satisfies
    :func:`is_plain_float` and every object key lies in the Basic Multilingual Plane. For such
    values ``orjson`` with sorted keys writes JCS byte for byte: shortest round-tripping digits
    in plain notation, the same minimal string escapes, and UTF-8 key order, which equals
    UTF-16 order inside the BMP. It is two orders of magnitude faster than the general
    serializer, which handles the rest. Integers beyond +/- :data:`MAX_SAFE_INTEGER` and lone
    surrogates have no canonical form on either path.
    """
    try:
        if plain:
            return orjson.dumps(value, option=_PLAIN_OPTIONS)
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, orjson.JSONEncodeError, ValueError) as exc:
        raise CanonicalizationError(str(exc)) from exc


def canonical_xml(document: etree._Element | etree._ElementTree) -> bytes:
    """Return the Exclusive XML Canonicalization (xml-exc-c14n, without comments) of a tree."""
    tree = document.getroottree() if isinstance(document, etree._Element) else document
    return etree.tostring(tree, method="c14n", exclusive=True, with_comments=False)


def repr_digest(data: bytes) -> str:
    """RFC 9530 ``Repr-Digest`` field value for ``data`` (SHA-256, structured byte sequence)."""
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
    return f"sha-256=:{digest}:"
