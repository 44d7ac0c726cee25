"""Consents, their transition history and the fetch counters that enforce their limits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, new_id, utcnow
from app.storage.models.documents import Document


class Consent(Base):
    """One consent artefact: the owner's grant to a consumer, and where it stands."""

    __tablename__ = "consents"
    __tenant_columns__ = ("owner_id", "consumer_id")
    __table_args__ = (
        sa.UniqueConstraint("consumer_id", "idempotency_key"),
        sa.Index("ix_consents_consumer_created", "consumer_id", "created_at", "id"),
        sa.Index("ix_consents_owner_created", "owner_id", "created_at", "id"),
        sa.Index("ix_consents_status_valid_until", "status", "valid_until"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    owner_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participants.id"))
    consumer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participants.id"))
    provider_ids: Mapped[list[Any]] = mapped_column(default=list)
    document_types: Mapped[list[Any]]
    purpose_code: Mapped[str] = mapped_column(sa.String(64))
    purpose_text: Mapped[str] = mapped_column(sa.String(500))
    data_from: Mapped[datetime]
    data_to: Mapped[datetime]
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    fetch_type: Mapped[str] = mapped_column(sa.String(16))
    frequency_count: Mapped[int | None]
    frequency_unit: Mapped[str | None] = mapped_column(sa.String(8))
    data_life_days: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(16))
    status_reason: Mapped[str | None] = mapped_column(sa.String(500))
    requested_by: Mapped[str] = mapped_column(sa.String(200))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200))
    request_sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    artefact_jws: Mapped[str | None] = mapped_column(sa.Text)
    artefact_sha256: Mapped[str | None] = mapped_column(sa.String(64))


class ConsentTransition(Base):
    """One status change of a consent: who, in which capacity, when and why."""

    __tablename__ = "consent_transitions"
    __table_args__ = (sa.Index("ix_consent_transitions_consent_at", "consent_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    consent_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("consents.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(sa.String(16))
    source: Mapped[str | None] = mapped_column(sa.String(16))
    target: Mapped[str] = mapped_column(sa.String(16))
    actor: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    event_id: Mapped[uuid.UUID | None]


class ConsentAccessCounter(Base):
    """Fetches counted per consent, document (or the whole consent) and window.

    Kept in the database and incremented with one conditional upsert, so every API replica
    sees the same count and two concurrent pulls cannot both take the last slot.
    """

    __tablename__ = "consent_access_counters"

    consent_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("consents.id", ondelete="CASCADE"), primary_key=True
    )
    document_key: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    resource: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    window_key: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    window_end: Mapped[datetime | None] = mapped_column(index=True)


# Consented listings walk one owner's documents in receipt order (keyset pagination).
sa.Index("ix_documents_owner_received", Document.owner_id, Document.received_at, Document.id)
