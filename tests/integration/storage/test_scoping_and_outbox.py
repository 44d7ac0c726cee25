"""Tenant scoping through one helper, and the embedded outbox path."""

import pytest
import sqlalchemy as sa

from app.security.principal import Principal
from app.services.common.outbox import enqueue
from app.storage.models import ApiClient, Event, OutboxMessage, TaskReceipt
from app.storage.scoping import readable
from app.tasks.registry import _HANDLERS, on_outbox
from tests.support import both_backends

pytestmark = [pytest.mark.integration, both_backends]


def test_readable_limits_rows_to_the_callers_tenant(container, make_participant, make_client):
    a, b = make_participant("A"), make_participant("B")
    make_client(a)
    make_client(b)
    pa = Principal(participant_id=a.id, client_id="x")
    admin = Principal(participant_id=a.id, client_id="x", roles=frozenset({"admin"}))
    with container.uow() as uow:
        mine = uow.session.execute(readable(ApiClient, pa)).scalars().all()
        every = uow.session.execute(readable(ApiClient, admin)).scalars().all()
    assert {c.participant_id for c in mine} == {a.id}
    assert {c.participant_id for c in every} == {a.id, b.id}


@pytest.fixture
def probe_handler():
    calls = []

    @on_outbox("probe.local")
    def handle(session, message):
        calls.append(message.key)

    yield calls
    _HANDLERS.pop("probe.local", None)


def test_committed_outbox_row_is_handled_once_after_commit(container, probe_handler):
    with container.uow() as uow:
        enqueue(uow.session, topic="probe.local", key="k-1", payload={"n": 1})
        assert probe_handler == []
        uow.commit()
    assert probe_handler == ["k-1"]
    container.runner.drain()
    assert probe_handler == ["k-1"]
    with container.uow() as uow:
        row = uow.session.execute(sa.select(OutboxMessage)).scalar_one()
        assert row.published_at is not None
        assert (
            uow.session.execute(sa.select(sa.func.count()).select_from(TaskReceipt)).scalar_one()
            == 1
        )


def test_rolled_back_outbox_row_is_never_handled(container, probe_handler):
    with container.uow() as uow:
        enqueue(uow.session, topic="probe.local", key="k-2", payload={})
    container.runner.drain()
    assert probe_handler == []
    with container.uow() as uow:
        assert uow.session.execute(sa.select(sa.func.count(Event.id))).scalar_one() == 0


def test_a_rolled_back_transaction_does_not_kick_the_next_one(container, probe_handler):
    with container.uow() as uow:
        enqueue(uow.session, topic="probe.local", key="k-3", payload={})
        uow.rollback()
        uow.session.add(OutboxMessage(topic="probe.local", key="k-4", payload={}))  # no flag
        uow.commit()
    assert probe_handler == []
    container.runner.drain()
    assert probe_handler == ["k-4"]
