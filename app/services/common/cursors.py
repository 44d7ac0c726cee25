"""Opaque keyset cursors: stable pagination that never skips or repeats a row."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from app.errors import BadRequest

T = TypeVar("T")

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the cursor of the next page (None on the last one)."""

    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class Position:
    """Where a page ended: the ordering timestamp and the id that breaks ties."""

    at: datetime
    id: uuid.UUID


def encode_cursor(position: Position) -> str:
    """Base64url JSON; opaque to clients, which must pass it back unchanged."""
    raw = json.dumps({"at": position.at.isoformat(), "id": str(position.id)}).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> Position:
    """Parse a cursor from `encode_cursor`; anything else is the client's error (400)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        at = datetime.fromisoformat(data["at"])
        if at.tzinfo is None:
            raise ValueError("naive timestamp")
        return Position(at, uuid.UUID(data["id"]))
    except (ValueError, TypeError, KeyError) as exc:
        raise BadRequest("the cursor is malformed", slug="invalid-cursor") from exc


def page_size(limit: int) -> int:
    """Clamp a requested page size into 1..MAX_PAGE_SIZE."""
    return max(1, min(limit, MAX_PAGE_SIZE))
