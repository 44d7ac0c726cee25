"""Atomic fetch counters: one conditional upsert per slot, portable to SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.storage.models import ConsentAccessCounter

_KEY = ("consent_id", "document_key", "resource", "window_key")


def slot_claim(
    session: Session,
    *,
    consent_id: uuid.UUID,
    document_key: uuid.UUID,
    resource: str,
    window_key: str,
    window_end: datetime | None,
    limit: int,
) -> sa.Insert:
    """The statement that counts one fetch unless the counter already reached `limit`.

    It returns the new count, or no row when the limit was reached. `INSERT ... ON CONFLICT
    DO UPDATE ... WHERE count < limit RETURNING` is a single atomic statement: the
    conflicting row is locked while it is checked and bumped, so concurrent replicas can
    never both take the last slot.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(sa.Table, ConsentAccessCounter.__table__)
    values = insert(table).values(
        consent_id=consent_id,
        document_key=document_key,
        resource=resource,
        window_key=window_key,
        window_end=window_end,
        count=1,
    )
    return values.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={"count": table.c.count + 1},
        where=table.c.count < limit,
    ).returning(table.c.count)


def purge_elapsed(session: Session, now: datetime) -> int:
    """Delete counters of windows that have ended; ONETIME counters never end."""
    result = session.execute(
        sa.delete(ConsentAccessCounter).where(ConsentAccessCounter.window_end < now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
