"""Hardened JSON parsing: strict UTF-8, no duplicate keys, no NaN/Infinity, bounded depth."""

from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import dataclass
from typing import Any

import msgspec

from app.domain.canonical import (
    MAX_SAFE_INTEGER,
    CanonicalizationError,
    canonical_json,
    is_plain_float,
)
from app.domain.json_depth import nests_deeper
from app.validation.errors import UnparsableDocument

_UTF8_BOM = "\ufeff"
# Astral characters need the general RFC 8785 serializer: their UTF-16 key order differs
# from code-point order.
_BELOW_F0 = bytes(range(0xF0))  # UTF-8 lead bytes of astral characters are F0-F4
# Two rare escapes send a text down the general paths: escaped surrogates may pair into
# astral characters, and an escaped colon is the one way a parsed string holds a colon that
# the received text does not show (see _may_have_merged_members).
_RARE_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|003[aA])")
# The bytes the checks below look at: one pass keeps only them, then counts are cheap and a
# backslash (the only way to an escape, rare or not) is found in a short string.
_NOT_COUNTED = bytes(b for b in range(256) if b not in b"[{:\\")


@dataclass(frozen=True, slots=True)
class ParsedJson:
    """A received I-JSON text (RFC 7493): its value, its text and its RFC 8785 canonical form.

    ``plain`` says the fast RFC 8785 encoder applies to ``value`` and to any part of it.
    """

    value: Any
    text: str
    canonical: bytes
    plain: bool


class _Rejected(ValueError):
    """Raised inside parser hooks; carries the stable reason for the 400 problem."""

    def __init__(self, detail: str, reason: str) -> None:
        super().__init__(detail)
        self.reason = reason


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Rejected(f"duplicate object key {key!r}", "duplicate-key")
            seen.add(key)
    return result


def _constant(name: str) -> Any:
    raise _Rejected(f"{name} is not a JSON number", "non-finite-number")


def parse_json(raw: bytes, *, max_depth: int) -> ParsedJson:
    """Parse ``raw`` as an I-JSON text (RFC 7493) or raise :class:`UnparsableDocument`."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnparsableDocument(
            f"not valid UTF-8 at byte {exc.start}", reason="invalid-utf8"
        ) from exc
    if text.startswith(_UTF8_BOM):
        text = text[1:]
    counted = raw.translate(None, _NOT_COUNTED)
    backslashes = counted.count(b"\\")
    # Nesting past the limit needs more opening brackets than the limit: only then measure it.
    if counted.count(b"[") + counted.count(b"{") > max_depth and nests_deeper(
        raw, max_depth, backslashes=backslashes
    ):
        raise UnparsableDocument(
            f"arrays and objects nest deeper than {max_depth} levels", reason="too-deep"
        )
    rare_escape = backslashes > 0 and _RARE_ESCAPE.search(text) is not None
    value, plain = _decode(text, fast=not rare_escape)
    if rare_escape or (not text.isascii() and raw.translate(None, _BELOW_F0)):
        plain = False
    try:
        canonical = canonical_json(value, plain=plain)
    except CanonicalizationError as exc:
        _reject_duplicate_keys(text)
        raise UnparsableDocument(
            f"the document is not I-JSON (RFC 7493): {exc}", reason="not-i-json"
        ) from exc
    if rare_escape or _may_have_merged_members(counted.count(b":"), canonical):
        _reject_duplicate_keys(text)
    return ParsedJson(value=value, text=text, canonical=canonical, plain=plain)


def _number(literal: str) -> float | int:
    """A JSON number with a fraction or an exponent (integers never come here)."""
    value = float(literal)
    if not math.isfinite(value):
        raise _Rejected(f"number {literal[:40]} is out of range", "non-finite-number")
    if value.is_integer() and abs(value) <= MAX_SAFE_INTEGER:
        # Same JSON number, and RFC 8785 prints integral values without a fraction.
        return int(value)
    if not is_plain_float(value):
        _numbers.plain = False
    return value


def _fast_number(literal: str) -> float | int:
    """:func:`_number` for msgspec; an integer literal, should one come, goes to the reference."""
    if not any(c in literal for c in ".eE"):
        raise _Rejected(literal, "integer")
    return _number(literal)


#: Whether the floats of the text being decoded on this thread all print alike everywhere.
_numbers = threading.local()
#: msgspec's decoder is several times faster than the standard library's on the texts the
#: hub receives; whatever it refuses is parsed again by ``json.loads``, whose answer (and
#: error message) is the reference: the fast path only ever decides what both accept.
_FAST = msgspec.json.Decoder(float_hook=_fast_number)


def _decode(text: str, *, fast: bool) -> tuple[Any, bool]:
    """The value of ``text`` and whether the fast RFC 8785 encoder applies to its floats.

    Objects and integers are built by the C scanners themselves: duplicate keys are caught
    from the canonical form (see _may_have_merged_members) and integers beyond 2**53 have
    none. Texts with rare escapes (see _RARE_ESCAPE) always take the standard library.
    """
    _numbers.plain = True
    if fast:
        try:
            return _FAST.decode(text), _numbers.plain
        except (msgspec.DecodeError, _Rejected, RecursionError):
            _numbers.plain = True
    value = _loads(text, parse_constant=_constant, parse_float=_number)
    return value, _numbers.plain


def _loads(text: str, **hooks: Any) -> Any:
    """``json.loads`` with its failures turned into :class:`UnparsableDocument`."""
    try:
        return json.loads(text, **hooks)
    except _Rejected as exc:
        raise UnparsableDocument(str(exc), reason=exc.reason) from exc
    except json.JSONDecodeError as exc:
        raise UnparsableDocument(
            f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            reason="syntax",
            line=exc.lineno,
        ) from exc
    except RecursionError as exc:
        raise UnparsableDocument("nesting too deep", reason="too-deep") from exc
    except ValueError as exc:  # e.g. integers beyond the interpreter's digit limit
        raise UnparsableDocument(f"not JSON: {exc}", reason="syntax") from exc


def _may_have_merged_members(received_colons: int, canonical: bytes) -> bool:
    """Whether ``json.loads`` merged members with the same key (it silently keeps the last).

    Each object member is written with exactly one colon outside strings, and every string
    of the parsed value holds the same colons in the received and in the canonical text. The
    canonical text, written from the parsed objects, therefore has fewer colons than the
    received one exactly when members were merged. Only a ``\\u003a`` escape puts a colon in
    a parsed string that the received text spells otherwise: the caller checks such texts
    key by key whatever the counts say.
    """
    return canonical.count(b":") != received_colons


def _reject_duplicate_keys(text: str) -> None:
    """Parse ``text`` again object by object and reject the first key that repeats."""
    _loads(text, object_pairs_hook=_object, parse_constant=_constant)
