"""Hash-match validation: does a peer hold a document with this canonical SHA-256?

The answering hub (A) states it in a note signed with its log key, with the log proof of the
document's acceptance; the asking hub (B) verifies all of it against the key pinned for A
before its lender sees the answer. Both record the exchange as an event. Only hashes cross.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.domain.hash_match import HashMatchStatement, Match, provider_kind, statement_fields
from app.domain.merkle import inclusion_proof, leaf_hash
from app.domain.note import NoteError, NoteVerifier, sign_note
from app.errors import BadGateway, ServiceUnavailable
from app.ledger import store
from app.ledger.bundle import BundleInclusion, BundleLeaf, b64
from app.ledger.leaf import leaf_time
from app.ledger.statement import HashMatchEvidence
from app.ledger.verify import NO_ANCHOR_KIND, verify_statement
from app.security.keys import KeyStore
from app.security.principal import Principal
from app.services.common.context import ServiceContext
from app.services.common.events import record_event
from app.services.federation.peers import active_peer
from app.services.ledger.log import leaf_record, log_signer
from app.settings import Settings
from app.storage.base import utcnow
from app.storage.models import Document, Event

#: Where a hub answers its peers' hash-match questions.
HASH_MATCH_PATH = "/federation/v1/hash-match"


class PeerAnswerInvalid(BadGateway):
    """The peer's answer is not a statement that verifies against the key pinned for it."""

    slug = "peer-statement-invalid"


class PeerRefused(BadGateway):
    """The peer refused the question (it may have suspended this hub)."""

    slug = "peer-refused"


def _acceptance(session: Session, sha256: str) -> tuple[Document, Event] | None:
    """The first document accepted with this canonical hash, and its acceptance event."""
    document = session.execute(
        sa.select(Document)
        .where(Document.canonical_sha256 == sha256)
        .order_by(Document.received_at, Document.id)
        .limit(1)
    ).scalar_one_or_none()
    if document is None:
        return None
    event = session.execute(
        sa.select(Event).where(
            Event.subject == f"document:{document.id}", Event.kind == "document.accepted"
        )
    ).scalar_one_or_none()
    return (document, event) if event is not None else None


def answer_hash_match(
    session: Session,
    settings: Settings,
    keys: KeyStore,
    *,
    peer_id: uuid.UUID,
    peer_name: str,
    sha256: str,
    nonce: str,
) -> HashMatchEvidence:
    """A's answer to peer ``peer_name``: a signed statement, with the log proof if found.

    The proof leads to the latest signed checkpoint; a document whose acceptance is not in
    the log yet is a 503 to retry in a second, never a match without proof.
    """
    found = _acceptance(session, sha256)
    match = None
    extra: dict[str, Any] = {}
    participants: list[uuid.UUID] = []
    if found is not None:
        document, event = found
        match, extra = _match(session, document, event)
        participants = [document.owner_id]
    statement = HashMatchStatement(
        origin=settings.effective_ledger_origin,
        hub=settings.effective_hub_name,
        jurisdiction=settings.jurisdiction or "ZZ",
        asked_by=peer_name,
        nonce=nonce,
        sha256=sha256,
        issued_at=leaf_time(utcnow()),
        match=match,
    )
    note = sign_note(statement.text(), [log_signer(settings, keys)]).decode()
    record_event(
        session,
        kind="federation.hash_match.answered",
        actor=f"peer:{peer_name}",
        subject=f"peer:{peer_id}",
        payload={
            **_event_payload(statement),
            "statement_sha256": hashlib.sha256(note.encode()).hexdigest(),
        },
        participant_ids=participants,
    )
    return HashMatchEvidence(statement=note, **extra)


def _match(session: Session, document: Document, event: Event) -> tuple[Match, dict[str, Any]]:
    checkpoint = store.latest_checkpoint(session)
    salt = store.salt_at(session, event.seq - 1) if event.seq is not None else None
    if checkpoint is None or salt is None or event.seq is None or event.seq > checkpoint.size:
        raise ServiceUnavailable(
            "the document's acceptance is not in the log yet; retry in a second",
            slug="ledger-not-integrated",
            headers={"Retry-After": "1"},
        )
    index = event.seq - 1
    source = store.SqlSubtreeSource(session)
    data = leaf_record(event, salt).encode()
    digest = leaf_hash(data)
    anchored = store.first_anchor_time(session, index + 1, besides_kind=NO_ANCHOR_KIND)
    match = Match(
        document_type=document.doc_type,
        provider_kind=provider_kind(
            event.actor, self_submitted=document.provider_id == document.owner_id
        ),
        accepted_at=leaf_time(event.time),
        anchored_at=leaf_time(anchored) if anchored is not None else None,
        leaf_index=index,
        leaf_hash=b64(digest),
        tree_size=checkpoint.size,
    )
    proof = inclusion_proof(source, index, checkpoint.size)
    return match, {
        "checkpoint": checkpoint.note,
        "leaf": BundleLeaf(index=index, data=b64(data)),
        "inclusion": BundleInclusion(size=checkpoint.size, proof=[b64(h) for h in proof]),
    }


def _event_payload(statement: HashMatchStatement) -> dict[str, Any]:
    return {k: v for k, v in statement_fields(statement).items() if k != "nonce"}


def ask_hash_match(
    ctx: ServiceContext, principal: Principal, *, peer_name: str, sha256: str
) -> dict[str, Any]:
    """B asks peer ``peer_name`` for its lender and answers only with what verified.

    No transaction is held while the peer is called; the question and its verified answer
    are recorded afterwards as one event naming the lender.
    """
    with ctx.uow() as uow:
        peer = active_peer(uow.session, peer_name)
    nonce = secrets.token_urlsafe(24)
    response = ctx.peer_client.request(
        peer, "POST", HASH_MATCH_PATH, json={"sha256": sha256, "nonce": nonce}
    )
    evidence = _evidence(peer.name, response.status_code, response.content)
    statement = _verified(evidence, peer.log_key, peer.log_origin, peer.name, sha256, nonce, ctx)
    with ctx.uow() as uow:
        record_event(
            uow.session,
            kind="federation.hash_match.asked",
            actor=principal.actor,
            subject=f"peer:{peer.id}",
            payload={
                **_event_payload(statement),
                "peer": peer.name,
                "statement_sha256": hashlib.sha256(evidence.statement.encode()).hexdigest(),
            },
            participant_ids=[principal.participant_id],
        )
        uow.commit()
    return {
        "peer": peer.name,
        "jurisdiction": peer.jurisdiction,
        **_event_payload(statement),
        "evidence": evidence.model_dump(),
    }


def _evidence(peer: str, status: int, content: bytes) -> HashMatchEvidence:
    if status in (429, 503):
        raise ServiceUnavailable(
            f"peer hub {peer} is busy (it answered {status}); retry later",
            slug="peer-busy",
            headers={"Retry-After": "1"},
        )
    if status != 200:
        raise PeerRefused(f"peer hub {peer} refused the question: {_detail(status, content)}")
    try:
        return HashMatchEvidence.model_validate_json(content)
    except ValidationError as exc:
        raise PeerAnswerInvalid(
            f"peer hub {peer} answered something that is not hash-match evidence "
            f"({exc.error_count()} errors)"
        ) from exc


def _detail(status: int, content: bytes) -> str:
    try:
        problem = json.loads(content)
        return f"{status} {str(problem.get('type', ''))[:100]}: {str(problem.get('detail'))[:300]}"
    except (ValueError, AttributeError):
        return str(status)


def _verified(
    evidence: HashMatchEvidence,
    log_key: str,
    origin: str,
    peer: str,
    sha256: str,
    nonce: str,
    ctx: ServiceContext,
) -> HashMatchStatement:
    """The statement, if it verifies against the pinned key and answers this very question."""
    try:
        verifiers = [NoteVerifier.from_vkey(log_key)]
    except NoteError as exc:
        raise PeerAnswerInvalid(f"the key pinned for {peer} is unusable: {exc}") from exc
    report, statement = verify_statement(evidence, verifiers, sha256=sha256)
    if not report.ok or statement is None:
        raise PeerAnswerInvalid(
            f"peer hub {peer}'s statement does not verify: {', '.join(report.reasons)}",
            reasons=report.reasons,
        )
    expected = (origin, peer, ctx.settings.effective_hub_name, nonce)
    if (statement.origin, statement.hub, statement.asked_by, statement.nonce) != expected:
        raise PeerAnswerInvalid(
            f"peer hub {peer}'s statement answers another question (log, hub, asker or nonce)"
        )
    return statement
