"""GCRA (the generic cell rate algorithm): a rate limit as one timestamp per key.

A key may make `rate` requests a second on average and `burst` at once. The state is the
theoretical arrival time (TAT) of the next request; it is all a replica needs to share, so
the same arithmetic runs in-process and as one atomic Redis script.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """`rate` requests per second on average, at most `burst` back to back."""

    rate: float
    burst: int

    @property
    def interval_us(self) -> int:
        """Microseconds between two requests at the average rate (integers: no drift)."""
        return max(1, round(1_000_000 / self.rate))


@dataclass(frozen=True)
class Decision:
    allowed: bool
    tat_us: int
    retry_after_us: int


def decide(limit: Limit, tat_us: int | None, now_us: int) -> Decision:
    """Admit a request at `now_us` given the stored TAT (None: the key is new)."""
    start = now_us if tat_us is None else max(tat_us, now_us)
    new_tat = start + limit.interval_us
    allow_at = new_tat - limit.burst * limit.interval_us
    if now_us < allow_at:
        return Decision(False, start, allow_at - now_us)
    return Decision(True, new_tat, 0)
