"""The transparency log of record: leaves, stored subtree hashes, checkpoints and anchors."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, new_id, utcnow


class LedgerLeaf(Base):
    """Leaf ``idx`` of the log: which event it records and its RFC 9162 leaf hash (append-only).

    The leaf data itself is rebuilt from the event and its salt, so editing either is caught.
    """

    __tablename__ = "ledger_leaves"

    idx: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    leaf_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    integrated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerNode(Base):
    """Hash of complete subtree ``(level, idx)``; a proof reads O(log n) of them (append-only)."""

    __tablename__ = "ledger_nodes"

    level: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))


class LedgerSalt(Base):
    """Per-event random salt, kept off the log so low-entropy events cannot be guessed."""

    __tablename__ = "ledger_salts"

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    salt: Mapped[bytes] = mapped_column(sa.LargeBinary(32))


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
