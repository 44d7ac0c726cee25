"""Locations inside a received document: JSON Pointers (RFC 6901) and their line numbers."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from json import loads
from typing import Any

_STRUCTURAL = ",:"
_CLOSERS = "}]"
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\],:]|[^\s{}\[\],:"]+')


def escape_token(token: str | int) -> str:
    """Escape one reference token of a JSON Pointer."""
    text = str(token)
    return text.replace("~", "~0").replace("/", "~1") if "~" in text or "/" in text else text


def pointer(base: str, path: Iterable[str | int]) -> str:
    """Join ``path`` onto the JSON Pointer ``base``."""
    return base + "".join("/" + escape_token(token) for token in path)


@functools.lru_cache(maxsize=4096)
def located(base: str, path: tuple[str | int, ...]) -> str:
    """:func:`pointer` for the paths rules report, which recur from document to document."""
    return pointer(base, path)


@functools.lru_cache(maxsize=1024)
def _tokens(ptr: str) -> tuple[str, ...]:
    """The unescaped reference tokens of a JSON Pointer, parsed once per distinct pointer."""
    return tuple(raw.replace("~1", "/").replace("~0", "~") for raw in ptr[1:].split("/"))


def resolve(document: object, ptr: str) -> tuple[bool, object]:
    """Follow ``ptr`` into ``document``; returns ``(found, value)`` without raising.

    Used with the registry's few pointers (shapes of each type) on every document.
    """
    if not ptr:
        return True, document
    current = document
    for token in _tokens(ptr):
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        else:
            return False, None
    return True, current


class JsonLineIndex:
    """Maps the JSON Pointer of a value in a (valid) JSON text to its 1-based line.

    Used only when there is something to report. The text is tokenized lazily, once, and only
    as far as the pointers asked for: no recursion, no second pass.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._offsets: dict[str, int] = {}
        self._scan = self._values()

    def _values(self) -> Iterator[None]:
        # Each frame: [pointer of the container, is_object, current key or index, awaiting key]
        stack: list[list[Any]] = []
        for match in _TOKEN.finditer(self._text):
            token = match.group()
            frame = stack[-1] if stack else None
            if token in _STRUCTURAL:
                if token[0] == "," and frame is not None:
                    if frame[1]:
                        frame[3] = True
                    else:
                        frame[2] += 1
                continue
            if token in _CLOSERS:
                stack.pop()
                continue
            if frame is not None and frame[1] and frame[3]:
                frame[2] = loads(token) if "\\" in token else token[1:-1]
                frame[3] = False
                continue
            here = "" if frame is None else frame[0] + "/" + escape_token(frame[2])
            self._offsets.setdefault(here, match.start())
            if token[0] == "{":
                stack.append([here, True, None, True])
            elif token[0] == "[":
                stack.append([here, False, 0, False])
            yield

    def _offset(self, ptr: str) -> int | None:
        while ptr not in self._offsets:
            if next(self._scan, StopIteration) is StopIteration:
                return None
        return self._offsets[ptr]

    def line(self, ptr: str) -> int | None:
        """Line of the value at ``ptr``, or of its nearest existing ancestor."""
        while True:
            offset = self._offset(ptr)
            if offset is not None:
                return self._text.count("\n", 0, offset) + 1
            if not ptr:
                return None
            ptr = ptr.rsplit("/", 1)[0]
