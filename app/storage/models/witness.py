"""Log witnessing: the logs this hub cosigns, and the cosignatures its own checkpoints got."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, new_id, utcnow


class WitnessedLog(Base):
    """A log this hub witnesses, and the latest checkpoint it cosigned for it.

    ``size`` and ``root_hash`` only move forward, by a compare-and-swap on the size and root
    they held when the request was checked, so two replicas never cosign two trees at one
    size. ``note`` is the last cosigned checkpoint with the log's signature and ours.
    """

    __tablename__ = "witnessed_logs"

    origin: Mapped[str] = mapped_column(sa.String(500), primary_key=True)
    vkey: Mapped[str] = mapped_column(sa.Text)
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    root_hash: Mapped[bytes | None] = mapped_column(sa.LargeBinary(32))
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerCosignature(Base):
    """A witness's cosignature line on one of this hub's checkpoints (as the witness sent it)."""

    __tablename__ = "ledger_cosignatures"
    __table_args__ = (sa.UniqueConstraint("checkpoint_id", "witness_vkey"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    checkpoint_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("ledger_checkpoints.id"), index=True
    )
    size: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    witness_vkey: Mapped[str] = mapped_column(sa.Text)
    line: Mapped[str] = mapped_column(sa.Text)
    cosigned_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WitnessSubmission(Base):
    """Where this hub stands with one of its witnesses: the size the witness last cosigned
    for our log, and the retry schedule after failures."""

    __tablename__ = "witness_submissions"

    witness_vkey: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    witness_size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
