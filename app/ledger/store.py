"""SQL access for the log: leaves, stored subtree hashes, salts, checkpoints, anchors, state."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from itertools import count

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.merkle import HASH_SIZE, Node, root_of_leaf_hashes
from app.storage.models import Event
from app.storage.models.ledger import (
    LedgerAnchor,
    LedgerCheckpoint,
    LedgerLeaf,
    LedgerNode,
    LedgerSalts,
    LedgerState,
)

#: Key of the PostgreSQL advisory lock that makes one sequencer run at a time.
SEQUENCER_LOCK = 0x7472_6164_6567_01
#: Subtrees below this level (fewer than 16 leaves) are recomputed from the leaves on read:
#: a batch then stores 1/16 + 1/32 + ... = 1/8 subtree row per leaf, while a proof reads at
#: most 15 more leaf rows than if every subtree were stored (one contiguous block).
MIN_STORED_LEVEL = 4
_INDEX_BITS = 56


def node_key(level: int, index: int) -> int:
    """Pack a subtree's (level, index) into the ``ledger_nodes`` primary key."""
    return level << _INDEX_BITS | index


def node_of_key(key: int) -> Node:
    """Unpack a ``ledger_nodes`` key."""
    return key >> _INDEX_BITS, key & ((1 << _INDEX_BITS) - 1)


_NODES = sa.select(sa.literal(1), LedgerNode.id, LedgerNode.hash).where(
    LedgerNode.id.in_(sa.bindparam("nodes", expanding=True))
)
_LEAVES = sa.select(sa.literal(0), LedgerLeaf.idx, LedgerLeaf.leaf_hash).where(
    LedgerLeaf.idx.in_(sa.bindparam("leaves", expanding=True))
)
#: The one statement a proof runs, built once: only the IN lists vary between proofs.
_SUBTREES: dict[
    tuple[bool, bool], sa.Select[int, int, bytes] | sa.CompoundSelect[int, int, bytes]
] = {
    (True, False): _NODES,
    (False, True): _LEAVES,
    (True, True): sa.union_all(_NODES, _LEAVES),
}


class SqlSubtreeSource:
    """Answers a proof's subtree requests with one query on leaves and stored subtrees."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def subtree_hashes(self, nodes: Sequence[Node]) -> dict[Node, bytes]:
        """Fetch the requested (level, idx) hashes; absent ones are left out."""
        stored = [node_key(*n) for n in nodes if n[0] >= MIN_STORED_LEVEL]
        small = [n for n in nodes if n[0] < MIN_STORED_LEVEL]
        leaf_ids = sorted({i for lv, ix in small for i in range(ix << lv, (ix + 1) << lv)})
        if not stored and not leaf_ids:
            return {}
        statement = _SUBTREES[bool(stored), bool(leaf_ids)]
        found: dict[Node, bytes] = {}
        leaves: dict[int, bytes] = {}
        rows = self.session.execute(statement, {"nodes": stored, "leaves": leaf_ids})
        for is_node, key, digest in rows:
            if is_node:
                found[node_of_key(key)] = digest
            else:
                leaves[key] = digest
        for level, index in small:
            below = [leaves.get(i) for i in range(index << level, (index + 1) << level)]
            if all(h is not None for h in below):
                found[(level, index)] = root_of_leaf_hashes(below)  # type: ignore[arg-type]
        return found


def lock_sequencer(session: Session) -> None:
    """Serialise sequencing and policy bookkeeping across processes for this transaction.

    PostgreSQL takes a transaction-scoped advisory lock; SQLite already runs one writer at a
    time (the engine begins every transaction IMMEDIATE).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(SEQUENCER_LOCK)))


def load_state(session: Session) -> LedgerState:
    """The bookkeeping row, created on first use."""
    state = session.get(LedgerState, 1)
    if state is None:
        state = LedgerState(id=1, size=0, last_event_seq=0, anchored_size=0, anchor_failures=0)
        session.add(state)
        session.flush()
    return state


def peek_state(session: Session) -> LedgerState | None:
    """The bookkeeping row for readers; None before the first batch."""
    return session.get(LedgerState, 1)


#: An event as its leaf records it, every field already in the leaf's string form:
#: (seq, event id, kind, subject, payload SHA-256, time).
PendingEvent = sa.Row[int, str, str, str, str, str]


#: (start, length) of the five groups of a UUID's 32 hex digits, SQL positions from 1.
_UUID_GROUPS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))


def _leaf_strings(dialect: str) -> tuple[sa.ColumnElement[str], sa.ColumnElement[str]]:
    """SQL for an event's id and time in their leaf form (``str(uuid)``, ``leaf_time``).

    The database formats them while it reads the rows, so the sequencer neither parses nor
    re-prints a UUID and a timestamp per leaf in Python. PostgreSQL prints a uuid in its
    canonical lower-case form and formats the UTC time itself. SQLite holds what SQLAlchemy
    wrote: the UUID as 32 lower-case hex digits and the UTC time as
    ``YYYY-MM-DD HH:MM:SS.ffffff`` (microseconds always present), which only need punctuation.
    """
    if dialect == "postgresql":
        return (
            sa.cast(Event.id, sa.Text),
            sa.func.to_char(
                sa.func.timezone("UTC", Event.time), 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'
            ),
        )
    if dialect == "sqlite":
        hex_id = sa.type_coerce(Event.id, sa.String)
        raw_time = sa.type_coerce(Event.time, sa.String)
        groups = [sa.func.substr(hex_id, start, length) for start, length in _UUID_GROUPS]
        return (
            functools.reduce(lambda left, right: left + "-" + right, groups),
            sa.func.substr(raw_time, 1, 10) + "T" + sa.func.substr(raw_time, 12, 15) + "+00:00",
        )
    raise NotImplementedError(f"the sequencer does not support {dialect}")


def pending_events(session: Session, after_seq: int, limit: int) -> Sequence[PendingEvent]:
    """The next ``limit`` events after ``after_seq`` in chain order, as leaf strings."""
    connection = session.connection()
    event_id, time = _leaf_strings(connection.dialect.name)
    seq = sa.type_coerce(Event.seq, sa.BigInteger).label("seq")  # not NULL past after_seq
    return connection.execute(
        sa.select(seq, event_id, Event.kind, Event.subject, Event.payload_sha256, time)
        .where(Event.seq > after_seq)
        .order_by(Event.seq)
        .limit(limit)
    ).all()


def add_batch(
    session: Session,
    start: int,
    leaf_hashes: Sequence[bytes],
    salts: bytes,
    nodes: Mapping[Node, bytes],
) -> None:
    """Insert one batch: its leaves, its salts and the large subtrees it completed."""
    connection = session.connection()
    connection.execute(
        sa.insert(LedgerLeaf),
        [{"idx": idx, "leaf_hash": h} for idx, h in zip(count(start), leaf_hashes, strict=False)],
    )
    connection.execute(sa.insert(LedgerSalts), [{"start_idx": start, "salts": salts}])
    rows = [
        {"id": node_key(level, index), "hash": digest}
        for (level, index), digest in nodes.items()
        if level >= MIN_STORED_LEVEL
    ]
    if rows:
        connection.execute(sa.insert(LedgerNode), rows)


def salt_at(session: Session, index: int) -> bytes | None:
    """The salt of leaf ``index`` (None if never integrated or shredded)."""
    offset = sa.cast((index - LedgerSalts.start_idx) * HASH_SIZE + 1, sa.Integer)
    row = session.execute(
        sa.select(sa.func.substr(LedgerSalts.salts, offset, HASH_SIZE))
        .where(LedgerSalts.start_idx <= index)
        .order_by(LedgerSalts.start_idx.desc())
        .limit(1)
    ).scalar_one_or_none()
    salt = bytes(row) if row is not None else b""
    return salt if len(salt) == HASH_SIZE and any(salt) else None


def all_salts(session: Session) -> dict[int, bytes]:
    """Every stored salt by leaf index (audits)."""
    salts: dict[int, bytes] = {}
    for start, blob in session.execute(sa.select(LedgerSalts.start_idx, LedgerSalts.salts)):
        for offset in range(len(blob) // HASH_SIZE):
            salts[start + offset] = bytes(blob[offset * HASH_SIZE : (offset + 1) * HASH_SIZE])
    return salts


def leaf_hashes(session: Session, size: int) -> Iterator[tuple[int, bytes]]:
    """(index, leaf hash) of leaves below ``size`` in order, streamed (audits)."""
    rows = session.execute(
        sa.select(LedgerLeaf.idx, LedgerLeaf.leaf_hash)
        .where(LedgerLeaf.idx < size)
        .order_by(LedgerLeaf.idx)
        .execution_options(yield_per=10_000)
    )
    return ((index, digest) for index, digest in rows)


def stored_nodes(session: Session) -> Iterator[tuple[Node, bytes]]:
    """Every stored subtree hash (audits)."""
    rows = session.execute(
        sa.select(LedgerNode.id, LedgerNode.hash).execution_options(yield_per=10_000)
    )
    return ((node_of_key(key), digest) for key, digest in rows)


def latest_checkpoint(session: Session) -> LedgerCheckpoint | None:
    """The checkpoint of the largest tree."""
    return session.execute(
        sa.select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc()).limit(1)
    ).scalar_one_or_none()


def checkpoint_of_size(session: Session, size: int) -> LedgerCheckpoint | None:
    """The checkpoint published for exactly ``size`` leaves."""
    return session.execute(
        sa.select(LedgerCheckpoint).where(LedgerCheckpoint.size == size)
    ).scalar_one_or_none()


def first_checkpoint_after(session: Session, size: int) -> LedgerCheckpoint | None:
    """The first checkpoint that grew the tree past ``size``: when those leaves arrived."""
    return session.execute(
        sa.select(LedgerCheckpoint)
        .where(LedgerCheckpoint.size > size)
        .order_by(LedgerCheckpoint.size)
        .limit(1)
    ).scalar_one_or_none()


def all_checkpoints(session: Session) -> list[LedgerCheckpoint]:
    """Every signed checkpoint, smallest first (audits)."""
    return list(
        session.execute(sa.select(LedgerCheckpoint).order_by(LedgerCheckpoint.size)).scalars()
    )


def add_checkpoint(session: Session, checkpoint: LedgerCheckpoint) -> None:
    """Record a newly signed checkpoint."""
    session.add(checkpoint)
    session.flush()


def anchors_from(session: Session, size: int) -> list[tuple[LedgerCheckpoint, LedgerAnchor]]:
    """Receipts of checkpoints at least ``size`` big, smallest checkpoint first."""
    rows = session.execute(
        sa.select(LedgerCheckpoint, LedgerAnchor)
        .join(LedgerAnchor, LedgerAnchor.checkpoint_id == LedgerCheckpoint.id)
        .where(LedgerCheckpoint.size >= size)
        .order_by(LedgerCheckpoint.size, LedgerAnchor.anchored_at)
    )
    return [(cp, anchor) for cp, anchor in rows]


def anchors_for(session: Session, checkpoint_id: uuid.UUID) -> list[LedgerAnchor]:
    """Receipts already held for one checkpoint."""
    return list(
        session.execute(
            sa.select(LedgerAnchor).where(LedgerAnchor.checkpoint_id == checkpoint_id)
        ).scalars()
    )


def first_anchor_time(session: Session, size: int, *, besides_kind: str) -> datetime | None:
    """When a checkpoint of at least ``size`` leaves was first anchored by a sink of another
    kind than ``besides_kind`` (the ``none`` sink anchors nothing)."""
    return session.execute(
        sa.select(sa.func.min(LedgerAnchor.anchored_at))
        .join(LedgerCheckpoint, LedgerAnchor.checkpoint_id == LedgerCheckpoint.id)
        .where(LedgerCheckpoint.size >= size, LedgerAnchor.kind != besides_kind)
    ).scalar_one_or_none()
