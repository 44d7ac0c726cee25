"""Measure JSON nesting depth without parsing, so deep input never reaches a recursive parser."""

from __future__ import annotations

import re
from itertools import accumulate

# Escaped backslashes, then escaped quotes: what is left of a backslash escapes neither a quote
# nor a bracket, so after these two removals every '"' opens or closes a string.
_ESCAPED_BACKSLASH = b"\\\\"
_ESCAPED_QUOTE = b'\\"'
# The same in one pass: every escape, read left to right as a JSON parser does (a backslash and
# the byte after it) goes. Several times faster than the two replacements when escapes are few
# (``\u00e9`` in ASCII-only texts); each match costs more than a replaced byte, so texts dense
# in backslashes keep the replacements and stay linear at C speed.
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
#: At most one backslash in this many bytes takes the single regular-expression pass.
_SPARSE_ESCAPES = 64
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
# Arrays and objects nest alike: one pair of parentheses for both lets plain byte replacement
# (a C loop far faster than a regular expression) remove innermost pairs.
_AS_PARENS = bytes.maketrans(b"[{]}", b"(())")
_STRING = re.compile(rb'"[^"]*"')
_INNERMOST = b"()"
# An opening bracket as +1 and a closing one as -1, read as signed bytes.
_AS_STEPS = bytes.maketrans(b"()", b"\x01\xff")
#: Beyond this many brackets one linear pass beats peeling, whose passes could each be long.
_LINEAR_FROM = 64 * 1024


def _structure(body: bytes, backslashes: int | None = None) -> bytes:
    """The brackets (as ``(`` and ``)``) and quotes of a JSON text, in order (all in C).

    ``backslashes`` is how many the text holds, when the caller has counted them already.
    """
    if backslashes is None:
        # Most documents have no escapes: skip the passes that remove them.
        backslashes = body.count(b"\\") if b"\\" in body else 0
    if backslashes:
        if backslashes * _SPARSE_ESCAPES <= len(body):
            body = _ESCAPE.sub(b"", body)
        else:
            body = body.replace(_ESCAPED_BACKSLASH, b"").replace(_ESCAPED_QUOTE, b"")
    return body.translate(_AS_PARENS, _NOT_STRUCTURE)


def _nesting(structure: bytes) -> bytes:
    """The brackets outside strings, given the output of :func:`_structure`."""
    # Most strings hold no bracket and shrink to '""': drop those before the regex.
    structure = structure.replace(b'""', b"")
    return _STRING.sub(b"", structure) if b'"' in structure else structure


def _deepest(nesting: bytes) -> int:
    """Most brackets open at once: the running sum of +1/-1 steps, in one pass at C speed."""
    steps = memoryview(nesting.translate(_AS_STEPS)).cast("b")
    return max(accumulate(steps, initial=0))


def max_json_depth(body: bytes) -> int:
    """Deepest bracket nesting of a JSON text; brackets inside strings do not count."""
    return _deepest(_nesting(_structure(body)))


def exceeds_depth(body: bytes, limit: int) -> bool:
    """True when arrays/objects nest deeper than ``limit`` levels."""
    if body.count(b"[") + body.count(b"{") <= limit:  # counts brackets in strings too
        return False
    return nests_deeper(body, limit)


def nests_deeper(body: bytes, limit: int, *, backslashes: int | None = None) -> bool:
    """:func:`exceeds_depth` for a caller that already knows the text has more than ``limit``
    opening brackets (counted with those in strings), and perhaps how many backslashes: a
    parser that counts them for its own checks spares two passes over the text here."""
    nesting = _nesting(_structure(body, backslashes))
    if b"(" * (limit + 1) in nesting:  # the common hostile shape, found without counting
        return True
    if len(nesting) > _LINEAR_FROM:
        return _deepest(nesting) > limit
    # Short ones: each pass removes the innermost pairs, lowering every nesting by one level.
    peeled = nesting
    for _ in range(limit):
        if _INNERMOST not in peeled:
            break
        peeled = peeled.replace(_INNERMOST, b"")
    if _INNERMOST in peeled:
        return True
    # Left over: unbalanced brackets of malformed text, which only a running count measures.
    return bool(peeled) and _deepest(nesting) > limit
