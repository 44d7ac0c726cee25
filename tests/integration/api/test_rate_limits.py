"""Rate limits per client and participant: 429 with Retry-After, shared by replicas via Redis,
refused from memory while a refusal still runs."""

from __future__ import annotations

import time
import uuid
from typing import TypeVar

import pytest

from app.domain.rate_limit import Decision, Limit
from app.errors import TooManyRequests
from app.security.rate_limits import LocalRateLimiter, RateLimiter, RedisRateLimiter
from app.security.throttle import Throttle
from tests.support import run_coroutine

pytestmark = pytest.mark.integration
T = TypeVar("T")


@pytest.fixture
def settings(settings):
    return settings.model_copy(
        update={
            "rate_limit_client": 2.0,
            "rate_limit_participant": 100.0,
            "rate_limit_burst_seconds": 2.0,
            "rate_limit_token_per_address": 1.0,
            "rate_limit_hold_seconds": 0.0,
        }
    )


def test_a_client_past_its_budget_gets_429_with_retry_after(client, make_participant, auth_headers):
    noisy = auth_headers(make_participant("Noisy", ("consumer",)))
    quiet = auth_headers(make_participant("Quiet", ("consumer",)))
    answers = [client.get("/v1/me", headers=noisy) for _ in range(5)]
    assert [a.status_code for a in answers[:4]] == [200, 200, 200, 200]
    refused = answers[4]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/rate-limited"
    assert int(refused.headers["retry-after"]) >= 1
    assert client.get("/v1/me", headers=quiet).status_code == 200


def test_token_requests_are_limited_per_address(client):
    form = {"grant_type": "client_credentials"}
    statuses = [
        client.post("/oauth/token", data=form, auth=("x", "y")).status_code for _ in range(3)
    ]
    assert statuses == [401, 401, 429]


def test_replicas_share_one_budget_through_redis(redis_url):
    key, limit = f"client:{uuid.uuid4()}", Limit(rate=1, burst=3)
    replicas = [RedisRateLimiter(redis_url), RedisRateLimiter(redis_url)]

    async def spend() -> list[bool]:
        return [(await replicas[i % 2].decide(key, limit)).allowed for i in range(5)]

    assert run_coroutine(spend()) == [True, True, True, False, False]


def test_an_unreachable_redis_lets_requests_through():
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0")
    assert run_coroutine(limiter.decide("client:x", Limit(rate=1, burst=1))).allowed


def test_an_unreachable_redis_refuses_nobody_from_memory():
    throttle = Throttle(RedisRateLimiter("redis://127.0.0.1:1/0"))

    async def thrice() -> None:
        for _ in range(3):
            await throttle.enforce([("client:x", Limit(rate=1, burst=1))])

    run_coroutine(thrice())


def test_enforce_charges_every_budget_and_names_the_one_spent():
    throttle = Throttle(LocalRateLimiter())
    budgets = [("client:a", Limit(rate=100, burst=100)), ("participant:p", Limit(rate=1, burst=1))]

    async def twice() -> None:
        await throttle.enforce(budgets)
        await throttle.enforce(budgets)

    with pytest.raises(TooManyRequests, match="participant"):
        run_coroutine(twice())


class CountingLimiter:
    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self.asked = 0

    async def decide(self, key: str, limit: Limit) -> Decision:
        self.asked += 1
        return await self.limiter.decide(key, limit)


def test_a_refused_client_is_answered_alike_without_asking_the_limiter_until_its_time(
    client, container, make_participant, auth_headers, redis_url
):
    container.throttle.limiter = counting = CountingLimiter(RedisRateLimiter(redis_url))
    noisy = auth_headers(make_participant("Noisy", ("consumer",)))
    answers = [client.get("/v1/me", headers=noisy) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    asked = counting.asked
    again = client.get("/v1/me", headers=noisy)
    assert counting.asked == asked
    first = answers[4]
    assert again.status_code == 429
    assert again.json() == first.json()
    for header in ("content-type", "retry-after"):
        assert again.headers[header] == first.headers[header]
    time.sleep(int(first.headers["retry-after"]))
    assert client.get("/v1/me", headers=noisy).status_code == 200
    assert counting.asked > asked


def test_a_client_asking_again_while_refused_waits_for_its_answer(
    client, container, make_participant, auth_headers
):
    container.throttle = Throttle(LocalRateLimiter(), hold_seconds=0.3)
    noisy = auth_headers(make_participant("Noisy", ("consumer",)))
    assert [client.get("/v1/me", headers=noisy).status_code for _ in range(5)][-1] == 429
    started = time.monotonic()
    assert client.get("/v1/me", headers=noisy).status_code == 429
    assert time.monotonic() - started >= 0.3
