"""Request and response models for peering (admin) and hub-to-hub calls."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

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


SHA256_PATTERN = r"^[0-9a-f]{64}$"


class HashMatchQuestion(BaseModel):
    """What a lender asks its hub: does this peer hold a document with this hash?"""

    model_config = ConfigDict(extra="forbid")

    peer: str = Field(min_length=1, max_length=100, description="The peer hub's name")
    sha256: str = Field(
        pattern=SHA256_PATTERN, description="Canonical SHA-256 of the document (lower-case hex)"
    )


class PeerHashMatchQuestion(BaseModel):
    """What a hub asks its peer; the nonce comes back in the signed statement."""

    model_config = ConfigDict(extra="forbid")

    sha256: str = Field(pattern=SHA256_PATTERN)
    nonce: str = Field(pattern=r"^[A-Za-z0-9_-]{16,64}$")


class HashMatchEvidenceRead(BaseModel):
    format: str
    statement: str = Field(description="C2SP signed note by the peer's log key")
    checkpoint: str | None = Field(description="The peer's signed checkpoint (when found)")
    leaf: dict[str, Any] | None
    inclusion: dict[str, Any] | None


class HashMatchAnswer(BaseModel):
    """The verified answer; `evidence` verifies offline with `tradegate verify --statement`."""

    peer: str
    jurisdiction: str
    sha256: str
    found: bool
    origin: str
    hub: str
    asked_by: str
    issued_at: str
    document_type: str | None = None
    provider_kind: str | None = None
    accepted_at: str | None = None
    anchored_at: str | None = None
    leaf_index: int | None = None
    leaf_hash: str | None = None
    tree_size: int | None = None
    evidence: HashMatchEvidenceRead
