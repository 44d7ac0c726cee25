"""Production shape: a commit that records events triggers sequencing on a real Celery worker."""

import uuid

import pytest

from app.container import Container
from app.ledger import store
from app.services.common.events import record_event
from app.settings import Settings
from tests.support import WorkerProcess, wait_until

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_committed_events_are_sequenced_and_anchored_by_a_worker(
    pg_server_url, redis_url, tmp_path, database_url
):
    settings = Settings(
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        broker_url=redis_url,
        celery_queue=f"tg-test-{uuid.uuid4().hex[:8]}",
        log_level="WARNING",
        issuer="http://testserver",
    )
    container = Container(settings)

    def state():
        with container.uow() as uow:
            current = store.peek_state(uow.session)
            return (current.size, current.anchored_size) if current else (0, 0)

    try:
        with WorkerProcess(settings):
            with container.uow() as uow:
                for i in range(5):
                    record_event(
                        uow.session, kind="test.event", actor="t", subject=f"s:{i}", payload={}
                    )
                uow.commit()
            assert wait_until(lambda: state() == (5, 5), timeout=60), state()
    finally:
        container.close()
