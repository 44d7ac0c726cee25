"""Response models of consented transfer between hubs."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from pydantic import BaseModel, Field

from app.ledger.bundle import ProofBundle
from app.services.crossings.fetching import CrossedDocument, CrossedDocumentMeta, ReceivedDocument
from app.services.crossings.serving import ServedDocument


def crossed_document(consent_id: uuid.UUID, served: ServedDocument) -> CrossedDocument:
    """What the holding hub sends a peer: the same model the peer parses it with."""
    document = served.document
    return CrossedDocument(
        consent_id=consent_id,
        document=CrossedDocumentMeta(
            id=document.id,
            doc_type=document.doc_type,
            version=document.version,
            media_type=document.media_type,
            sha256=document.sha256,
            canonical_sha256=document.canonical_sha256,
            reference=document.reference,
            received_at=document.received_at,
            size=document.size,
        ),
        content=base64.b64encode(document.content).decode("ascii"),
        proof=served.bundle,
    )


class VerificationCheck(BaseModel):
    check: str
    ok: bool
    skipped: bool
    reason: str | None
    detail: str


class ReceivedDocumentRead(BaseModel):
    """A document fetched from a peer hub for the caller, after this hub checked it."""

    peer: str = Field(description="The peer hub that holds the document")
    consent_id: uuid.UUID = Field(description="The consent at the peer it was sent under")
    crossing_id: uuid.UUID = Field(description="This hub's record of the crossing")
    document: CrossedDocumentMeta
    content: str = Field(description="The original bytes, base64; they hash to document.sha256")
    proof: ProofBundle = Field(
        description="The peer's proof bundle: verify offline with `tradegate verify`"
    )
    checks: list[VerificationCheck] = Field(
        description="What this hub verified against the peer's pinned log key"
    )

    @classmethod
    def of(cls, received: ReceivedDocument) -> ReceivedDocumentRead:
        checks: list[dict[str, Any]] = received.checks
        return cls(
            peer=received.peer,
            consent_id=received.consent_id,
            crossing_id=received.crossing_id,
            document=received.meta,
            content=base64.b64encode(received.content).decode("ascii"),
            proof=received.proof,
            checks=[VerificationCheck(**c) for c in checks],
        )
