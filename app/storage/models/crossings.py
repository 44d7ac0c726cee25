"""Consumers at peer hubs named in local consents, and every document crossing to or from a peer."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, new_id, utcnow


class RemoteConsumer(Base):
    """A consumer registered at a peer hub, standing here as a local participant.

    Consents, counters, notices and audit events all name a local participant; the remote
    consumer gets one (role consumer, no API client, so nobody signs in as it) and this row
    says which peer's consumer it is. Only that peer, authenticated as itself, pulls for it.
    """

    __tablename__ = "remote_consumers"
    __table_args__ = (sa.UniqueConstraint("peer_name", "consumer_ref"),)

    participant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    peer_name: Mapped[str] = mapped_column(sa.String(100))
    consumer_ref: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrossingDirection:
    """OUT: a document (or a refusal) leaving this hub; IN: one received from a peer."""

    OUT = "OUT"
    IN = "IN"


class CrossingOutcome:
    ALLOWED = "ALLOWED"
    REFUSED = "REFUSED"


class Crossing(Base):
    """One attempt to move a document across hubs, allowed or refused, with why.

    Written in the same transaction as its `federation.crossing` event, so the record and
    the ledger leaf never disagree. `participant_id` is the local party it concerns: the
    owner at the sending hub, the lender at the receiving hub.
    """

    __tablename__ = "crossings"
    __tenant_columns__ = ("participant_id",)
    __table_args__ = (
        sa.Index("ix_crossings_at", "at", "id"),
        sa.Index("ix_crossings_peer_at", "peer_name", "at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    direction: Mapped[str] = mapped_column(sa.String(3))
    peer_name: Mapped[str] = mapped_column(sa.String(100))
    peer_jurisdiction: Mapped[str | None] = mapped_column(sa.String(2))
    consent_id: Mapped[uuid.UUID | None]
    document_id: Mapped[uuid.UUID | None]
    doc_type: Mapped[str | None] = mapped_column(sa.String(64))
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    participant_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    remote_consumer: Mapped[str | None] = mapped_column(sa.String(200))
    outcome: Mapped[str] = mapped_column(sa.String(8))
    reason: Mapped[str | None] = mapped_column(sa.String(64))
    rule: Mapped[str | None] = mapped_column(sa.String(80))
    rules_version: Mapped[str | None] = mapped_column(sa.String(64))
    detail: Mapped[str] = mapped_column(sa.String(500), default="")
    event_id: Mapped[uuid.UUID]
