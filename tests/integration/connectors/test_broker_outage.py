"""With Redis down for 30 s the API keeps accepting, and everything is delivered once it is back.

Uses a private redis-server started (and stopped) by this test on its own port; the
machine's shared Redis is never touched.
"""

from __future__ import annotations

import time
import uuid

import pytest

from connectors.webhook.signing import generate_secret
from tests.integration.connectors.processes import (
    ApiProcess,
    BeatProcess,
    PrivateRedis,
    delivery_env,
)
from tests.integration.connectors.reliability import (
    LEI,
    Pusher,
    add_webhook,
    grant_monitoring_consent,
    received_documents,
)
from tests.support import WorkerProcess, wait_until
from tests.webhook_receiver import WebhookReceiver

OUTAGE_SECONDS = 30

pytestmark = [
    pytest.mark.integration,
    pytest.mark.timeout(600),
    pytest.mark.parametrize("backend", ["postgresql"], indirect=True),
]


@pytest.fixture
def broker(tmp_path):
    redis = PrivateRedis(tmp_path / "redis")
    redis.start_and_wait()
    yield redis
    redis.stop()


@pytest.fixture
def settings(settings, broker):
    return settings.model_copy(
        update={
            "broker_url": broker.url,
            "celery_queue": f"tg-outage-{uuid.uuid4().hex[:8]}",
            "celery_visibility_timeout": 10,
            # A message Redis lost around the stop is published again this long after.
            "outbox_redeliver_seconds": 20,
            "delivery_retry_base_seconds": 1.0,
            "delivery_retry_cap_seconds": 5.0,
        }
    )


def test_api_accepts_during_a_broker_outage_and_delivers_afterwards(
    settings, broker, client, make_participant, auth_headers
):
    owner = make_participant("Exporter", roles=("owner",), identifiers=(f"LEI:{LEI}",))
    provider = make_participant("Carrier", roles=("provider",))
    bank = make_participant("Bank", roles=("consumer",))
    admin = make_participant("Hub", roles=("admin",))
    secret = generate_secret()
    worker = WorkerProcess(settings)
    worker.env.update(delivery_env(settings))
    beat = BeatProcess(settings)
    api = ApiProcess(settings)
    with WebhookReceiver([secret]) as receiver:
        try:
            add_webhook(client, auth_headers(admin), bank, receiver.url, secret)
            grant_monitoring_consent(client, auth_headers(owner), auth_headers(bank), owner.id)
            worker.start()
            beat.start()
            api.start_and_wait()
            pusher = Pusher(base_url=lambda: api.url, headers=auth_headers(provider))
            deadline = time.monotonic() + 300

            pusher.run(list(range(0, 20)), 4, deadline)
            broker.stop()
            assert not broker.ping()
            outage_started = time.monotonic()
            during = 0
            while time.monotonic() - outage_started < OUTAGE_SECONDS:
                before = len(pusher.accepted)
                pusher.run([20 + during], 1, deadline)
                assert len(pusher.accepted) == before + 1  # accepted with the broker down
                during += 1
            assert pusher.transport_errors == 0
            broker.start_and_wait()
            pusher.run(list(range(20 + during, 40 + during)), 4, deadline)

            expected = set(pusher.accepted.values())
            assert wait_until(
                lambda: set(received_documents(receiver)) >= expected, timeout=180, interval=1.0
            ), len(expected - set(received_documents(receiver)))
            seen = received_documents(receiver)
            assert set(seen) == expected
            assert all(len(ids) == 1 for ids in seen.values())
            print(
                f"\nbroker outage: {len(expected)} documents ({during} accepted during "
                f"{OUTAGE_SECONDS} s without Redis), all delivered; raw duplicates "
                f"{receiver.raw_duplicates()}"
            )
        finally:
            api.stop()
            beat.stop()
            worker.stop()
