"""Trusted public keys of carriers and eBL platforms, and what was learnt about each eBL."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, new_id, utcnow


class TrustedKey(Base):
    """One public key that signs for a carrier (code + code list provider) or an eBL platform.

    ``party_kind`` is ``carrier`` or ``platform``; a platform's ``code_list_provider`` is the
    empty string. A key is usable inside its validity window and until it is revoked.
    """

    __tablename__ = "trusted_keys"
    __table_args__ = (
        sa.UniqueConstraint(
            "party_kind",
            "party_code",
            "code_list_provider",
            "kid",
            name="uq_trusted_keys_party_kid",
        ),
        sa.Index("ix_trusted_keys_kid", "kid"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    party_kind: Mapped[str] = mapped_column(sa.String(16))
    party_code: Mapped[str] = mapped_column(sa.String(100))
    code_list_provider: Mapped[str] = mapped_column(sa.String(16), default="")
    kid: Mapped[str] = mapped_column(sa.String(200))
    kty: Mapped[str] = mapped_column(sa.String(8))
    alg: Mapped[str | None] = mapped_column(sa.String(16))
    jwk: Mapped[dict[str, Any]]
    thumbprint: Mapped[str] = mapped_column(sa.String(64))
    source: Mapped[str] = mapped_column(sa.String(8))
    not_before: Mapped[datetime | None]
    not_after: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(500))


class EblProvenance(Base):
    """How far the origin of one stored transport document could be proven, and why."""

    __tablename__ = "ebl_provenance"

    document_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    label: Mapped[str] = mapped_column(sa.String(24))
    reason: Mapped[str] = mapped_column(sa.String(64))
    carrier_code: Mapped[str | None] = mapped_column(sa.String(100))
    carrier_code_list_provider: Mapped[str | None] = mapped_column(sa.String(16))
    transport_document_reference: Mapped[str | None] = mapped_column(sa.String(100))
    transport_document_status: Mapped[str | None] = mapped_column(sa.String(50))
    document_checksum: Mapped[str] = mapped_column(sa.String(64))
    signer_kid: Mapped[str | None] = mapped_column(sa.String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    verified_at: Mapped[datetime] = mapped_column(default=utcnow)


class EblVersion(Base):
    """The life of one eBL, keyed by carrier and transport document reference.

    ``checksum`` is the document the hub holds as current; a different document under the
    same key after issue is kept out and listed in ``conflicts`` (never replaces it).
    """

    __tablename__ = "ebl_versions"
    __table_args__ = (
        sa.UniqueConstraint(
            "carrier_code",
            "carrier_code_list_provider",
            "transport_document_reference",
            name="uq_ebl_versions_carrier_reference",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    carrier_code: Mapped[str] = mapped_column(sa.String(100))
    carrier_code_list_provider: Mapped[str] = mapped_column(sa.String(16))
    transport_document_reference: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(50))
    checksum: Mapped[str] = mapped_column(sa.String(64))
    document_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("documents.id", ondelete="CASCADE")
    )
    history: Mapped[list[Any]] = mapped_column(default=list)
    conflicts: Mapped[list[Any]] = mapped_column(default=list)
    holder: Mapped[dict[str, Any] | None]
    holder_platform: Mapped[str | None] = mapped_column(sa.String(4))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
