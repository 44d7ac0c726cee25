"""OPRF outputs of open financing registrations, which peer hubs test their own against."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base


class FinancingOprfOutput(Base):
    """``y = OPRF(k, input)`` of one normalised field combination of an open registration.

    Only open registrations have rows: settling, cancelling and expiring delete them, so a
    peer's bucket query sees the active set and nothing of the past. The primary key leads
    with (key id, value), so a bucket (every value under one key starting with a prefix) is
    one index range scan whatever prefix length the hub serves; no lender, amount or
    document is kept here, and the value cannot be inverted without the hub's OPRF key.
    """

    __tablename__ = "financing_oprf_outputs"

    key_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[bytes] = mapped_column(sa.LargeBinary(64), primary_key=True)
    registration_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("financing_registrations.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    definition: Mapped[str] = mapped_column(sa.String(64))
    match: Mapped[str] = mapped_column(sa.String(16))
    expires_at: Mapped[datetime]
