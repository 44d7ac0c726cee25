"""Measure JSON nesting depth without parsing, so deep input never reaches a recursive parser."""

from __future__ import annotations

import re
from itertools import accumulate

_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_KEEP = b"[]{}"
_DROP = bytes(b for b in range(256) if b not in _KEEP)
_DELTA = [0] * 256
for _open in b"[{":
    _DELTA[_open] = 1
for _close in b"]}":
    _DELTA[_close] = -1


def max_json_depth(body: bytes) -> int:
    """Deepest bracket nesting of a JSON text; brackets inside strings do not count."""
    brackets = _STRING.sub(b"", body).translate(None, _DROP)
    if not brackets:
        return 0
    return max(0, max(accumulate(_DELTA[b] for b in brackets)))


def exceeds_depth(body: bytes, limit: int) -> bool:
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    return max_json_depth(body) > limit
