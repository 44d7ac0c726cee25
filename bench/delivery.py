"""Webhook delivery throughput with one and with two Celery workers, measured in one run.

Creates a private PostgreSQL database and Celery queue, a loopback webhook receiver that
verifies every signature and answers after a fixed latency (a stand-in for a bank's
network round trip), and one consumer subscribed with a webhook. For each worker count it
starts real `tradegate worker` processes, queues N deliveries through the outbox and times
until all are delivered. Prints both rates and their ratio (goal: 2 workers >= 1.7x).

    PYTHONPATH=. python bench/delivery.py [--smoke] [--deliveries N] [--latency-ms MS]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from app.container import Container
from app.security.principal import SYSTEM
from app.services.delivery.connector_instances import create_instance, subscribe
from app.services.delivery.routing import notify
from app.services.participants.service import create_participant
from app.settings import Settings
from app.storage.migrate import upgrade
from app.storage.models import Delivery, DeliveryStatus, Notification
from bench.support import REDIS_URL, REPO, private_database, worker_command
from connectors.webhook.signing import generate_secret
from tests.webhook_receiver import WebhookReceiver


def start_workers(settings: Settings, count: int, log: Path) -> list[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEGATE_")}
    env.update(
        PYTHONPATH=str(REPO),
        TRADEGATE_ENV="test",
        TRADEGATE_DATA_DIR=str(settings.data_dir),
        TRADEGATE_DATABASE_URL=settings.effective_database_url,
        TRADEGATE_BROKER_URL=str(settings.broker_url),
        TRADEGATE_CELERY_QUEUE=settings.celery_queue,
        TRADEGATE_LOG_LEVEL="WARNING",
    )
    handle = open(log, "ab")  # noqa: SIM115 - owned by the subprocesses
    return [
        subprocess.Popen(
            worker_command(settings.celery_queue, "-n", f"bench{n}-{uuid.uuid4().hex[:6]}@%h"),
            env=env,
            cwd=REPO,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for n in range(count)
    ]


def wait_ready(container: Container, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(container.celery.control.ping(timeout=0.5) or []) >= count:
            return
    raise RuntimeError(f"{count} workers did not come up in {timeout} s")


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for proc in workers:
        proc.terminate()
    for proc in workers:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def setup_consumer(container: Container, url: str, secret: str) -> uuid.UUID:
    with container.uow() as uow:
        bank = create_participant(uow.session, name="Bench Bank", roles=["consumer"])
        instance, _ = create_instance(
            uow.session,
            SYSTEM,
            connector="webhook",
            name="bench",
            config={"url": url, "secrets": [secret], "allow_internal": ["127.0.0.1"]},
            participant_id=bank.id,
        )
        subscribe(uow.session, SYSTEM, instance.id)
        uow.commit()
    return bank.id


def delivered(container: Container, run: str) -> int:
    with container.uow() as uow:
        return int(
            uow.session.execute(
                sa.select(sa.func.count(Delivery.id))
                .join(Notification, Notification.id == Delivery.notification_id)
                .where(
                    Delivery.status == DeliveryStatus.DELIVERED,
                    Notification.source_key.like(f"{run}:%"),
                )
            ).scalar_one()
        )


def timed_run(container: Container, bank: uuid.UUID, count: int, run: str) -> float:
    """Seconds from queueing `count` deliveries to the last one delivered."""
    start = time.perf_counter()
    with container.uow() as uow:
        for n in range(count):
            notify(
                uow.session,
                participant_id=bank,
                topic="document.accepted",
                source_key=f"{run}:{n}",
                data={"n": n},
            )
        uow.commit()
    container.runner.drain()
    deadline = time.monotonic() + 600
    while delivered(container, run) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{run}: deliveries did not finish")
        time.sleep(0.05)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny numbers, a few seconds")
    parser.add_argument("--deliveries", type=int, default=400)
    parser.add_argument("--latency-ms", type=float, default=25.0)
    args = parser.parse_args(argv)
    count = 20 if args.smoke else args.deliveries
    secret = generate_secret()
    rates: dict[int, float] = {}
    with (
        tempfile.TemporaryDirectory(prefix="tg-bench-") as tmp,
        private_database() as url,
        WebhookReceiver([secret], delay=args.latency_ms / 1000) as receiver,
    ):
        upgrade(url)
        settings = Settings(
            env="test",
            data_dir=Path(tmp),
            database_url=url,
            broker_url=REDIS_URL,
            celery_queue=f"tg-bench-{uuid.uuid4().hex[:8]}",
            log_level="WARNING",
        )
        container = Container(settings)
        try:
            bank = setup_consumer(container, receiver.url, secret)
            for workers in (1, 2):
                procs = start_workers(settings, workers, Path(tmp) / "workers.log")
                try:
                    wait_ready(container, workers)
                    timed_run(container, bank, max(2, count // 10), f"warm{workers}")
                    elapsed = timed_run(container, bank, count, f"run{workers}")
                finally:
                    stop(procs)
                rates[workers] = count / elapsed
        finally:
            container.close()
        duplicates = receiver.raw_duplicates()
        forged = len(receiver.rejected)
    ratio = rates[2] / rates[1]
    print(
        json.dumps(
            {
                "deliveries_per_run": count,
                "receiver_latency_ms": args.latency_ms,
                "one_worker_per_s": round(rates[1], 1),
                "two_workers_per_s": round(rates[2], 1),
                "raw_duplicates": duplicates,
                "rejected_signatures": forged,
            }
        )
    )
    print(f"delivery throughput ratio (2 workers / 1 worker): {ratio:.2f}x (goal >= 1.7x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
