"""Retry scheduling: exponential backoff with full jitter, Retry-After, and a retry budget."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying.

    With the defaults the ceiling grows 30 s, 1 min, 2 min ... up to 6 h, and the 16th
    failed attempt is the last: retries span roughly a day before a delivery goes dead.
    """

    base_seconds: float = 30.0
    cap_seconds: float = 6 * 3600.0
    max_attempts: int = 16
    max_retry_after_seconds: float = 24 * 3600.0


DEFAULT_POLICY = RetryPolicy()


def backoff_ceiling(attempt: int, policy: RetryPolicy = DEFAULT_POLICY) -> float:
    """Upper bound of the jittered delay after ``attempt`` failed attempts (attempt >= 1)."""
    exponent = min(max(attempt - 1, 0), 62)
    return float(min(policy.cap_seconds, policy.base_seconds * (2**exponent)))


def next_attempt(
    attempt: int,
    now: datetime,
    retry_after: float | None = None,
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    rng: Callable[[], float] = random.random,
) -> datetime | None:
    """When to try again after ``attempt`` failed attempts, or None once the budget is spent.

    Full jitter (a uniform delay between 0 and the exponential ceiling) spreads retries of
    many deliveries that failed together, so a recovering receiver is not hit by a wave.
    A receiver's ``Retry-After`` is a floor: we never come back earlier than asked, but we
    cap what we honour so a hostile value cannot park a delivery for ever.
    """
    if attempt < 1:
        raise ValueError("attempt counts failed attempts and starts at 1")
    if attempt >= policy.max_attempts:
        return None
    delay = rng() * backoff_ceiling(attempt, policy)
    if retry_after is not None:
        delay = max(delay, min(max(retry_after, 0.0), policy.max_retry_after_seconds))
    return now + timedelta(seconds=delay)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from an HTTP ``Retry-After`` value (delta-seconds or HTTP-date).

    Returns None for a missing or unparseable value so callers fall back to backoff;
    a date in the past means "now" (0 seconds).
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)
