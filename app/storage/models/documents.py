"""Accepted trade documents: original bytes, hashes and validation provenance."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, new_id, utcnow


class Document(Base):
    __tablename__ = "documents"
    __tenant_columns__ = ("owner_id", "provider_id")
    __table_args__ = (
        sa.Index("ix_documents_owner_type_date", "owner_id", "doc_type", "document_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    doc_type: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[str] = mapped_column(sa.String(32))
    media_type: Mapped[str] = mapped_column(sa.String(200))
    owner_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participants.id"))
    provider_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participants.id"), index=True)
    reference: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    document_date: Mapped[date | None] = mapped_column(sa.Date)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    canonical_sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    provenance: Mapped[dict[str, Any]]
    warnings: Mapped[list[Any]] = mapped_column(default=list)
