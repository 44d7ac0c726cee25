"""Request and response models for sending eBLs to other PINT platforms."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas.read_model import ReadModel


class TransferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_id: uuid.UUID = Field(description="The eBL as received here over PINT")
    instance_id: uuid.UUID = Field(description="The pint connector instance of the peer platform")
    action_code: str = Field(default="TRANSFER", description="TRANSFER, ENDORSE, ...")
    recipient: dict[str, Any] = Field(
        description="PINT RecipientParty: partyName, eblPlatform, identifyingCodes"
    )


class TransferRead(ReadModel):
    id: uuid.UUID
    document_id: uuid.UUID
    instance_id: uuid.UUID
    target_platform: str
    action_code: str
    recipient: dict[str, Any]
    last_entry_checksum: str
    state: str
    response_code: str | None
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
