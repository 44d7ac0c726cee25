"""The outbox, not the broker, decides what is still to be done.

A message is marked dispatched in its last handler's transaction; one published but never
dispatched (the broker lost it) is published again by the sweep; one whose handler fails
is postponed with a backoff and does not hold up the others.
"""

import uuid
from datetime import timedelta

import pytest
import redis
import sqlalchemy as sa

from app.container import Container
from app.services.common.outbox import enqueue
from app.storage.base import utcnow
from app.storage.models import OutboxMessage
from app.tasks.dispatch import dispatch_message
from app.tasks.registry import _HANDLERS, on_outbox
from app.tasks.relay import redeliver_lost, relay_to_broker
from tests.support import both_backends, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def probe():
    calls: list[str] = []
    failing: set[str] = set()

    @on_outbox("probe.redelivery")
    def handle(session, message):
        if message.key in failing:
            raise RuntimeError(f"handler failed on {message.key}")
        calls.append(message.key)

    yield calls, failing
    _HANDLERS.pop("probe.redelivery", None)


def _row(container: Container, key: str) -> OutboxMessage:
    with container.uow() as uow:
        return uow.session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.key == key)
        ).scalar_one()


def _gauge(container: Container, name: str) -> float:
    value = container.metrics.get_sample_value(name)
    assert value is not None, name
    return value


def _enqueue(container: Container, *keys: str) -> None:
    with container.uow() as uow:
        for key in keys:
            enqueue(uow.session, topic="probe.redelivery", key=key, payload={})
        uow.commit()


@both_backends
def test_the_last_handler_marks_the_message_and_a_redelivery_runs_nothing(container, probe):
    calls, _ = probe
    _enqueue(container, "once")
    row = _row(container, "once")
    assert calls == ["once"]
    assert row.dispatched_at is not None and row.published_at is not None
    assert dispatch_message(container, row.id) == 0
    assert calls == ["once"]


@both_backends
def test_a_failing_handler_postpones_its_message_and_the_others_run(container, probe):
    calls, failing = probe
    failing.add("bad")
    _enqueue(container, "bad", "good")
    assert calls == ["good"]
    bad = _row(container, "bad")
    assert bad.published_at is None and bad.dispatched_at is None
    assert bad.publish_attempts == 1
    assert bad.available_at > utcnow()
    container.runner.drain()
    assert calls == ["good"]  # not due yet

    assert _gauge(container, "tradegate_outbox_waiting") == 0  # postponed: not due

    failing.clear()
    with container.uow() as uow:
        due = utcnow() - timedelta(seconds=30)
        uow.session.get(OutboxMessage, bad.id).available_at = due  # type: ignore[union-attr]
        uow.commit()
    assert _gauge(container, "tradegate_outbox_waiting") == 1
    assert _gauge(container, "tradegate_outbox_waiting_oldest_seconds") >= 30
    container.runner.drain()
    assert _gauge(container, "tradegate_outbox_waiting") == 0
    assert calls == ["good", "bad"]
    bad = _row(container, "bad")
    assert bad.dispatched_at is not None and bad.published_at is not None


def test_backoff_doubles_and_is_capped(container, probe):
    _, failing = probe
    failing.add("flaky")
    _enqueue(container, "flaky")
    delays = []
    for _ in range(12):
        with container.uow() as uow:
            row = uow.session.execute(sa.select(OutboxMessage)).scalar_one()
            delays.append(round((row.available_at - utcnow()).total_seconds()))
            row.available_at = utcnow()
            uow.commit()
        container.runner.drain()
    assert delays[:5] == [1, 2, 4, 8, 16]
    assert max(delays) == 300 and delays[-1] == 300


@pytest.fixture
def broker_container(settings, redis_url):
    container = Container(
        settings.model_copy(
            update={
                "broker_url": redis_url,
                "celery_queue": f"tg-redeliver-{uuid.uuid4().hex[:8]}",
                "inline_tasks": False,
            }
        )
    )
    queue = redis.Redis.from_url(redis_url)
    yield container, queue
    queue.delete(container.settings.celery_queue)
    container.close()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_message_the_broker_lost_is_published_again_until_dispatched(broker_container, probe):
    container, queue = broker_container
    name = container.settings.celery_queue
    _enqueue(container, "lost")  # the commit publishes it to Redis
    assert queue.llen(name) == 1
    published = _row(container, "lost")
    assert published.published_at is not None and published.publish_attempts == 1

    queue.delete(name)  # the broker loses it
    assert _gauge(container, "tradegate_outbox_in_flight") == 1
    container.runner.sweep()  # published moments ago: not presumed lost yet
    assert queue.llen(name) == 0

    redeliver_after = container.settings.outbox_redeliver_seconds
    with container.uow() as uow:
        row = uow.session.get(OutboxMessage, published.id)
        assert row is not None and row.published_at is not None
        row.published_at -= timedelta(seconds=redeliver_after + 1)
        uow.commit()
    assert _gauge(container, "tradegate_outbox_in_flight_oldest_seconds") > redeliver_after
    container.runner.sweep()
    assert queue.llen(name) == 1
    assert _row(container, "lost").publish_attempts == 2

    calls, _ = probe
    assert dispatch_message(container, published.id) == 1
    assert calls == ["lost"]
    publisher = container.publisher()
    assert redeliver_lost(container, publisher, older_than=timedelta(0), limit=10) == 0
    assert relay_to_broker(container, publisher, limit=10) == 0
    assert _gauge(container, "tradegate_outbox_in_flight") == 0
    assert _gauge(container, "tradegate_outbox_in_flight_oldest_seconds") == 0


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_serving_process_relays_committed_rows_from_its_own_thread(broker_container, probe):
    container, queue = broker_container
    name = container.settings.celery_queue
    container.runner.start()  # what the API does at start-up
    _enqueue(container, "served")
    # The commit woke the relay thread and returned: the request did not wait for Redis.
    assert wait_until(lambda: queue.llen(name) == 1, timeout=10)
    row = _row(container, "served")
    assert row.published_at is not None and row.publish_attempts == 1


class _RefusingBroker:
    """Takes `accept` messages, then fails as a broker outage would."""

    def __init__(self, accept: int) -> None:
        self.accept = accept
        self.sent: list[uuid.UUID] = []

    def publish(self, message_id: uuid.UUID, topic: str) -> None:
        if len(self.sent) >= self.accept:
            raise ConnectionError("broker unavailable")
        self.sent.append(message_id)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_messages_the_broker_refused_stay_for_the_next_relay(broker_container, probe):
    container, _ = broker_container
    _enqueue(container, "first", "second", "third")
    with container.uow() as uow:  # as if nothing had been relayed yet
        uow.session.execute(sa.update(OutboxMessage).values(published_at=None))
        uow.commit()

    broker = _RefusingBroker(accept=1)
    with pytest.raises(ConnectionError):
        relay_to_broker(container, broker, limit=10)
    rows = {key: _row(container, key) for key in ("first", "second", "third")}
    sent = [key for key, row in rows.items() if row.published_at is not None]
    assert [rows[key].id for key in sent] == broker.sent
    assert all(row.publish_attempts == 2 for row in rows.values())

    broker.accept = 10
    assert relay_to_broker(container, broker, limit=10) == 2
    assert sorted(broker.sent) == sorted(row.id for row in rows.values())
