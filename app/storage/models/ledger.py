"""The transparency log of record: leaves, stored subtree hashes, checkpoints and anchors."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, new_id, utcnow


class LedgerLeaf(Base):
    """Leaf ``idx`` of the log and its RFC 9162 leaf hash (append-only).

    Leaf ``idx`` records the event with ``seq = idx + 1``: the sequencer integrates events in
    chain order, so the mapping needs no column. The leaf data is rebuilt from the event and
    its salt, so editing either one is caught.
    """

    __tablename__ = "ledger_leaves"

    idx: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))


class LedgerNode(Base):
    """Hash of a complete subtree of 16 or more leaves (append-only).

    ``id`` packs the subtree's (level, index) as ``level << 56 | index``; smaller subtrees are
    recomputed from at most 16 adjacent leaves, which keeps appends at 1.125 rows per leaf
    while a proof still reads O(log n) rows. (Logs written when the bound was 8 leaves also
    hold level-3 subtrees; readers ignore them and audits still check them.)
    """

    __tablename__ = "ledger_nodes"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))


class LedgerSalts(Base):
    """The per-event salts of one sequencer batch, 32 bytes per leaf from ``start_idx``.

    Kept off the log (and mutable, unlike it), so a salt can be shredded without touching the
    leaves; without the salt a low-entropy event cannot be guessed from its leaf hash.
    """

    __tablename__ = "ledger_salts"

    start_idx: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    salts: Mapped[bytes] = mapped_column(sa.LargeBinary)


class LedgerCheckpoint(Base):
    """A signed tree head, exactly as published (C2SP signed note)."""

    __tablename__ = "ledger_checkpoints"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    size: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    root_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    note: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LedgerAnchor(Base):
    """A receipt from an anchor sink for one checkpoint; a checkpoint may hold several."""

    __tablename__ = "ledger_anchors"
    __table_args__ = (sa.UniqueConstraint("checkpoint_id", "sink"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    checkpoint_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("ledger_checkpoints.id"), index=True
    )
    sink: Mapped[str] = mapped_column(sa.String(500))
    kind: Mapped[str] = mapped_column(sa.String(64))
    receipt: Mapped[dict[str, Any]]
    anchored_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerState(Base):
    """The sequencer's and the anchoring policy's bookkeeping (one row, id = 1)."""

    __tablename__ = "ledger_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    last_event_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    anchored_size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    last_anchor_at: Mapped[datetime | None]
    unanchored_since: Mapped[datetime | None]
    anchor_failures: Mapped[int] = mapped_column(default=0)
    next_anchor_attempt_at: Mapped[datetime | None]
    last_anchor_error: Mapped[str | None] = mapped_column(sa.Text)
