"""The log of record on SQLite and PostgreSQL: sequencing, stored subtrees, exhaustive proofs."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.domain.checkpoint import open_checkpoint
from app.domain.merkle import (
    MemorySubtreeStore,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    mth,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from app.ledger import store
from app.ledger.leaf import LeafRecord
from app.services.common.events import record_event
from app.services.ledger import log as svc
from app.storage.models import Event
from app.storage.models.ledger import LedgerCheckpoint, LedgerLeaf
from tests.support import both_backends

pytestmark = pytest.mark.integration

BATCHES = [1, 2, 3, 5, 8, 13, 32]


def record(container, count, prefix="e"):
    with container.uow() as uow:
        for i in range(count):
            record_event(
                uow.session,
                kind="test.event",
                actor="test",
                subject=f"{prefix}:{i}",
                payload={"i": i},
            )
        uow.commit()


def stored_leaf_hashes(container):
    with container.uow() as uow:
        return list(
            uow.session.execute(sa.select(LedgerLeaf.leaf_hash).order_by(LedgerLeaf.idx)).scalars()
        )


@both_backends
def test_events_become_leaves_in_chain_order_with_a_checkpoint_per_batch(container):
    for n, count in enumerate(BATCHES):
        record(container, count, prefix=f"b{n}")
    with container.uow() as uow:
        session = uow.session
        events = session.execute(sa.select(Event).order_by(Event.seq)).scalars().all()
        leaves = session.execute(sa.select(LedgerLeaf).order_by(LedgerLeaf.idx)).scalars().all()
        assert [leaf.idx + 1 for leaf in leaves] == [e.seq for e in events]
        for event, leaf in zip(events, leaves, strict=True):
            salt = store.salt_at(session, leaf.idx)
            data = svc.leaf_record(event, salt).encode()
            assert leaf.leaf_hash == leaf_hash(data)
            assert LeafRecord.decode(data).event_id == str(event.id)
        sizes = sorted(session.execute(sa.select(LedgerCheckpoint.size)).scalars())
    running = [sum(BATCHES[: i + 1]) for i in range(len(BATCHES))]
    assert sizes == running


@both_backends
def test_every_proof_up_to_64_leaves_from_stored_subtrees_matches_and_verifies(container):
    for n, count in enumerate(BATCHES):
        record(container, count, prefix=f"b{n}")
    hashes = stored_leaf_hashes(container)
    assert len(hashes) == 64
    memory = MemorySubtreeStore()
    memory.append(hashes)
    roots = [root_hash(memory, n) for n in range(65)]
    with container.uow() as uow:
        source = store.SqlSubtreeSource(uow.session)
        for size in range(1, 65):
            assert root_hash(source, size) == roots[size]
            for index in range(size):
                proof = inclusion_proof(source, index, size)
                assert proof == inclusion_proof(memory, index, size)
                assert verify_inclusion(index, size, hashes[index], proof, roots[size])
            for first in range(1, size + 1):
                proof = consistency_proof(source, first, size)
                assert proof == consistency_proof(memory, first, size)
                assert verify_consistency(first, size, proof, roots[first], roots[size])


@both_backends
def test_signed_checkpoints_carry_the_tree_head_under_the_log_key(container):
    record(container, 7)
    verifier = svc.log_verifier(container.settings, container.keys)
    with container.uow() as uow:
        latest = svc.current_checkpoint(uow.session)
    head = open_checkpoint(
        latest.note.encode(), [verifier], container.settings.effective_ledger_origin
    )
    assert head.size == 7
    assert head.root_hash == mth_of(stored_leaf_hashes(container))


def mth_of(hashes):
    memory = MemorySubtreeStore()
    memory.append(hashes)
    return root_hash(memory, len(hashes))


def test_mth_over_leaf_data_agrees_with_the_store():
    data = [f"leaf {i}".encode() for i in range(9)]
    assert mth(data) == mth_of([leaf_hash(d) for d in data])


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_leaves SET leaf_hash = leaf_hash",
        "DELETE FROM ledger_leaves",
        "TRUNCATE ledger_leaves",
        "UPDATE ledger_nodes SET hash = hash",
        "DELETE FROM ledger_nodes",
        "DELETE FROM ledger_checkpoints",
    ],
)
def test_postgresql_refuses_to_change_the_log(container, statement):
    record(container, 17)  # one stored subtree (leaves 0..15) and a leaf past it
    with pytest.raises(DBAPIError, match="append-only"), container.engine.begin() as conn:
        conn.execute(sa.text(statement))
    assert len(stored_leaf_hashes(container)) == 17


@both_backends
def test_sequencer_with_nothing_pending_signs_nothing(container):
    with container.uow() as uow:
        assert svc.integrate_pending(uow.session, container.settings, container.keys) is None


@both_backends
def test_concurrent_sequencers_append_each_event_exactly_once(container):
    import threading

    from app.services.ledger.audit import audit_log

    # A plain session, not the container's: nothing sequences these events on commit.
    with Session(container.engine) as session:
        for i in range(120):
            record_event(session, kind="test.event", actor="t", subject=f"c:{i}", payload={})
        session.commit()
    assert stored_leaf_hashes(container) == []
    errors = []

    def run():
        try:
            for _ in range(10):
                with container.uow() as uow:
                    svc.integrate_pending(uow.session, container.settings, container.keys, limit=7)
                    uow.commit()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with container.uow() as uow:
        assert store.peek_state(uow.session).size == 120
        assert audit_log(uow.session, container.settings, container.keys) == []
    assert len(stored_leaf_hashes(container)) == 120


@both_backends
def test_sequencer_reads_events_in_exactly_the_form_their_leaves_record(container):
    times = [
        datetime(2026, 11, 29, 1, 2, 3, 0, tzinfo=UTC),
        datetime(2026, 11, 29, 9, 2, 3, 999999, tzinfo=timezone(timedelta(hours=8))),
        datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=timezone(timedelta(hours=-5))),
    ]
    subjects = ['quote " backslash \\', "tab\tnew\nline", "é 中 😀"]
    with container.engine.begin() as conn:
        conn.execute(
            sa.insert(Event),
            [
                {
                    "id": uuid.uuid4(),
                    "seq": n + 1,
                    "time": when,
                    "kind": f"kind.{n}",
                    "actor": "test",
                    "subject": subject,
                    "participant_ids": [],
                    "payload": {},
                    "payload_sha256": "ab" * 32,
                    "prev_hash": "0" * 64,
                    "hash": f"{n:064x}",
                }
                for n, (when, subject) in enumerate(zip(times, subjects, strict=True))
            ],
        )
    salts = bytes(range(32)) * len(times)
    with container.uow() as uow:
        pending = store.pending_events(uow.session, 0, 10)
        events = uow.session.execute(sa.select(Event).order_by(Event.seq)).scalars().all()
        expected = [svc.leaf_record(event, bytes(range(32))) for event in events]
        assert [tuple(row) for row in pending] == [
            (e.seq, r.event_id, r.kind, r.subject, r.payload_sha256, r.time)
            for e, r in zip(events, expected, strict=True)
        ]
        assert svc.leaf_hashes_of(pending, salts) == [leaf_hash(r.encode()) for r in expected]
