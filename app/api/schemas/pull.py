"""Response models of the consented data API and the audit trail."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from app.api.schemas.read_model import ReadModel


class ConsentedDocumentRead(ReadModel):
    """A document's metadata, hashes and validation provenance, as a consumer sees it."""

    id: uuid.UUID
    doc_type: str
    version: str
    media_type: str
    owner_id: uuid.UUID
    provider_id: uuid.UUID
    reference: str | None
    document_date: date | None
    received_at: datetime
    size: int
    sha256: str
    canonical_sha256: str
    provenance: dict[str, Any]
    warnings: list[Any]


class ConsentedDocumentPage(BaseModel):
    consent_id: uuid.UUID
    items: list[ConsentedDocumentRead]
    next_cursor: str | None


class EventRead(ReadModel):
    """One hash-chained event; `hash` links it to `prev_hash` of its predecessor.

    `seq`, `prev_hash` and `hash` are null for the moment between the event's commit and
    the sequencer linking it into the chain (normally well under a second).
    """

    id: uuid.UUID
    seq: int | None
    time: datetime
    kind: str
    actor: str
    subject: str
    participant_ids: list[Any]
    payload: dict[str, Any]
    payload_sha256: str
    prev_hash: str | None
    hash: str | None


class EventPageRead(BaseModel):
    items: list[EventRead]
    next_cursor: str | None
