"""Consent notices and data-life deadlines: what a consumer owes after access ends, and by when."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.consent import ConsentStatus

#: Statuses that end or suspend access: entering one obliges the consumer to acknowledge it.
NOTICE_STATUSES = frozenset({ConsentStatus.REVOKED, ConsentStatus.EXPIRED, ConsentStatus.PAUSED})
#: Statuses after which the consumer must delete what it fetched and file a receipt.
ENDED_STATUSES = frozenset({ConsentStatus.REVOKED, ConsentStatus.EXPIRED})


def requires_notice(target: ConsentStatus) -> bool:
    """True when a consent entering `target` must be acknowledged by its consumer."""
    return target in NOTICE_STATUSES


@dataclass(frozen=True)
class NoticeDeadline:
    """When a notice was issued and the moment its acknowledgement falls due."""

    issued_at: datetime
    due_at: datetime

    @classmethod
    def starting(cls, issued_at: datetime, window: timedelta) -> NoticeDeadline:
        """The deadline `window` after issue; a non-positive window is a configuration bug."""
        if window <= timedelta(0):
            raise ValueError("an acknowledgement window must be positive")
        return cls(issued_at, issued_at + window)

    def overdue(self, now: datetime, acknowledged_at: datetime | None) -> bool:
        """Past due and still unacknowledged: from this moment the consumer is fail-closed."""
        return acknowledged_at is None and now >= self.due_at


@dataclass(frozen=True)
class OverdueNotice:
    """The oldest notice a consumer left unacknowledged past its deadline."""

    notice_id: uuid.UUID
    due_at: datetime


def access_ended_at(target: ConsentStatus, at: datetime, valid_until: datetime) -> datetime:
    """When the consumer last could fetch: an expiry counts from valid-until, not the sweep."""
    if target is ConsentStatus.EXPIRED:
        return min(at, valid_until)
    return at


def deletion_due_at(
    target: ConsentStatus,
    at: datetime,
    *,
    valid_until: datetime,
    data_life_days: int,
    delete_on_revocation: bool,
) -> datetime | None:
    """When the consumer must have deleted what it fetched, or None if the consent lives on.

    The data life runs from the moment access ended; a purpose that says deletion is due at
    revocation makes it due at once when the consent is revoked.
    """
    if target not in ENDED_STATUSES:
        return None
    ended = access_ended_at(target, at, valid_until)
    if target is ConsentStatus.REVOKED and delete_on_revocation:
        return ended
    return ended + timedelta(days=data_life_days)


def receipt_blocks_consents(due_at: datetime, grace: timedelta, now: datetime) -> bool:
    """A receipt missing beyond its grace stops the consumer from obtaining new consents."""
    return now >= due_at + grace
