"""SQL access for the log: stored subtree hashes, leaves, checkpoints, anchors and state."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.merkle import Node
from app.storage.models.ledger import (
    LedgerAnchor,
    LedgerCheckpoint,
    LedgerLeaf,
    LedgerNode,
    LedgerSalt,
    LedgerState,
)

#: Key of the PostgreSQL advisory lock that makes one sequencer/anchorer run at a time.
SEQUENCER_LOCK = 0x7472_6164_6567_01


class SqlSubtreeSource:
    """Answers a proof's subtree requests with one indexed query on ``ledger_nodes``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def subtree_hashes(self, nodes: Sequence[Node]) -> dict[Node, bytes]:
        """Fetch the requested (level, idx) hashes; absent ones are left out."""
        if not nodes:
            return {}
        by_level: dict[int, list[int]] = {}
        for level, idx in nodes:
            by_level.setdefault(level, []).append(idx)
        # One "level = L AND idx IN (...)" per level: both SQLite and PostgreSQL answer it
        # with primary-key lookups (a row-value IN list makes SQLite scan the table).
        condition = sa.or_(
            *(
                sa.and_(LedgerNode.level == level, LedgerNode.idx.in_(indexes))
                for level, indexes in by_level.items()
            )
        )
        rows = self.session.execute(
            sa.select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).where(condition)
        )
        return {(level, idx): digest for level, idx, digest in rows}


def lock_sequencer(session: Session) -> None:
    """Serialise sequencing and anchoring across processes for this transaction.

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


def add_leaves(
    session: Session,
    leaves: Sequence[LedgerLeaf],
    salts: Sequence[LedgerSalt],
    nodes: Mapping[Node, bytes],
) -> None:
    """Insert one batch: leaves, their salts and every subtree the batch completed."""
    session.add_all(salts)
    session.flush()
    session.execute(
        sa.insert(LedgerLeaf),
        [
            {
                "idx": leaf.idx,
                "event_id": leaf.event_id,
                "leaf_hash": leaf.leaf_hash,
                "integrated_at": leaf.integrated_at,
            }
            for leaf in leaves
        ],
    )
    session.execute(
        sa.insert(LedgerNode),
        [{"level": level, "idx": idx, "hash": digest} for (level, idx), digest in nodes.items()],
    )


def leaf_by_event(session: Session, event_id: uuid.UUID) -> LedgerLeaf | None:
    """The leaf that records an event, if it is integrated yet."""
    return session.execute(
        sa.select(LedgerLeaf).where(LedgerLeaf.event_id == event_id)
    ).scalar_one_or_none()


def leaf_at(session: Session, index: int) -> LedgerLeaf | None:
    """Leaf number ``index``."""
    return session.get(LedgerLeaf, index)


def salt_for(session: Session, event_id: uuid.UUID) -> bytes | None:
    """The salt of an event's leaf (None if shredded or never integrated)."""
    row = session.get(LedgerSalt, event_id)
    return row.salt if row is not None else None


def leaves_in_range(session: Session, start: int, end: int) -> list[LedgerLeaf]:
    """Leaves ``[start, end)`` in index order (for audits)."""
    return list(
        session.execute(
            sa.select(LedgerLeaf)
            .where(LedgerLeaf.idx >= start, LedgerLeaf.idx < end)
            .order_by(LedgerLeaf.idx)
        ).scalars()
    )


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


def all_anchored_checkpoints(session: Session) -> list[LedgerCheckpoint]:
    """Every checkpoint that holds at least one receipt, largest first."""
    return list(
        session.execute(
            sa.select(LedgerCheckpoint)
            .where(sa.exists().where(LedgerAnchor.checkpoint_id == LedgerCheckpoint.id))
            .order_by(LedgerCheckpoint.size.desc())
        ).scalars()
    )
