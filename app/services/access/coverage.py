"""Which consumers an accepted document may be announced to: those whose consent covers it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.consent import ConsentStatus
from app.domain.consent_policy import evaluate_access
from app.domain.purposes import PurposeCatalogue
from app.services.access.pull import facts_of
from app.services.consents.purposes import cached_catalogue, catalogue_for
from app.services.consents.service import terms_of
from app.storage.base import utcnow
from app.storage.models import Consent, Document


@dataclass(frozen=True)
class CoveringConsent:
    """A consumer entitled to hear of a document, and whether it may receive the content."""

    consumer_id: uuid.UUID
    consent_id: uuid.UUID | None
    push_content: bool = False


def _catalogue(session: Session) -> PurposeCatalogue:
    # The composition root puts itself in every session it opens (see app.container).
    context = session.info.get("task_context")
    if context is not None:
        return catalogue_for(context.settings)
    return cached_catalogue(None)


def covering_consumers(session: Session, document: Document) -> list[CoveringConsent]:
    """Consumers holding an ACTIVE consent that covers `document` right now, one entry each.

    The same policy as a pull decides (state, validity, purpose caps, owner, type, provider,
    data range), without spending fetch quota: hearing of a document is not fetching it.
    Consents carry no grant to push content, so content is never pushed.
    """
    consents = session.execute(
        sa.select(Consent)
        .where(Consent.owner_id == document.owner_id, Consent.status == ConsentStatus.ACTIVE)
        .order_by(Consent.created_at, Consent.id)
    ).scalars()
    return covering(session, document, consents)


def covering(
    session: Session, document: Document, consents: Iterable[Consent]
) -> list[CoveringConsent]:
    """Those of `consents` (the owner's, oldest first) that cover `document` right now, one
    entry per consumer: for callers that loaded the consents with the document."""
    catalogue = _catalogue(session)
    facts = facts_of(document)
    now = utcnow()
    found: dict[uuid.UUID, CoveringConsent] = {}
    for consent in consents:
        if consent.consumer_id in found or consent.status != ConsentStatus.ACTIVE:
            continue
        decision = evaluate_access(
            ConsentStatus(consent.status),
            terms_of(consent),
            catalogue.get(consent.purpose_code),
            now,
            facts,
        )
        if decision.allowed:
            found[consent.consumer_id] = CoveringConsent(consent.consumer_id, consent.id)
    return list(found.values())
