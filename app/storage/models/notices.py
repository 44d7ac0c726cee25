"""Notices a consumer must acknowledge, and the deletion receipts it owes once a consent ends."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, new_id, utcnow

_UNACKNOWLEDGED = sa.text("acknowledged_at IS NULL")
_UNFILED = sa.text("receipt_id IS NULL")


class Notice(Base):
    """A consent stopped giving access; its consumer must acknowledge that by `due_at`.

    The partial index serves the check every pull makes: does this consumer have an
    unacknowledged notice past its deadline?
    """

    __tablename__ = "notices"
    __tenant_columns__ = ("consumer_id", "owner_id")
    __table_args__ = (
        sa.Index(
            "ix_notices_consumer_unacknowledged",
            "consumer_id",
            "due_at",
            postgresql_where=_UNACKNOWLEDGED,
            sqlite_where=_UNACKNOWLEDGED,
        ),
        sa.Index("ix_notices_consumer_issued", "consumer_id", "issued_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    consent_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("consents.id", ondelete="CASCADE"), index=True
    )
    consumer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participants.id"))
    owner_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participants.id"))
    consent_status: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(sa.String(200))

    @classmethod
    def overdue_at(
        cls, moment: datetime | sa.BindParameter[datetime]
    ) -> list[sa.ColumnElement[bool]]:
        """Conditions of a notice still unacknowledged when its deadline has passed."""
        return [cls.acknowledged_at.is_(None), cls.due_at <= moment]


class DeletionObligation(Base):
    """A consent ended after its consumer fetched documents: a receipt is due at `due_at`.

    `documents` is what the audit log says the consumer was served (id, hash, last fetch),
    frozen when the consent ended, so a receipt is judged against exactly that.
    """

    __tablename__ = "deletion_obligations"
    __tenant_columns__ = ("consumer_id", "owner_id")
    __table_args__ = (
        sa.Index(
            "ix_deletion_obligations_consumer_unfiled",
            "consumer_id",
            "due_at",
            postgresql_where=_UNFILED,
            sqlite_where=_UNFILED,
        ),
    )

    consent_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("consents.id", ondelete="CASCADE"), primary_key=True
    )
    consumer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participants.id"))
    owner_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participants.id"))
    documents: Mapped[list[Any]]
    due_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    receipt_id: Mapped[uuid.UUID | None]

    @classmethod
    def unfiled_at(cls, moment: datetime) -> list[sa.ColumnElement[bool]]:
        """Conditions of a receipt due by `moment` and still not filed."""
        return [cls.receipt_id.is_(None), cls.due_at <= moment]


class DeletionReceipt(Base):
    """A verified receipt as filed: the JWS itself and what it was found to say."""

    __tablename__ = "deletion_receipts"
    __tenant_columns__ = ("consumer_id", "owner_id")

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    consent_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("consents.id", ondelete="CASCADE"), unique=True
    )
    consumer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participants.id"))
    owner_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participants.id"))
    jws: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    algorithm: Mapped[str] = mapped_column(sa.String(8))
    key_thumbprint: Mapped[str] = mapped_column(sa.String(64))
    public_jwk: Mapped[dict[str, Any]]
    method: Mapped[str] = mapped_column(sa.String(16))
    deleted_at: Mapped[datetime]
    documents: Mapped[list[Any]]
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    filed_by: Mapped[str] = mapped_column(sa.String(200))
    event_id: Mapped[uuid.UUID]


class ReceiptNonce(Base):
    """A single-use challenge a receipt must carry, so an old receipt cannot be replayed."""

    __tablename__ = "receipt_nonces"

    value: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    consent_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("consents.id", ondelete="CASCADE"), index=True
    )
    consumer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participants.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
