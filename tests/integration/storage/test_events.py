"""The event log is hash-chained: edits and deletions are detected."""

import pytest
import sqlalchemy as sa

from app.services.events import record_event, verify_chain
from app.storage.models import Event
from tests.support import both_backends

pytestmark = [pytest.mark.integration, both_backends]


def _append(container, n):
    with container.uow() as uow:
        for i in range(n):
            record_event(
                uow.session,
                kind="test.thing",
                actor="tester",
                subject=f"s:{i}",
                payload={"i": i, "note": "ünïcode"},
            )
        uow.commit()


def test_chain_of_appended_events_verifies(container):
    _append(container, 5)
    with container.uow() as uow:
        checked, broken = verify_chain(uow.session)
    assert (checked, broken) == (5, None)


def _first_break_after(container, events, tampering):
    """Append `events`, run one tampering statement behind the hub's back, verify."""
    _append(container, events)
    with container.uow() as uow:
        uow.session.execute(tampering)
        uow.commit()
    with container.uow() as uow:
        return verify_chain(uow.session)[1]


def test_edited_payload_is_detected(container):
    edit = sa.update(Event).where(Event.seq == 2).values(payload={"i": 99})
    broken = _first_break_after(container, 4, edit)
    assert broken is not None and broken.seq == 2 and broken.reason == "payload_mismatch"


def test_edited_field_breaks_the_event_hash(container):
    edit = sa.update(Event).where(Event.seq == 2).values(actor="mallory")
    broken = _first_break_after(container, 4, edit)
    assert broken is not None and broken.seq == 2 and broken.reason == "hash_mismatch"


def test_deleted_event_is_detected(container):
    broken = _first_break_after(container, 4, sa.delete(Event).where(Event.seq == 3))
    assert broken is not None and broken.seq == 3 and broken.reason == "missing_event"


def test_truncated_tail_is_detected(container):
    broken = _first_break_after(container, 3, sa.delete(Event).where(Event.seq == 3))
    assert broken is not None and broken.reason == "truncated_chain"


def test_rolled_back_work_leaves_no_event(container):
    with container.uow() as uow:
        record_event(uow.session, kind="x", actor="a", subject="s", payload={})
    with container.uow() as uow:
        assert uow.session.execute(sa.select(sa.func.count(Event.id))).scalar_one() == 0
