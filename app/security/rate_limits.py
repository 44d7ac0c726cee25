"""Rate limits per API client and per participant: in-process, or shared through Redis.

Replicas behind a load balancer share one budget only if they share the state, so with a
Redis URL every decision is one atomic script on Redis (its own clock, so replicas' clocks
do not matter). If Redis cannot answer, the request is let through and the failure logged:
a limiter outage must not become an API outage.
"""

from __future__ import annotations

import time
from typing import Protocol

import redis.asyncio as aioredis
import structlog

from app.domain.rate_limit import Decision, Limit, decide
from app.security.principal import Principal
from app.settings import Settings

log = structlog.get_logger(__name__)

Budgets = list[tuple[str, Limit]]
"""Budget keys (`client:<id>`, `participant:<id>` ...) and their limits, charged in order."""

# GCRA on Redis: KEYS[1] holds the TAT in microseconds; ARGV: interval_us, burst.
_GCRA_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - burst * interval
if now < allow_at then
  return {0, allow_at - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1000)
return {1, 0}
"""


class RateLimiter(Protocol):
    async def decide(self, key: str, limit: Limit) -> Decision: ...


class LocalRateLimiter:
    """One process's budgets (the embedded mode: there is only one process)."""

    def __init__(self) -> None:
        self._tats: dict[str, int] = {}

    async def decide(self, key: str, limit: Limit) -> Decision:
        # No await between read and write: the event loop cannot interleave two decisions.
        decision = decide(limit, self._tats.get(key), time.monotonic_ns() // 1000)
        if decision.allowed:
            self._tats[key] = decision.tat_us
        return decision


class RedisRateLimiter:
    """Budgets shared by every replica, one round trip per decision."""

    def __init__(self, url: str, prefix: str = "tradegate:rate:") -> None:
        self._redis = aioredis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self._redis.register_script(_GCRA_SCRIPT)
        self._prefix = prefix

    async def decide(self, key: str, limit: Limit) -> Decision:
        try:
            allowed, wait_us = await self._script(
                keys=[self._prefix + key], args=[limit.interval_us, limit.burst]
            )
        except (aioredis.RedisError, OSError) as exc:
            log.warning("rate_limiter_unavailable", error=str(exc))
            return Decision(True, 0, 0)
        return Decision(bool(allowed), 0, int(wait_us))


def limiter_for(url: str | None) -> RateLimiter:
    return RedisRateLimiter(url) if url else LocalRateLimiter()


def _limit(rate: float, burst_seconds: float) -> Limit:
    return Limit(rate=rate, burst=max(1, round(rate * burst_seconds)))


def caller_limits(settings: Settings, caller: Principal) -> Budgets:
    """The budgets a token's bearer spends: its client's and its participant's."""
    budgets = [
        (f"client:{caller.client_id}", settings.rate_limit_client),
        (f"participant:{caller.participant_id}", settings.rate_limit_participant),
    ]
    return [(key, _limit(rate, settings.rate_limit_burst_seconds)) for key, rate in budgets if rate]


def peer_limits(settings: Settings, peer_id: str) -> Budgets:
    """The budget of one peer hub's calls, whichever of its replicas makes them."""
    rate = settings.federation_rate_limit_peer
    return [(f"peer:{peer_id}", _limit(rate, settings.rate_limit_burst_seconds))] if rate else []


def address_limits(settings: Settings, address: str) -> Budgets:
    """The budget of unauthenticated token requests from one remote address."""
    rate = settings.rate_limit_token_per_address
    return [(f"address:{address}", _limit(rate, settings.rate_limit_burst_seconds))] if rate else []


def peer_financing_limits(settings: Settings, scope: str, peer_id: str) -> Budgets:
    """The budget a peer hub spends on one kind of cross-border financing request."""
    rate = settings.federation_financing_peer_rate
    limit = _limit(rate, settings.rate_limit_burst_seconds)
    return [(f"peer-{scope}:{peer_id}", limit)] if rate else []
