"""DCSA PINT envelope transfers received by this platform, and the accounts that may receive."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, new_id, utcnow


class PintAccount(Base):
    """A party on this platform that may receive eBLs, by one identifying code."""

    __tablename__ = "pint_accounts"
    __table_args__ = (sa.UniqueConstraint("code_list_provider", "party_code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    participant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    code_list_provider: Mapped[str] = mapped_column(sa.String(100))
    party_code: Mapped[str] = mapped_column(sa.String(150))
    party_name: Mapped[str] = mapped_column(sa.String(70))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PintEnvelope(Base):
    """One envelope transfer, ``open`` until it is ``accepted``, ``rejected`` or ``expired``."""

    __tablename__ = "pint_envelopes"
    __table_args__ = (
        sa.Index("ix_pint_envelopes_td_state", "transport_document_checksum", "state"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    sending_platform: Mapped[str] = mapped_column(sa.String(4))
    transport_document_checksum: Mapped[str] = mapped_column(sa.String(64))
    transport_document_reference: Mapped[str] = mapped_column(sa.String(100))
    last_entry_checksum: Mapped[str] = mapped_column(sa.String(64), index=True)
    last_entry: Mapped[str] = mapped_column(sa.Text)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    manifest: Mapped[dict[str, Any]]
    recipient: Mapped[dict[str, Any]]
    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("pint_accounts.id", ondelete="CASCADE")
    )
    state: Mapped[str] = mapped_column(sa.String(16))
    response_code: Mapped[str | None] = mapped_column(sa.String(4))
    document_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("documents.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class PintAdditionalDocument(Base):
    """A supporting document or the carrier's visualisation declared by an envelope manifest."""

    __tablename__ = "pint_additional_documents"

    envelope_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("pint_envelopes.id", ondelete="CASCADE"), primary_key=True
    )
    checksum: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(500))
    media_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    received_at: Mapped[datetime | None]


class PintChainEntry(Base):
    """A transfer-chain entry of an accepted envelope: what a later envelope must extend."""

    __tablename__ = "pint_chain_entries"

    checksum: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    transport_document_checksum: Mapped[str] = mapped_column(sa.String(64), index=True)
    position: Mapped[int]
    payload_checksum: Mapped[str] = mapped_column(sa.String(64))
    platform: Mapped[str] = mapped_column(sa.String(4))
    entry: Mapped[str] = mapped_column(sa.Text)
    envelope_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("pint_envelopes.id", ondelete="CASCADE")
    )


class PintTransfer(Base):
    """An eBL this hub sends to another platform: the signed envelope and how it went."""

    __tablename__ = "pint_transfers"
    __tenant_columns__ = ("participant_id",)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    participant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("documents.id", ondelete="CASCADE")
    )
    instance_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("connector_instances.id", ondelete="CASCADE")
    )
    transport_document_checksum: Mapped[str] = mapped_column(sa.String(64), index=True)
    target_platform: Mapped[str] = mapped_column(sa.String(4))
    action_code: Mapped[str] = mapped_column(sa.String(50))
    recipient: Mapped[dict[str, Any]]
    last_entry_checksum: Mapped[str] = mapped_column(sa.String(64))
    envelope: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    state: Mapped[str] = mapped_column(sa.String(16))
    response_code: Mapped[str | None] = mapped_column(sa.String(4))
    response: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
