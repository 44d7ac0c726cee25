"""Figures for the dashboard overview, each limited to what the caller may see."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.consent import ConsentStatus
from app.security.principal import Principal
from app.services.access.pull import ACCESS_EVENT
from app.services.common.audit import involves
from app.services.participants.service import names_of
from app.storage.base import utcnow
from app.storage.models import Consent, Document, Event, Participant
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

    return {
        "participants": count(Participant),
        "documents": count(Document),
        "consents": count(Consent),
    }


def consents_by_status(session: Session, principal: Principal) -> dict[str, int]:
    """How many of the caller's consents are in each lifecycle status (all statuses listed)."""
    scoped = readable(Consent, principal).subquery()
    rows = session.execute(
        sa.select(scoped.c.status, sa.func.count()).group_by(scoped.c.status)
    ).all()
    found = {status: int(n) for status, n in rows}
    return {status.value: found.get(status.value, 0) for status in ConsentStatus}


def pulls_per_day(session: Session, principal: Principal, *, days: int = 14) -> DayCounts:
    """Audited document accesses per UTC day, by the consuming bank's name."""
    day = utc_day(session, Event.time)
    consumer = Event.payload["consumer_id"].as_string()
    stmt = (
        sa.select(consumer, day, sa.func.count())
        .where(Event.kind == ACCESS_EVENT, Event.time >= window_start(days))
        .group_by(consumer, day)
    )
    if not principal.is_admin:
        stmt = stmt.where(involves(session, principal.participant_id))
    rows = session.execute(stmt).all()
    names = names_of(session, {uuid.UUID(c) for c, _, _ in rows if c})
    counts: DayCounts = defaultdict(dict)
    for consumer_id, when, n in rows:
        label = names.get(uuid.UUID(consumer_id), consumer_id) if consumer_id else "unknown"
        bucket = counts[label]
        bucket[_as_date(when)] = bucket.get(_as_date(when), 0) + n
    return dict(counts)
