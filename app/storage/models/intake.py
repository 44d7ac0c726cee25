"""Intake bookkeeping: provider mandates to act for owners, and idempotency keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, utcnow


class ProviderMandate(Base):
    """A provider registered (by an admin) to push documents on behalf of an owner.

    Only with a mandate may a provider name the owner explicitly; otherwise the owner must be
    resolved from identifiers inside the document.
    """

    __tablename__ = "provider_mandates"
    __tenant_columns__ = ("provider_id", "owner_id")

    provider_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    owner_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyKey(Base):
    """One ``Idempotency-Key`` of one provider: the request it guarded and its stored answer."""

    __tablename__ = "idempotency_keys"

    provider_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    status_code: Mapped[int | None]
    response: Mapped[dict[str, Any] | None]
