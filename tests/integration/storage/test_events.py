"""The event log is hash-chained: edits and deletions are detected.

Writers append events unchained; the sequencer links them (`chain_pending`).
"""

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.services.common.events import GENESIS_HASH, chain_pending, record_event, verify_chain
from app.storage.models import ChainHead, Event
from app.tasks.ledger import sequence
from tests.support import both_backends

pytestmark = [pytest.mark.integration]


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


@both_backends
def test_a_rolled_back_savepoint_does_not_cancel_sequencing_at_commit(container):
    with container.uow() as uow:
        event = record_event(uow.session, kind="test.thing", actor="t", subject="s", payload={})
        savepoint = uow.session.begin_nested()
        uow.session.execute(sa.text("SELECT 1"))
        savepoint.rollback()
        uow.commit()
    with container.uow() as uow:
        stored = uow.session.get(Event, event.id)
        assert stored is not None and stored.seq == 1  # sequenced inline at commit


@both_backends
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


@both_backends
def test_edited_payload_is_detected(container):
    edit = sa.update(Event).where(Event.seq == 2).values(payload={"i": 99})
    broken = _first_break_after(container, 4, edit)
    assert broken is not None and broken.seq == 2 and broken.reason == "payload_mismatch"


@both_backends
def test_edited_field_breaks_the_event_hash(container):
    edit = sa.update(Event).where(Event.seq == 2).values(actor="mallory")
    broken = _first_break_after(container, 4, edit)
    assert broken is not None and broken.seq == 2 and broken.reason == "hash_mismatch"


@both_backends
def test_deleted_event_is_detected(container):
    broken = _first_break_after(container, 4, sa.delete(Event).where(Event.seq == 3))
    assert broken is not None and broken.seq == 3 and broken.reason == "missing_event"


@both_backends
def test_truncated_tail_is_detected(container):
    broken = _first_break_after(container, 3, sa.delete(Event).where(Event.seq == 3))
    assert broken is not None and broken.reason == "truncated_chain"


@both_backends
def test_rolled_back_work_leaves_no_event(container):
    with container.uow() as uow:
        record_event(uow.session, kind="x", actor="a", subject="s", payload={})
    with container.uow() as uow:
        assert uow.session.execute(sa.select(sa.func.count(Event.id))).scalar_one() == 0


def _unchained(container, subjects):
    """Commit events without the after-commit sequencing the container's units of work do."""
    with Session(container.engine) as session:
        for subject in subjects:
            record_event(session, kind="test.raw", actor="t", subject=subject, payload={})
        session.commit()


def _chain(container, limit):
    with container.uow() as uow:
        linked = chain_pending(uow.session, limit)
        uow.commit()
    return linked


@both_backends
def test_events_wait_unchained_until_the_sequencer_links_them_oldest_first(container):
    _unchained(container, ["a", "b", "c"])
    with container.uow() as uow:
        rows = uow.session.execute(sa.select(Event.seq, Event.prev_hash, Event.hash)).all()
        assert rows == [(None, None, None)] * 3
        assert verify_chain(uow.session) == (0, None)
    assert _chain(container, 2) == 2
    assert _chain(container, 2) == 1
    assert _chain(container, 2) == 0
    with container.uow() as uow:
        events = uow.session.execute(sa.select(Event).order_by(Event.seq)).scalars().all()
        head = uow.session.get(ChainHead, 1)
        assert verify_chain(uow.session) == (3, None)
    assert [(e.seq, e.subject) for e in events] == [(1, "a"), (2, "b"), (3, "c")]
    assert [e.prev_hash for e in events] == [GENESIS_HASH, events[0].hash, events[1].hash]
    assert (head.seq, head.hash) == (3, events[2].hash)


@both_backends
def test_concurrent_writers_and_sequencers_build_one_gapless_chain(container):
    """Each commit also runs the sequencer inline, so sequencers race as well as writers."""

    def write(worker):
        for i in range(15):
            with container.uow() as uow:
                record_event(
                    uow.session,
                    kind="test.race",
                    actor="t",
                    subject=f"{worker}:{i}",
                    payload={"i": i},
                )
                uow.commit()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sequence(container)
    with container.uow() as uow:
        assert verify_chain(uow.session) == (60, None)
        unlinked = sa.select(sa.func.count()).where(Event.seq.is_(None))
        assert uow.session.execute(unlinked).scalar_one() == 0


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_an_open_append_does_not_hold_up_other_writers(container):
    """Appends take no lock: a second writer commits while the first is still open."""
    with Session(container.engine) as slow, Session(container.engine) as quick:
        record_event(slow, kind="test.slow", actor="t", subject="slow", payload={})
        slow.flush()
        quick.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        record_event(quick, kind="test.quick", actor="t", subject="quick", payload={})
        quick.commit()
        slow.commit()
    assert _chain(container, 10) == 2
