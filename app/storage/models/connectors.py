"""Connector instances configured by participants, and the routing rules that feed them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, new_id, utcnow


class ConnectorInstance(Base):
    """One configured use of a connector by a participant, e.g. bank A's webhook endpoint."""

    __tablename__ = "connector_instances"
    __tenant_columns__ = ("participant_id",)
    __table_args__ = (sa.UniqueConstraint("participant_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    participant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    connector: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(100))
    config: Mapped[dict[str, Any]]
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(500))
    poll_inbound: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Subscription(Base):
    """A routing rule: send `topic` notifications for the participant to an instance.

    Empty filter lists mean "any". Rules are evaluated when a delivery is attempted, so
    deleting a rule stops deliveries that are still waiting.
    """

    __tablename__ = "subscriptions"
    __tenant_columns__ = ("participant_id",)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    participant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    instance_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("connector_instances.id", ondelete="CASCADE"), index=True
    )
    topics: Mapped[list[Any]] = mapped_column(default=list)
    document_types: Mapped[list[Any]] = mapped_column(default=list)
    owner_ids: Mapped[list[Any]] = mapped_column(default=list)
    include_content: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConnectorStateEntry(Base):
    """One durable value or once-only claim a stateful connector keeps for an instance.

    ``value`` is ciphertext (the host encrypts it); ``claimed_until`` and ``completed_at``
    make ``key`` a claim that one worker holds at a time and that stays done once done.
    """

    __tablename__ = "connector_state"
    __table_args__ = (sa.UniqueConstraint("instance_id", "key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    instance_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("connector_instances.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(200))
    value: Mapped[str | None] = mapped_column(sa.Text)
    claimed_until: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
