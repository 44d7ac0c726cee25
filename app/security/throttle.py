"""Charging budgets on the rate limiter, refusing from memory while a refusal still runs.

A GCRA budget never admits a key before the time a refusal named: its TAT only moves
forward, whichever replica spends it. So once the limiter refuses a key, this process
refuses that key itself until then, with no Redis round trip, the same 429 and a Retry-After
counted down from the same moment. A caller that asks again meanwhile ignored Retry-After
(or asked on many connections at once): its answer is held for a while, as nginx delays
excess requests, so a client looping on 429s makes one request per connection per hold
instead of one per round trip. Holds are bounded per budget; beyond, refusals are immediate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from app.domain.rate_limit import Limit
from app.errors import TooManyRequests
from app.security.rate_limits import Budgets, RateLimiter


def too_many(key: str, limit: Limit, retry_after_us: int) -> TooManyRequests:
    """The refusal of budget `key`, with Retry-After rounded up to whole seconds."""
    return TooManyRequests(
        f"rate limit of {limit.rate:g} requests a second exceeded for {key.split(':')[0]}",
        slug="rate-limited",
        retry_after=-(-retry_after_us // 1_000_000),
    )


class Throttle:
    """One process's door to the rate limits (used from the event loop's thread only)."""

    def __init__(
        self,
        limiter: RateLimiter,
        *,
        hold_seconds: float = 1.0,
        hold_per_key: int = 64,
        remember: int = 10_000,
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self.limiter = limiter
        self._hold_seconds = hold_seconds
        self._hold_per_key = hold_per_key
        self._remember = remember
        self._clock = clock
        self._refused_until_ns: dict[str, int] = {}
        self._held: dict[str, int] = {}

    async def enforce(self, budgets: Budgets) -> None:
        """Charge the budgets in order; the first one spent refuses with 429 and Retry-After.

        A budget still refused from earlier refuses first, and then none is charged.
        """
        await self.refuse_remembered(budgets)
        for key, limit in budgets:
            asked_ns = self._clock()
            decision = await self.limiter.decide(key, limit)
            if not decision.allowed:
                # From the moment before asking: the limiter's own "now" was no earlier.
                self._note(key, asked_ns + decision.retry_after_us * 1000)
                raise too_many(key, limit, decision.retry_after_us)

    async def refuse_remembered(self, budgets: Budgets) -> None:
        """Raise the 429 of a budget refused earlier and still refused, after holding it."""
        for key, limit in budgets:
            until_ns = self._refused_until_ns.get(key)
            if until_ns is None:
                continue
            if until_ns <= self._clock():
                del self._refused_until_ns[key]
                continue
            await self._hold(key)
            raise too_many(key, limit, max(0, until_ns - self._clock()) // 1000)

    def _note(self, key: str, until_ns: int) -> None:
        self._refused_until_ns.pop(key, None)
        self._refused_until_ns[key] = until_ns
        # Oldest noted first: past a bound, those are the ones most likely over already.
        while len(self._refused_until_ns) > self._remember:
            del self._refused_until_ns[next(iter(self._refused_until_ns))]

    async def _hold(self, key: str) -> None:
        held = self._held.get(key, 0)
        if self._hold_seconds <= 0 or held >= self._hold_per_key:
            return
        self._held[key] = held + 1
        try:
            await asyncio.sleep(self._hold_seconds)
        finally:
            self._held[key] -= 1
            if not self._held[key]:
                del self._held[key]
