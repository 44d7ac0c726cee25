"""Request and response models for peering (admin) and hub-to-hub calls."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas.read_model import ReadModel


class PeerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=500, description="The peer hub's base URL (https)")
    pin: str = Field(
        min_length=3,
        max_length=500,
        description="The peer's log verifier key (C2SP vkey), obtained out of band",
    )


class PeerSuspend(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=500)


class PeerRead(ReadModel):
    id: uuid.UUID
    name: str
    issuer: str
    base_url: str
    jurisdiction: str
    log_origin: str
    log_key: str
    api_base: str
    witness_endpoint: str | None
    status: str
    status_reason: str | None
    created_at: datetime
    updated_at: datetime


class PeerGreeting(BaseModel):
    """How a hub sees the peer that called it: checks peering end to end."""

    hub: str
    jurisdiction: str | None
    caller: str
    caller_jurisdiction: str
