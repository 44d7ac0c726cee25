"""Retry schedule: backoff with full jitter, Retry-After as a floor, dead after the budget."""

from datetime import UTC, datetime, timedelta

import pytest

from connectors.retry import (
    DEFAULT_POLICY,
    RetryPolicy,
    backoff_ceiling,
    next_attempt,
    parse_retry_after,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_ceiling_doubles_then_stops_at_the_cap():
    policy = RetryPolicy(base_seconds=10, cap_seconds=100, max_attempts=10)
    assert [backoff_ceiling(n, policy) for n in range(1, 7)] == [10, 20, 40, 80, 100, 100]


def test_full_jitter_spans_zero_to_the_ceiling():
    policy = RetryPolicy(base_seconds=10, cap_seconds=1000, max_attempts=10)
    assert next_attempt(3, NOW, policy=policy, rng=lambda: 0.0) == NOW
    assert next_attempt(3, NOW, policy=policy, rng=lambda: 0.999) == NOW + timedelta(
        seconds=0.999 * 40
    )


def test_default_schedule_keeps_trying_for_hours():
    worst_case = sum(backoff_ceiling(n) for n in range(1, DEFAULT_POLICY.max_attempts))
    assert worst_case > 24 * 3600


def test_budget_spent_means_dead():
    policy = RetryPolicy(max_attempts=3)
    assert next_attempt(2, NOW, policy=policy) is not None
    assert next_attempt(3, NOW, policy=policy) is None
    assert next_attempt(99, NOW, policy=policy) is None


def test_retry_after_is_a_floor_not_a_ceiling():
    policy = RetryPolicy(base_seconds=10, cap_seconds=1000, max_attempts=10)
    assert next_attempt(1, NOW, 120, policy=policy, rng=lambda: 0.5) == NOW + timedelta(seconds=120)
    assert next_attempt(6, NOW, 1, policy=policy, rng=lambda: 0.5) == NOW + timedelta(seconds=160)


def test_a_huge_retry_after_is_capped():
    policy = RetryPolicy(max_retry_after_seconds=3600)
    assert next_attempt(1, NOW, 10**9, policy=policy, rng=lambda: 0.0) == NOW + timedelta(hours=1)


def test_attempt_numbers_start_at_one():
    with pytest.raises(ValueError):
        next_attempt(0, NOW)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Sat, 28 Nov 2026 12:01:30 GMT", 90.0),
        ("Saturday, 28-Nov-26 12:00:10 GMT", 10.0),
        ("Sat Nov 28 12:00:05 2026", 5.0),
        ("Fri, 27 Nov 2026 12:00:00 GMT", 0.0),
    ],
)
def test_retry_after_accepts_seconds_and_every_http_date_form(value, expected):
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5", "٣"])
def test_unusable_retry_after_falls_back_to_backoff(value):
    assert parse_retry_after(value, NOW) is None
