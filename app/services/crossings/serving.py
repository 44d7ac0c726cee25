"""Sending side of a crossing: a peer hub pulls a document for its consumer under a consent here.

The consent is judged by the same code as a local pull (the consumer's stand-in participant
is the consumer), then this hub's residency rules; only then does the document leave, with
its hash and the proof bundle that ties it to this hub's log. Every attempt, allowed or
refused, is a crossing record and a `federation.crossing` event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.purposes import PurposeCatalogue
from app.domain.residency import RESIDENCY, ResidencyDecision
from app.errors import Forbidden, NotFound, ProblemError, TooManyRequests
from app.ledger.bundle import ProofBundle
from app.security.principal import Principal
from app.services.access import pull
from app.services.common.context import ServiceContext
from app.services.common.cursors import Page
from app.services.consents.remote import RemoteConsumerRef, find_remote_consumer
from app.services.crossings.records import CrossingFacts, record_crossing
from app.services.crossings.residency import judge_document, judge_type, rules_for
from app.services.ledger.log import proof_bundle_of
from app.settings import Settings
from app.storage.models import Consent, Document
from app.storage.models.crossings import CrossingDirection


@dataclass(frozen=True)
class CallingPeer:
    """The authenticated peer hub asking, as far as a crossing needs to know it."""

    name: str
    jurisdiction: str


@dataclass(frozen=True)
class ServedDocument:
    """A document allowed to cross: its row (content loaded) and its proof bundle."""

    document: Document
    bundle: ProofBundle
    crossing_id: uuid.UUID


class _Refused(Exception):
    def __init__(self, problem: ProblemError, facts: CrossingFacts) -> None:
        self.problem = problem
        self.facts = facts


def residency_problem(decision: ResidencyDecision, destination: str) -> Forbidden:
    """403 whose `reason` is always `residency`, naming the rule (and every rule) that refused."""
    assert decision.rule is not None
    return Forbidden(
        decision.detail,
        slug="residency",
        title="Refused by residency rules",
        reason=RESIDENCY,
        rule=decision.rule,
        rules=list(decision.rules),
        destination=destination,
    )


def _stand_in(session: Session, peer: CallingPeer, consumer_ref: str) -> Principal:
    """The local principal a remote consumer pulls as; unknown consumers have no consent here."""
    ref = RemoteConsumerRef(peer.name, consumer_ref)
    participant = find_remote_consumer(session, ref)
    if participant is None:
        raise NotFound("no consent here names this consumer", slug="consent-not-found")
    return Principal(
        participant_id=participant,
        client_id=f"{peer.name}/{consumer_ref}",
        scopes=frozenset({"data:read"}),
        roles=frozenset({"consumer"}),
        kind="peer",
    )


def _reason_of(problem: ProblemError) -> str:
    reason = problem.extensions.get("reason")
    return str(reason) if reason else problem.slug


def _attempt(
    session: Session,
    ctx: ServiceContext,
    peer: CallingPeer,
    consumer_ref: str,
    consent_id: uuid.UUID,
    document_id: uuid.UUID,
    catalogue: PurposeCatalogue,
    now: datetime,
) -> ServedDocument:
    base = CrossingFacts(
        direction=CrossingDirection.OUT,
        peer_name=peer.name,
        peer_jurisdiction=peer.jurisdiction,
        actor=f"peer:{peer.name}",
        at=now,
        consent_id=consent_id,
        document_id=document_id,
        remote_consumer=consumer_ref,
    )
    rules = rules_for(ctx.settings)
    version = rules.version if rules is not None else None
    try:
        principal = _stand_in(session, peer, consumer_ref)
        document = pull.fetch_document(
            session, principal, consent_id, document_id, catalogue=catalogue, content=True, now=now
        )
    except (Forbidden, NotFound, TooManyRequests) as exc:
        # The refusal is recorded for the consent's owner, and names the document's type
        # when the document is that owner's: the answer to the peer says neither.
        consent = session.get(Consent, consent_id)
        owner_id = consent.owner_id if consent is not None else None
        asked = session.get(Document, document_id)
        doc_type = asked.doc_type if asked is not None and asked.owner_id == owner_id else None
        raise _Refused(
            exc,
            replace(
                base,
                participant_id=owner_id,
                doc_type=doc_type,
                reason=_reason_of(exc),
                detail=exc.detail,
                rules_version=version,
            ),
        ) from exc
    facts = replace(
        base,
        doc_type=document.doc_type,
        sha256=document.sha256,
        participant_id=document.owner_id,
        rules_version=version,
    )
    decision = judge_document(ctx.settings, document, peer.jurisdiction)
    if not decision.allowed:
        assert decision.rule is not None
        raise _Refused(
            residency_problem(decision, peer.jurisdiction),
            replace(
                facts,
                reason=RESIDENCY,
                rule=decision.rule,
                rules=decision.rules,
                detail=decision.detail,
            ),
        )
    bundle = proof_bundle_of(session, document, ctx.settings, ctx.keys)
    crossing = record_crossing(session, facts)
    return ServedDocument(document, bundle, crossing.id)


def serve_document(
    ctx: ServiceContext,
    peer: CallingPeer,
    consumer_ref: str,
    consent_id: uuid.UUID,
    document_id: uuid.UUID,
    *,
    catalogue: PurposeCatalogue,
    now: datetime,
) -> ServedDocument:
    """The document, its hash and proof for `peer`'s consumer, or a problem; always recorded.

    An allowed crossing commits the pull's counters, its `data.accessed` event and the
    crossing together. A refused one rolls all of that back (no quota is spent, nothing is
    read out) and records only the refusal, in a transaction of its own, before raising.
    """
    with ctx.uow() as uow:
        try:
            served = _attempt(
                uow.session, ctx, peer, consumer_ref, consent_id, document_id, catalogue, now
            )
        except _Refused as refusal:
            uow.rollback()
            refused = refusal
        else:
            uow.commit()
            return served
    with ctx.uow() as uow:
        record_crossing(uow.session, refused.facts)
        uow.commit()
    raise refused.problem


def list_for_peer(
    session: Session,
    settings: Settings,
    peer: CallingPeer,
    consumer_ref: str,
    consent_id: uuid.UUID,
    *,
    catalogue: PurposeCatalogue,
    cursor: str | None = None,
    limit: int = 50,
    now: datetime,
) -> Page[Document]:
    """The consent's documents the peer's consumer could be sent, as a local listing.

    Types this hub's rules keep from the peer's jurisdiction are left out, so not even
    their metadata leaves. A data-class rule is judged on each document when it is fetched:
    a listed document can still be refused then. A listing sends no document and is not a
    crossing; it is audited as any consented listing (`data.accessed`).
    """
    principal = _stand_in(session, peer, consumer_ref)
    consent = session.get(Consent, consent_id)
    types = consent.document_types if consent is not None else []
    sendable = frozenset(
        t for t in types if judge_type(settings, str(t), peer.jurisdiction).allowed
    )
    return pull.list_documents(
        session,
        principal,
        consent_id,
        catalogue=catalogue,
        filters=pull.DocumentFilters(doc_types=sendable),
        cursor=cursor,
        limit=limit,
        now=now,
    )
