"""Response models of the consented data API and the audit trail."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from app.storage.models import Document, Event


class ConsentedDocumentRead(BaseModel):
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

    @classmethod
    def of(cls, d: Document) -> ConsentedDocumentRead:
        return cls(
            id=d.id,
            doc_type=d.doc_type,
            version=d.version,
            media_type=d.media_type,
            owner_id=d.owner_id,
            provider_id=d.provider_id,
            reference=d.reference,
            document_date=d.document_date,
            received_at=d.received_at,
            size=d.size,
            sha256=d.sha256,
            canonical_sha256=d.canonical_sha256,
            provenance=d.provenance,
            warnings=d.warnings,
        )


class ConsentedDocumentPage(BaseModel):
    consent_id: uuid.UUID
    items: list[ConsentedDocumentRead]
    next_cursor: str | None


class EventRead(BaseModel):
    """One hash-chained event; `hash` links it to `prev_hash` of its predecessor."""

    id: uuid.UUID
    seq: int
    time: datetime
    kind: str
    actor: str
    subject: str
    participant_ids: list[Any]
    payload: dict[str, Any]
    payload_sha256: str
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, e: Event) -> EventRead:
        return cls(
            id=e.id,
            seq=e.seq,
            time=e.time,
            kind=e.kind,
            actor=e.actor,
            subject=e.subject,
            participant_ids=list(e.participant_ids),
            payload=e.payload,
            payload_sha256=e.payload_sha256,
            prev_hash=e.prev_hash,
            hash=e.hash,
        )


class EventPageRead(BaseModel):
    items: list[EventRead]
    next_cursor: str | None
