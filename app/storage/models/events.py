"""The append-only, hash-chained event log and the transactional outbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, new_id, utcnow


class Event(Base):
    """One ingest, access or change; `hash` covers the row and the previous event's hash.

    Writers insert events unchained (`seq`, `prev_hash` and `hash` NULL); the ledger
    sequencer, the only chain writer, links them in order of time and signs them into the
    log in the same transaction. The partial index finds the unchained ones.
    """

    __tablename__ = "events"
    __table_args__ = (
        sa.Index(
            "ix_events_unchained",
            "time",
            "id",
            postgresql_where=sa.text("seq IS NULL"),
            sqlite_where=sa.text("seq IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    seq: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    time: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(sa.String(64), index=True)
    actor: Mapped[str] = mapped_column(sa.String(200))
    subject: Mapped[str] = mapped_column(sa.String(200), index=True)
    participant_ids: Mapped[list[Any]] = mapped_column(default=list)
    payload: Mapped[dict[str, Any]]
    payload_sha256: Mapped[str] = mapped_column(sa.String(64))
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)


class ChainHead(Base):
    """Single row holding the tip of the event chain; only the sequencer moves it."""

    __tablename__ = "event_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    hash: Mapped[str] = mapped_column(sa.String(64))


class OutboxMessage(Base):
    """A message committed with the state change it announces, published later by the relay.

    `dispatched_at` is set when every handler has applied the message. A message published
    but not dispatched long after is presumed lost by the broker and published again; the
    partial index finds those.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_unpublished", "published_at", "available_at"),
        sa.Index(
            "ix_outbox_undispatched",
            "published_at",
            postgresql_where=sa.text("dispatched_at IS NULL"),
            sqlite_where=sa.text("dispatched_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    topic: Mapped[str] = mapped_column(sa.String(64))
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    publish_attempts: Mapped[int] = mapped_column(default=0)
    dispatched_at: Mapped[datetime | None]


class TaskReceipt(Base):
    """Proof that a handler already applied a message: makes redelivery harmless."""

    __tablename__ = "task_receipts"

    message_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    handler: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    done_at: Mapped[datetime] = mapped_column(default=utcnow)
