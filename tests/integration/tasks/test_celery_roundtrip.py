"""An outbox row committed in a transaction reaches a real Celery worker exactly once.

A handler that fails on the worker puts its row back in the outbox; the relay publishes it
again when its backoff is over.
"""

import uuid

import pytest
import redis
import sqlalchemy as sa

from app.container import Container
from app.services.common.outbox import enqueue
from app.settings import Settings
from app.storage.models import Event, OutboxMessage
from app.tasks.celery_app import CeleryPublisher
from tests.support import WorkerProcess, wait_until

pytestmark = pytest.mark.integration
PROBE = "tests.integration.tasks.probe"


@pytest.fixture
def broker_settings(pg_server_url, redis_url, tmp_path, database_url) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        broker_url=redis_url,
        celery_queue=f"tg-test-{uuid.uuid4().hex[:8]}",
        task_modules=[PROBE],
        log_level="WARNING",
        issuer="http://testserver",
    )


def _handled(container: Container, key: str) -> int:
    with container.uow() as uow:
        return uow.session.execute(
            sa.select(sa.func.count(Event.id)).where(
                Event.kind == "probe.handled", Event.subject == key
            )
        ).scalar_one()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_outbox_event_reaches_a_worker_task_exactly_once(broker_settings):
    container = Container(broker_settings)
    key = f"ping-{uuid.uuid4().hex}"

    def handled() -> int:
        return _handled(container, key)

    try:
        with WorkerProcess(broker_settings):
            with container.uow() as uow:
                message = enqueue(uow.session, topic="probe.ping", key=key, payload={"n": 1})
                uow.commit()
            with container.uow() as uow:
                row = uow.session.get(OutboxMessage, message.id)
                assert row is not None and row.published_at is not None
            assert wait_until(lambda: handled() == 1, timeout=60), "task never ran"
            # A duplicate publish (relay crash before marking) must not apply twice.
            CeleryPublisher(container.celery, broker_settings.celery_queue).publish(
                message.id, "probe.ping"
            )
            CeleryPublisher(container.celery, broker_settings.celery_queue).publish(
                message.id, "probe.ping"
            )
            queue = redis.Redis.from_url(broker_settings.broker_url)
            assert wait_until(lambda: queue.llen(broker_settings.celery_queue) == 0, timeout=30)
            wait_until(lambda: handled() > 1, timeout=2)
        assert handled() == 1
    finally:
        container.close()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_handler_failing_on_the_worker_postpones_its_row_until_the_relay_sends_it_again(
    broker_settings,
):
    container = Container(broker_settings)
    key = f"flaky-{uuid.uuid4().hex}"

    def row() -> OutboxMessage:
        with container.uow() as uow:
            return uow.session.execute(
                sa.select(OutboxMessage).where(OutboxMessage.key == key)
            ).scalar_one()

    try:
        with WorkerProcess(broker_settings):
            with container.uow() as uow:
                enqueue(uow.session, topic="probe.flaky", key=key, payload={})
                uow.commit()
            assert wait_until(lambda: row().published_at is None, timeout=60), "not postponed"
            postponed = row()
            assert postponed.dispatched_at is None and postponed.publish_attempts == 1
            assert _handled(container, key) == 0
            assert wait_until(lambda: container.runner.relay_once() == 1, timeout=5)
            assert wait_until(lambda: _handled(container, key) == 1, timeout=60)
            assert wait_until(lambda: row().dispatched_at is not None, timeout=10)
            assert row().publish_attempts == 2
    finally:
        container.close()
