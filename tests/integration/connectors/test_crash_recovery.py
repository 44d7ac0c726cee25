"""Nothing accepted is lost and nothing is duplicated after dedup, through worker and API crashes.

Real PostgreSQL, Redis, Celery worker and beat subprocesses, a real API process and two
loopback webhook receivers (one per bank). 1,000 documents are pushed by 32 concurrent
clients; each worker is SIGKILLed once mid-run and restarted; the API process dies once
right after a commit and before publishing it. Every accepted document must reach every
covered bank; the raw count of duplicate deliveries (dropped by the receivers on their
webhook-id) is printed.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from app.storage.models import Delivery
from connectors.webhook.signing import generate_secret
from tests.integration.connectors.processes import ApiProcess, BeatProcess, delivery_env
from tests.integration.connectors.reliability import (
    LEI,
    Pusher,
    add_webhook,
    grant_monitoring_consent,
    received_documents,
)
from tests.support import WorkerProcess, wait_until
from tests.webhook_receiver import WebhookReceiver

DOCUMENTS = int(os.environ.get("TRADEGATE_CRASH_DOCUMENTS", "1000"))
CLIENTS = 32

pytestmark = [
    pytest.mark.integration,
    pytest.mark.timeout(900),
    pytest.mark.parametrize("backend", ["postgresql"], indirect=True),
]


@pytest.fixture
def settings(settings, redis_url):
    return settings.model_copy(
        update={
            "broker_url": redis_url,
            "celery_queue": f"tg-crash-{uuid.uuid4().hex[:8]}",
            "celery_visibility_timeout": 10,
            "outbox_redeliver_seconds": 20,
            "delivery_retry_base_seconds": 1.0,
            "delivery_retry_cap_seconds": 5.0,
        }
    )


def test_crashes_lose_nothing_and_receivers_can_drop_every_duplicate(
    settings, client, make_participant, auth_headers
):
    owner = make_participant("Exporter", roles=("owner",), identifiers=(f"LEI:{LEI}",))
    provider = make_participant("Carrier", roles=("provider",))
    banks = [make_participant(f"Bank {n}", roles=("consumer",)) for n in "AB"]
    admin = make_participant("Hub", roles=("admin",))
    secrets = [generate_secret() for _ in banks]
    receivers = [WebhookReceiver([s]) for s in secrets]
    workers = [WorkerProcess(settings, "-n", f"w{n}-{uuid.uuid4().hex[:6]}@%h") for n in (1, 2)]
    for worker in workers:
        worker.env.update(delivery_env(settings))
    beat = BeatProcess(settings)
    api = ApiProcess(settings, crash_at_kick=DOCUMENTS // 3)
    kills = {"workers": 0}
    api_exits: list[int] = []
    stop = threading.Event()
    try:
        for receiver, bank, secret in zip(receivers, banks, secrets, strict=True):
            receiver.__enter__()
            add_webhook(client, auth_headers(admin), bank, receiver.url, secret)
            grant_monitoring_consent(client, auth_headers(owner), auth_headers(bank), owner.id)
        for worker in workers:
            worker.start()
        beat.start()
        api.start_and_wait()
        pusher = Pusher(base_url=lambda: api.url, headers=auth_headers(provider))

        def chaos() -> None:
            """Kill each worker once mid-run; restart the API whenever it has died."""
            nonlocal api
            plan = [(DOCUMENTS // 4, workers[0]), (DOCUMENTS // 2, workers[1])]
            while not stop.is_set():
                if plan and len(pusher.accepted) >= plan[0][0]:
                    _, worker = plan.pop(0)
                    worker.kill()
                    kills["workers"] += 1
                    time.sleep(1.0)
                    worker.start()
                if api.proc is not None and api.proc.poll() is not None:
                    api_exits.append(api.proc.returncode)
                    api = ApiProcess(settings)
                    api.start_and_wait()
                time.sleep(0.05)

        chaos_thread = threading.Thread(target=chaos, daemon=True)
        chaos_thread.start()
        started = time.monotonic()
        pusher.run(list(range(DOCUMENTS)), CLIENTS, deadline=started + 400)
        pushed_in = time.monotonic() - started
        expected = set(pusher.accepted.values())
        assert len(expected) == DOCUMENTS

        def all_delivered() -> bool:
            return all(set(received_documents(r)) >= expected for r in receivers)

        assert wait_until(all_delivered, timeout=300, interval=1.0), [
            len(expected - set(received_documents(r))) for r in receivers
        ]
        delivered_in = time.monotonic() - started
        stop.set()
        chaos_thread.join(timeout=30)
        assert kills == {"workers": 2}
        assert api_exits == [137]  # died once, inside the publish after a commit
        for receiver in receivers:
            seen = received_documents(receiver)
            assert set(seen) == expected  # nothing lost, nothing foreign
            assert all(len(ids) == 1 for ids in seen.values())  # one webhook-id per document
            assert receiver.rejected == []
        with client.app.state.container.uow() as uow:
            statuses = uow.session.execute(
                sa.select(Delivery.status, sa.func.count()).group_by(Delivery.status)
            ).all()
        assert dict(statuses) == {"delivered": DOCUMENTS * len(banks)}
        raw = [r.raw_duplicates() for r in receivers]
        print(
            f"\ncrash test: {DOCUMENTS} documents x {len(banks)} banks; pushed in "
            f"{pushed_in:.1f} s, all delivered in {delivered_in:.1f} s; "
            f"client retries after transport errors {pusher.transport_errors}; "
            f"raw duplicate deliveries dropped by receivers {sum(raw)} {raw}; lost 0"
        )
    finally:
        stop.set()
        api.stop()
        beat.stop()
        for worker in workers:
            worker.stop()
        for receiver in receivers:
            receiver.__exit__(None, None, None)
