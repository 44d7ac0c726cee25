"""Financing registrations, their keyed fingerprints, and the probes that rate-limit checks."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, new_id, utcnow


class FinancingRegistration(Base):
    """A lender's statement that it finances (or intends to finance) one document.

    ``assessment`` is what the lender was told when it registered (statuses and counts
    only), kept so that the registration event and the row say the same.
    """

    __tablename__ = "financing_registrations"
    __tenant_columns__ = ("lender_id",)
    __table_args__ = (
        sa.Index("ix_financing_registrations_lender_created", "lender_id", "created_at", "id"),
        sa.Index("ix_financing_registrations_open_expiry", "state", "expires_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    lender_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE")
    )
    document_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    doc_type: Mapped[str] = mapped_column(sa.String(64))
    state: Mapped[str] = mapped_column(sa.String(16))
    # Decimal text, exact on every backend (SQLite has no decimal type).
    amount: Mapped[str] = mapped_column(sa.String(32))
    currency: Mapped[str] = mapped_column(sa.String(3))
    maturity: Mapped[date] = mapped_column(sa.Date)
    expires_at: Mapped[datetime]
    lender_reference: Mapped[str] = mapped_column(sa.String(100))
    reason: Mapped[str | None] = mapped_column(sa.String(32))
    assessment: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FinancingFingerprint(Base):
    """One keyed fingerprint of a registration's document.

    The lender, the open flag and the expiry are copied from the registration so that a
    check is one index range scan on ``value`` with no join.
    """

    __tablename__ = "financing_fingerprints"

    value: Mapped[bytes] = mapped_column(sa.LargeBinary(32), primary_key=True)
    key_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    registration_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("financing_registrations.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    definition: Mapped[str] = mapped_column(sa.String(64))
    match: Mapped[str] = mapped_column(sa.String(16))
    lender_id: Mapped[uuid.UUID]
    open: Mapped[bool] = mapped_column(default=True)
    expires_at: Mapped[datetime]


class FinancingProbe(Base):
    """A distinct document a lender checked without being able to read it, per day.

    Counting these rows bounds how many documents a lender can probe for other lenders'
    registrations.
    """

    __tablename__ = "financing_probes"

    lender_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    document_sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
