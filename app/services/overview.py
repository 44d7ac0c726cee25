"""Figures for the dashboard overview, each limited to what the caller may see."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.security.principal import Principal
from app.storage.base import utcnow
from app.storage.models import Document, Participant
from app.storage.scoping import readable

DayCounts = dict[str, dict[date, int]]


def window_start(days: int, today: date | None = None) -> datetime:
    """UTC midnight `days - 1` days before today: the first instant a chart shows."""
    today = today or utcnow().date()
    return datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=utcnow().tzinfo)


def utc_day(session: Session, column: Any) -> sa.ColumnElement[Any]:
    """The UTC calendar day of a timestamp column, on SQLite and PostgreSQL alike."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.date(sa.func.timezone("UTC", column))
    return sa.func.date(column)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def documents_per_day(session: Session, principal: Principal, *, days: int = 14) -> DayCounts:
    """Documents received per UTC day, by document type."""
    day = utc_day(session, Document.received_at)
    stmt = (
        readable(Document, principal)
        .with_only_columns(Document.doc_type, day, sa.func.count())
        .where(Document.received_at >= window_start(days))
        .group_by(Document.doc_type, day)
    )
    counts: DayCounts = defaultdict(dict)
    for doc_type, when, n in session.execute(stmt):
        counts[doc_type][_as_date(when)] = n
    return dict(counts)


def totals(session: Session, principal: Principal) -> dict[str, int]:
    """Headline counts for the tiles at the top of the overview."""

    def count(model: Any) -> int:
        scoped = readable(model, principal).subquery()
        return int(session.execute(sa.select(sa.func.count()).select_from(scoped)).scalar_one())

    return {"participants": count(Participant), "documents": count(Document)}
