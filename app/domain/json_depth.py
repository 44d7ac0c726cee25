"""Measure JSON nesting depth without parsing, so deep input never reaches a recursive parser."""

from __future__ import annotations

import re

# Escaped backslashes, then escaped quotes: what is left of a backslash escapes neither a quote
# nor a bracket, so after these two removals every '"' opens or closes a string.
_ESCAPED_BACKSLASH = b"\\\\"
_ESCAPED_QUOTE = b'\\"'
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_STRING = re.compile(rb'"[^"]*"')
_INNERMOST = re.compile(rb"\[\]|\{\}")
_OPENERS = b"[{"


def _brackets(body: bytes) -> bytes:
    """The brackets of a JSON text, outside strings, in order (all in C: replace/translate)."""
    skeleton = body.replace(_ESCAPED_BACKSLASH, b"").replace(_ESCAPED_QUOTE, b"")
    # Most strings hold no bracket and shrink to '""': drop those before the regex.
    structure = skeleton.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    return _STRING.sub(b"", structure) if b'"' in structure else structure


def _exceeds(brackets: bytes, limit: int) -> bool:
    if re.search(rb"[\[{]{%d}" % (limit + 1), brackets):
        return True
    if len(brackets) > 64 * 1024:
        # Long bracket strings: one linear pass that stops at the first level too deep.
        depth = 0
        for byte in brackets:
            depth += 1 if byte in _OPENERS else -1
            if depth > limit:
                return True
        return False
    # Short ones: each pass deletes the innermost pairs, so the number of passes is the depth.
    for _ in range(limit):
        if not brackets:
            return False
        brackets = _INNERMOST.sub(b"", brackets)
    return bool(brackets)


def max_json_depth(body: bytes) -> int:
    """Deepest bracket nesting of a JSON text; brackets inside strings do not count."""
    brackets, depth = _brackets(body), 0
    while brackets:
        brackets, depth = _INNERMOST.sub(b"", brackets), depth + 1
    return depth


def exceeds_depth(body: bytes, limit: int) -> bool:
    """True when arrays/objects nest deeper than ``limit`` levels."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    return _exceeds(_brackets(body), limit)
