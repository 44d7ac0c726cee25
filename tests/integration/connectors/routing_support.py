"""Stand-ins for routing tests: consents kept in memory, documents stored as intake does."""

from __future__ import annotations

import hashlib
import uuid

from app.container import Container
from app.services.access.coverage import CoveringConsent
from app.services.common.outbox import enqueue
from app.storage.models import Document, Participant

TRANSPORT_DOCUMENT = b'{"transportDocumentReference":"TDR1"}'


class FakeConsents:
    """Stands in for consent storage: which consumers may hear of which owner's documents."""

    def __init__(self) -> None:
        self.grants: dict[tuple[uuid.UUID, uuid.UUID], bool] = {}

    def grant(self, owner: Participant, consumer: Participant, push_content: bool = False) -> None:
        self.grants[(owner.id, consumer.id)] = push_content

    def revoke(self, owner: Participant, consumer: Participant) -> None:
        self.grants.pop((owner.id, consumer.id), None)

    def __call__(self, session, document: Document) -> list[CoveringConsent]:  # type: ignore[no-untyped-def]
        return [
            CoveringConsent(consumer_id=consumer, consent_id=None, push_content=push)
            for (owner, consumer), push in self.grants.items()
            if owner == document.owner_id
        ]


def accept_document(
    container: Container,
    owner: Participant,
    provider: Participant,
    doc_type: str = "dcsa.transport-document",
    content: bytes = TRANSPORT_DOCUMENT,
) -> uuid.UUID:
    """What intake does on acceptance: the document and its announcement in one commit."""
    with container.uow() as uow:
        document = Document(
            doc_type=doc_type,
            version="3.0.3",
            media_type="application/json",
            owner_id=owner.id,
            provider_id=provider.id,
            reference="TDR1",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            canonical_sha256="b" * 64,
            content=content,
            provenance={},
            warnings=[],
        )
        uow.session.add(document)
        uow.session.flush()
        enqueue(
            uow.session,
            topic="document.accepted",
            key=f"document.accepted:{document.id}",
            payload={"document_id": str(document.id)},
        )
        uow.commit()
    return document.id
