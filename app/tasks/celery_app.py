"""The Celery application: reliability settings and the two generic tasks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from celery import Celery

from app.settings import Settings
from app.tasks.dispatch import run_message
from app.tasks.registry import periodic_jobs

if TYPE_CHECKING:
    from app.tasks.context import TaskContext

DISPATCH_TASK = "tradegate.dispatch"
PERIODIC_TASK = "tradegate.periodic"


def make_celery(settings: Settings, ctx: Callable[[], TaskContext]) -> Celery:
    """A Celery app whose tasks survive worker crashes.

    Late acks + reject-on-worker-lost put a message back when a worker dies mid-task;
    prefetch 1 keeps a dead worker from taking a backlog with it; the visibility timeout
    bounds how long Redis waits before redelivering an unacked message.
    """
    celery = Celery("tradegate", broker=settings.broker_url, set_as_current=False)
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_transport_options={
            "visibility_timeout": settings.celery_visibility_timeout,
            # kombu sweeps for messages to redeliver only every interval x throttle
            # seconds (100 s by default), whatever the visibility timeout: sweep at a
            # fifth of the timeout instead, so recovery is bounded by the timeout.
            "unacked_restore_interval": max(1, settings.celery_visibility_timeout // 5),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        task_default_queue=settings.celery_queue,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_publish_retry=True,
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        beat_schedule={
            f"tradegate-{name}": {
                "task": PERIODIC_TASK,
                "schedule": job.seconds,
                "args": [name],
                "options": {"expires": max(job.seconds * 2, 5)},
            }
            for name, job in periodic_jobs().items()
        },
        timezone="UTC",
    )

    @celery.task(name=DISPATCH_TASK)
    def dispatch(message_id: str) -> int:
        # A failure postpones the outbox row rather than asking the broker for a retry:
        # the retry then survives a broker outage, and the sweep publishes it when due.
        return run_message(ctx(), uuid.UUID(message_id))

    @celery.task(name=PERIODIC_TASK)
    def run_periodic(name: str) -> None:
        job = periodic_jobs().get(name)
        if job is not None:
            job.fn(ctx())

    return celery


class CeleryPublisher:
    """Publishes outbox rows as dispatch tasks on the broker."""

    def __init__(self, celery: Celery, queue: str) -> None:
        self._celery = celery
        self._queue = queue

    def publish(self, message_id: uuid.UUID, topic: str) -> None:
        self._celery.send_task(
            DISPATCH_TASK, args=[str(message_id)], queue=self._queue, headers={"topic": topic}
        )
