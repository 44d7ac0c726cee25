"""Consumers acknowledge notices; an overdue one closes their data access until they do."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.consent_artefact import rfc3339
from app.domain.notices import NoticeDeadline
from app.errors import NotFound
from app.security.principal import Principal
from app.services.common.cursors import Page, Position, decode_cursor, encode_cursor, page_size
from app.services.common.events import record_event
from app.storage.models import Notice
from app.storage.scoping import own, readable


class NoticeState(StrEnum):
    """Where a notice stands at a given moment."""

    OPEN = "open"
    OVERDUE = "overdue"
    ACKNOWLEDGED = "acknowledged"


def state_of(notice: Notice, now: datetime) -> NoticeState:
    """The notice's state at `now`."""
    if notice.acknowledged_at is not None:
        return NoticeState.ACKNOWLEDGED
    deadline = NoticeDeadline(notice.issued_at, notice.due_at)
    return NoticeState.OVERDUE if deadline.overdue(now, None) else NoticeState.OPEN


def count_overdue(session: Session, now: datetime) -> int:
    """How many notices, across every consumer, are past due without acknowledgement."""
    return int(
        session.execute(
            sa.select(sa.func.count()).select_from(Notice).where(*Notice.overdue_at(now))
        ).scalar_one()
    )


def _not_found(notice_id: uuid.UUID) -> NotFound:
    return NotFound(f"no notice {notice_id}", slug="notice-not-found")


def get_notice(session: Session, principal: Principal, notice_id: uuid.UUID) -> Notice:
    """A notice to the caller, about one of its consents, or any notice for an admin."""
    notice = session.execute(
        readable(Notice, principal).where(Notice.id == notice_id)
    ).scalar_one_or_none()
    if notice is None:
        raise _not_found(notice_id)
    return notice


def acknowledge_notice(
    session: Session, principal: Principal, notice_id: uuid.UUID, *, now: datetime
) -> Notice:
    """Record that the consumer has processed the notice; a repeat changes nothing.

    Only the consumer it is addressed to may acknowledge it: an admin or the owner doing so
    would defeat the point, so to them, as to everyone else, it does not exist.
    """
    notice = session.execute(
        own(Notice, principal, "consumer_id").where(Notice.id == notice_id).with_for_update()
    ).scalar_one_or_none()
    if notice is None:
        raise _not_found(notice_id)
    if notice.acknowledged_at is not None:
        return notice
    notice.acknowledged_at = now
    notice.acknowledged_by = principal.actor
    record_event(
        session,
        kind="notice.acknowledged",
        actor=principal.actor,
        subject=f"notice:{notice.id}",
        payload={
            "notice_id": str(notice.id),
            "consent_id": str(notice.consent_id),
            "acknowledged_at": rfc3339(now),
            "due_at": rfc3339(notice.due_at),
            "late": now > notice.due_at,
        },
        participant_ids=[notice.owner_id, notice.consumer_id],
    )
    return notice


def list_notices(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    state: NoticeState | None = None,
    consent_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Notice]:
    """The caller's notices (as consumer or owner; all for an admin), newest first."""
    size = page_size(limit)
    stmt = readable(Notice, principal)
    if state is NoticeState.ACKNOWLEDGED:
        stmt = stmt.where(Notice.acknowledged_at.is_not(None))
    elif state is NoticeState.OVERDUE:
        stmt = stmt.where(*Notice.overdue_at(now))
    elif state is NoticeState.OPEN:
        stmt = stmt.where(Notice.acknowledged_at.is_(None), Notice.due_at > now)
    if consent_id is not None:
        stmt = stmt.where(Notice.consent_id == consent_id)
    if cursor is not None:
        after = decode_cursor(cursor)
        stmt = stmt.where(sa.tuple_(Notice.issued_at, Notice.id) < (after.at, after.id))
    rows = list(
        session.execute(
            stmt.order_by(Notice.issued_at.desc(), Notice.id.desc()).limit(size + 1)
        ).scalars()
    )
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor(Position(rows[-1].issued_at, rows[-1].id))
    return Page(rows, next_cursor)
