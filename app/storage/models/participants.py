"""Participants, their roles and external identifiers, API clients and dashboard users."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.storage.base import Base, new_id, utcnow


class Role(enum.StrEnum):
    PROVIDER = "provider"
    CONSUMER = "consumer"
    OWNER = "owner"
    ADMIN = "admin"


class IdentifierScheme(enum.StrEnum):
    LEI = "LEI"
    DUNS = "DUNS"
    TAX = "TAX"
    BIC = "BIC"
    EORI = "EORI"
    GLN = "GLN"
    DCSA = "DCSA"
    OTHER = "OTHER"


class Participant(Base):
    __tablename__ = "participants"
    __tenant_columns__ = ("id",)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    roles: Mapped[list[ParticipantRole]] = relationship(
        lazy="raise", cascade="all, delete-orphan", back_populates="participant"
    )
    identifiers: Mapped[list[ParticipantIdentifier]] = relationship(
        lazy="raise", cascade="all, delete-orphan", back_populates="participant"
    )

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}


class ParticipantRole(Base):
    __tablename__ = "participant_roles"

    participant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    participant: Mapped[Participant] = relationship(lazy="raise", back_populates="roles")


class ParticipantIdentifier(Base):
    """An external identifier (LEI, DUNS, tax id...) used to resolve document owners."""

    __tablename__ = "participant_identifiers"
    __table_args__ = (sa.UniqueConstraint("scheme", "value"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    participant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    scheme: Mapped[str] = mapped_column(sa.String(16))
    value: Mapped[str] = mapped_column(sa.String(100))
    participant: Mapped[Participant] = relationship(lazy="raise", back_populates="identifiers")


class ApiClient(Base):
    """OAuth client of a participant: a hashed secret or a registered public JWK."""

    __tablename__ = "api_clients"
    __tenant_columns__ = ("participant_id",)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    client_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    secret_hash: Mapped[str | None] = mapped_column(sa.String(200))
    public_jwk: Mapped[dict[str, Any] | None]
    scopes: Mapped[list[Any]]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rotated_at: Mapped[datetime | None]


class DashboardUser(Base):
    """A person who logs into the dashboard (an admin, or an owner's staff)."""

    __tablename__ = "dashboard_users"
    __tenant_columns__ = ("participant_id",)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClientAssertion(Base):
    """Seen `private_key_jwt` assertion ids, so an assertion cannot be replayed."""

    __tablename__ = "client_assertions"

    jti: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
