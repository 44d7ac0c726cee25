"""Peer hubs this hub federates with, and the peer assertions already spent."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.base import Base, new_id, utcnow


class PeerStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


class Peer(Base):
    """Another hub, pinned by its log verifier key.

    Everything but the pin comes from the peer's metadata as signed by that key when it was
    added (kept in ``metadata_note``, the evidence), so pinning the key pins the rest.
    """

    __tablename__ = "peers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    issuer: Mapped[str] = mapped_column(sa.String(500), unique=True)
    base_url: Mapped[str] = mapped_column(sa.String(500))
    jurisdiction: Mapped[str] = mapped_column(sa.String(2))
    log_origin: Mapped[str] = mapped_column(sa.String(500))
    log_key: Mapped[str] = mapped_column(sa.String(500))
    jwks: Mapped[dict[str, Any]]
    api_base: Mapped[str] = mapped_column(sa.String(500))
    witness_endpoint: Mapped[str | None] = mapped_column(sa.String(500))
    metadata_note: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default=PeerStatus.ACTIVE)
    status_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PeerAssertion(Base):
    """A peer's assertion id seen here, kept until the assertion expires: one use only.

    In the database, so every API replica refuses an assertion any other one has accepted.
    """

    __tablename__ = "peer_assertions"

    peer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("peers.id", ondelete="CASCADE"), primary_key=True
    )
    jti: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
