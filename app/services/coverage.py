"""Which consumers an accepted document may be announced to: those whose consent covers it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.storage.models import Document


@dataclass(frozen=True)
class CoveringConsent:
    """A consumer entitled to hear of a document, and whether it may receive the content."""

    consumer_id: uuid.UUID
    consent_id: uuid.UUID | None
    push_content: bool = False


def covering_consumers(session: Session, document: Document) -> list[CoveringConsent]:
    """Consumers holding an ACTIVE consent that covers `document` right now.

    Consent storage is not part of this module's tables; until it is wired in no
    consumer is covered, so nothing is announced to anybody (the safe default).
    """
    return []
