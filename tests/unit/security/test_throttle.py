"""The throttle: refusals remembered until their time, repeat callers held, both bounded."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.domain.rate_limit import Decision, Limit
from app.errors import TooManyRequests
from app.security.throttle import Throttle
from tests.support import run_coroutine

LIMIT = Limit(rate=5, burst=10)
MS = 1_000_000  # nanoseconds


class Clock:
    def __init__(self) -> None:
        self.now = 10**12

    def __call__(self) -> int:
        return self.now


class FakeLimiter:
    """Refuses the keys in `refusing` for `wait_us`; records every key it was asked about."""

    def __init__(self, wait_us: int = 300_000) -> None:
        self.refusing: set[str] = set()
        self.asked: list[str] = []
        self.wait_us = wait_us

    async def decide(self, key: str, limit: Limit) -> Decision:
        self.asked.append(key)
        if key in self.refusing:
            return Decision(False, 0, self.wait_us)
        return Decision(True, 0, 0)


def _refusal(throttle: Throttle, budgets: list[tuple[str, Limit]]) -> TooManyRequests | None:
    try:
        run_coroutine(throttle.enforce(budgets))
    except TooManyRequests as exc:
        return exc
    return None


def test_a_refused_budget_is_refused_without_the_limiter_until_its_time() -> None:
    limiter, clock = FakeLimiter(wait_us=300_000), Clock()
    throttle = Throttle(limiter, hold_seconds=0, clock=clock)
    limiter.refusing.add("client:a")
    assert _refusal(throttle, [("client:a", LIMIT)]) is not None
    clock.now += 299 * MS
    assert _refusal(throttle, [("client:a", LIMIT)]) is not None
    assert limiter.asked == ["client:a"]
    clock.now += 1 * MS
    limiter.refusing.clear()
    assert _refusal(throttle, [("client:a", LIMIT)]) is None
    assert limiter.asked == ["client:a", "client:a"]


def test_a_remembered_refusal_reads_like_the_limiters() -> None:
    limiter, clock = FakeLimiter(wait_us=1_500_000), Clock()
    throttle = Throttle(limiter, hold_seconds=0, clock=clock)
    limiter.refusing.add("participant:p")
    first = _refusal(throttle, [("participant:p", LIMIT)])
    again = _refusal(throttle, [("participant:p", LIMIT)])
    assert first is not None and again is not None
    assert again.to_problem("/v1/me") == first.to_problem("/v1/me")
    assert again.retry_after == first.retry_after == 2
    assert first.to_problem()["type"] == "/problems/rate-limited"


def test_a_budget_still_refused_refuses_before_any_other_is_charged() -> None:
    limiter = FakeLimiter()
    throttle = Throttle(limiter, hold_seconds=0, clock=Clock())
    budgets = [("client:a", LIMIT), ("participant:p", LIMIT)]
    limiter.refusing.add("participant:p")
    assert _refusal(throttle, budgets) is not None
    exc = _refusal(throttle, budgets)
    assert exc is not None and "participant" in exc.detail
    assert limiter.asked == ["client:a", "participant:p"]


def test_a_caller_asking_again_while_refused_waits_for_its_answer() -> None:
    limiter = FakeLimiter()
    throttle = Throttle(limiter, hold_seconds=0.2)
    limiter.refusing.add("client:a")
    started = time.monotonic()
    assert _refusal(throttle, [("client:a", LIMIT)]) is not None
    assert time.monotonic() - started < 0.2  # the first refusal is answered at once
    started = time.monotonic()
    assert _refusal(throttle, [("client:a", LIMIT)]) is not None
    assert time.monotonic() - started >= 0.2


def test_refusals_held_at_once_are_bounded_per_budget() -> None:
    limiter = FakeLimiter(wait_us=5_000_000)
    throttle = Throttle(limiter, hold_seconds=0.3, hold_per_key=2)
    limiter.refusing.update({"client:a", "client:b"})
    for key in ("client:a", "client:b"):
        assert _refusal(throttle, [(key, LIMIT)]) is not None

    async def answered_after(key: str) -> float:
        started = time.monotonic()
        with pytest.raises(TooManyRequests):
            await throttle.enforce([(key, LIMIT)])
        return time.monotonic() - started

    async def together() -> list[float]:
        keys = ["client:a", "client:a", "client:a", "client:b"]
        return await asyncio.gather(*(answered_after(k) for k in keys))

    waits = run_coroutine(together())
    assert sorted(w >= 0.3 for w in waits[:3]) == [False, True, True]
    assert waits[3] >= 0.3  # another budget's holds are its own


def test_the_memory_of_refusals_is_bounded() -> None:
    limiter = FakeLimiter()
    throttle = Throttle(limiter, hold_seconds=0, remember=2, clock=Clock())
    keys = ["client:a", "client:b", "client:c"]
    limiter.refusing.update(keys)
    for key in keys:
        _refusal(throttle, [(key, LIMIT)])
    for key in reversed(keys):
        _refusal(throttle, [(key, LIMIT)])
    assert limiter.asked == [*keys, "client:a"]  # the oldest was forgotten
