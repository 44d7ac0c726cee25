"""Request and response models shared by the foundation routers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.storage.models import ApiClient, Participant


class ParticipantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    roles: list[str] = Field(min_length=1)
    identifiers: list[str] = Field(default_factory=list, description="SCHEME:VALUE, e.g. LEI:...")
    country: str | None = Field(default=None, pattern="^[A-Z]{2}$")


class ParticipantRead(BaseModel):
    id: uuid.UUID
    name: str
    country: str | None
    roles: list[str]
    identifiers: list[str]
    created_at: datetime

    @classmethod
    def of(cls, p: Participant) -> ParticipantRead:
        return cls(
            id=p.id,
            name=p.name,
            country=p.country,
            roles=sorted(p.role_names),
            identifiers=sorted(f"{i.scheme}:{i.value}" for i in p.identifiers),
            created_at=p.created_at,
        )


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] | None = None
    public_jwk: dict[str, Any] | None = Field(
        default=None, description="Register for private_key_jwt instead of a secret"
    )


class ClientRead(BaseModel):
    client_id: str
    participant_id: uuid.UUID
    name: str
    scopes: list[str]
    auth_method: str
    active: bool
    client_secret: str | None = Field(default=None, description="Shown once, at creation")

    @classmethod
    def of(cls, c: ApiClient, secret: str | None = None) -> ClientRead:
        return cls(
            client_id=c.client_id,
            participant_id=c.participant_id,
            name=c.name,
            scopes=list(c.scopes),
            active=c.active,
            client_secret=secret,
            auth_method="private_key_jwt" if c.public_jwk else "client_secret_basic",
        )


class WhoAmI(BaseModel):
    participant_id: uuid.UUID
    client_id: str
    scopes: list[str]
    roles: list[str]
