"""The audit trail as its parties see it: events that name the caller, newest first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from app.security.principal import Principal
from app.services.common.cursors import Position, decode_cursor, encode_cursor, page_size
from app.storage.models import Event


@dataclass(frozen=True)
class EventPage:
    """Events and the cursor to continue with (None on the last page)."""

    items: list[Event]
    next_cursor: str | None


def involves(session: Session, participant_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """`participant_ids` contains the caller: JSONB `@>` on PostgreSQL, json_each on SQLite."""
    value = str(participant_id)
    if session.get_bind().dialect.name == "postgresql":
        return sa.type_coerce(Event.participant_ids, JSONB).contains([value])
    members = sa.func.json_each(Event.participant_ids).table_valued("value")
    return sa.exists(sa.select(1).select_from(members).where(members.c.value == value))


def list_events(
    session: Session,
    principal: Principal,
    *,
    kind: str | None = None,
    subject: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> EventPage:
    """Events that involve the caller's participant (every event for an admin), newest first.

    Ordered by time, not by chain position, so an event shows at once, before the sequencer
    has linked it (its `seq` and hashes are empty until then).
    """
    size = page_size(limit)
    stmt = sa.select(Event)
    if not principal.is_admin:
        stmt = stmt.where(involves(session, principal.participant_id))
    if kind is not None:
        stmt = stmt.where(Event.kind == kind)
    if subject is not None:
        stmt = stmt.where(Event.subject == subject)
    if cursor is not None:
        after = decode_cursor(cursor)
        stmt = stmt.where(sa.tuple_(Event.time, Event.id) < (after.at, after.id))
    newest_first = stmt.order_by(Event.time.desc(), Event.id.desc()).limit(size + 1)
    rows = list(session.execute(newest_first).scalars())
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor(Position(rows[-1].time, rows[-1].id))
    return EventPage(rows, next_cursor)
