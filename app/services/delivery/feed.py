"""The events feed: a participant's notifications in order, for consumers without webhooks."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.errors import Unprocessable
from app.security.principal import Principal
from app.storage.models import FeedCursor, Notification


@dataclass(frozen=True)
class FeedPage:
    items: list[Notification]
    next_cursor: int
    acknowledged: int
    has_more: bool


def _cursor(session: Session, principal: Principal) -> FeedCursor | None:
    return session.get(FeedCursor, principal.participant_id)


def read_feed(session: Session, principal: Principal, *, after: int | None, limit: int) -> FeedPage:
    """Notifications with a sequence number above `after` (default: the acknowledged one).

    Always the caller's own participant, even for admins: a feed is a mailbox.
    """
    cursor = _cursor(session, principal)
    acknowledged = cursor.acked_seq if cursor is not None else 0
    start = acknowledged if after is None else after
    rows = list(
        session.execute(
            sa.select(Notification)
            .where(
                Notification.participant_id == principal.participant_id,
                Notification.seq > start,
            )
            .order_by(Notification.seq)
            .limit(limit + 1)
        ).scalars()
    )
    items = rows[:limit]
    return FeedPage(
        items=items,
        next_cursor=items[-1].seq if items else start,
        acknowledged=acknowledged,
        has_more=len(rows) > limit,
    )


def acknowledge(session: Session, principal: Principal, cursor: int) -> int:
    """Record that everything up to `cursor` was processed; never moves backwards."""
    row = _cursor(session, principal)
    head = row.head_seq if row is not None else 0
    if cursor < 0 or cursor > head:
        raise Unprocessable(
            f"cursor {cursor} is beyond the feed (last is {head})", slug="invalid-cursor"
        )
    if row is None:
        return 0
    row.acked_seq = max(row.acked_seq, cursor)
    return row.acked_seq
