"""Notifications addressed to participants, their delivery records and the events-feed cursor."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, new_id, utcnow


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    DEAD = "dead"
    CANCELLED = "cancelled"


class Notification(Base):
    """One message for one participant; `seq` orders that participant's events feed.

    Its id is the idempotency key (`webhook-id`) every channel carries, so a consumer
    reading both the feed and a webhook can drop the second copy.
    """

    __tablename__ = "notifications"
    __tenant_columns__ = ("participant_id",)
    __table_args__ = (
        sa.UniqueConstraint("participant_id", "seq"),
        sa.UniqueConstraint("participant_id", "source_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    participant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    topic: Mapped[str] = mapped_column(sa.String(64))
    source_key: Mapped[str] = mapped_column(sa.String(200))
    document_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedCursor(Base):
    """Per participant: the last feed sequence number handed out and the last acknowledged.

    Allocating `head_seq` locks this row until commit, so one participant's notifications
    become visible in sequence order and a reader never skips one that commits late.
    """

    __tablename__ = "feed_cursors"

    participant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    head_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    acked_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class Delivery(Base):
    """A notification's journey to one connector instance."""

    __tablename__ = "deliveries"
    __tenant_columns__ = ("participant_id",)
    __table_args__ = (
        sa.UniqueConstraint("notification_id", "instance_id"),
        sa.Index("ix_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    notification_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("notifications.id", ondelete="CASCADE")
    )
    instance_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("connector_instances.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    schedule_seq: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
    last_status_code: Mapped[int | None]
    next_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
