"""Notices fall due after their purpose's window; deletion falls due when the data life ends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain.consent import ConsentStatus
from app.domain.notices import (
    NoticeDeadline,
    access_ended_at,
    deletion_due_at,
    receipt_blocks_consents,
    requires_notice,
)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (ConsentStatus.REVOKED, True),
        (ConsentStatus.EXPIRED, True),
        (ConsentStatus.PAUSED, True),
        (ConsentStatus.ACTIVE, False),
        (ConsentStatus.REJECTED, False),
        (ConsentStatus.PENDING, False),
    ],
)
def test_only_changes_that_end_or_suspend_access_need_a_notice(status, expected):
    assert requires_notice(status) is expected


def test_a_notice_is_due_one_window_after_issue(now):
    deadline = NoticeDeadline.starting(now, timedelta(hours=24))
    assert deadline.due_at == now + timedelta(hours=24)
    assert not deadline.overdue(now + timedelta(hours=23, minutes=59), None)
    assert deadline.overdue(now + timedelta(hours=24), None)


def test_an_acknowledged_notice_is_never_overdue(now):
    deadline = NoticeDeadline.starting(now, timedelta(hours=1))
    assert not deadline.overdue(now + timedelta(days=30), acknowledged_at=now)


def test_a_window_must_be_positive(now):
    with pytest.raises(ValueError, match="positive"):
        NoticeDeadline.starting(now, timedelta(0))


def test_an_expiry_swept_late_counts_from_valid_until(now):
    valid_until = now - timedelta(hours=3)
    assert access_ended_at(ConsentStatus.EXPIRED, now, valid_until) == valid_until
    assert access_ended_at(ConsentStatus.REVOKED, now, now + timedelta(days=9)) == now


LATER = timedelta(days=60)


@pytest.mark.parametrize(
    ("status", "valid_until", "delete_on_revocation", "due_after_end"),
    [
        (ConsentStatus.REVOKED, LATER, False, timedelta(days=30)),
        (ConsentStatus.REVOKED, LATER, True, timedelta(0)),
        (ConsentStatus.EXPIRED, -timedelta(days=1), True, timedelta(days=30)),
    ],
    ids=["data-life-after-revocation", "at-revocation", "expiry-ignores-revocation-rule"],
)
def test_deletion_falls_due_when_the_data_life_after_the_end_of_access_runs_out(
    now, status, valid_until, delete_on_revocation, due_after_end
):
    due = deletion_due_at(
        status,
        now,
        valid_until=now + valid_until,
        data_life_days=30,
        delete_on_revocation=delete_on_revocation,
    )
    assert due == access_ended_at(status, now, now + valid_until) + due_after_end


def test_a_pause_owes_no_deletion(now):
    due = deletion_due_at(
        ConsentStatus.PAUSED,
        now,
        valid_until=now + LATER,
        data_life_days=0,
        delete_on_revocation=True,
    )
    assert due is None


def test_a_missing_receipt_blocks_new_consents_only_after_the_grace(now):
    grace = timedelta(days=3)
    assert not receipt_blocks_consents(now, grace, now + timedelta(days=2))
    assert receipt_blocks_consents(now, grace, now + timedelta(days=3))
