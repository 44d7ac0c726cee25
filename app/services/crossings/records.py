"""Crossing records: one row and one `federation.crossing` event (a ledger leaf) per attempt."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.security.principal import Principal
from app.services.common.cursors import Page, Position, decode_cursor, encode_cursor, page_size
from app.services.common.events import record_event
from app.storage.models import Crossing
from app.storage.models.crossings import CrossingDirection, CrossingOutcome
from app.storage.scoping import readable

CROSSING_EVENT = "federation.crossing"


@dataclass(frozen=True)
class CrossingFacts:
    """What is known about one crossing attempt when it is decided."""

    direction: str
    peer_name: str
    peer_jurisdiction: str | None
    actor: str
    at: datetime
    consent_id: uuid.UUID | None = None
    document_id: uuid.UUID | None = None
    doc_type: str | None = None
    sha256: str | None = None
    participant_id: uuid.UUID | None = None
    remote_consumer: str | None = None
    reason: str | None = None
    rule: str | None = None
    rules: tuple[str, ...] = field(default_factory=tuple)
    rules_version: str | None = None
    detail: str = ""

    @property
    def outcome(self) -> str:
        return CrossingOutcome.ALLOWED if self.reason is None else CrossingOutcome.REFUSED


def record_crossing(session: Session, facts: CrossingFacts) -> Crossing:
    """Append the crossing and its event in the caller's transaction.

    The event payload carries what an auditor needs to tell which document went where under
    which consent, and nothing of the document itself beyond its type and hash.
    """
    payload = {
        "direction": facts.direction,
        "peer": facts.peer_name,
        "peer_jurisdiction": facts.peer_jurisdiction,
        "consent_id": str(facts.consent_id) if facts.consent_id else None,
        "document_id": str(facts.document_id) if facts.document_id else None,
        "doc_type": facts.doc_type,
        "sha256": facts.sha256,
        "remote_consumer": facts.remote_consumer,
        "outcome": facts.outcome,
        "reason": facts.reason,
        "rule": facts.rule,
        "rules": list(facts.rules),
        "rules_version": facts.rules_version,
    }
    subject = (
        f"document:{facts.document_id}"
        if facts.direction == CrossingDirection.OUT and facts.document_id
        else f"crossing:{facts.peer_name}"
    )
    event = record_event(
        session,
        kind=CROSSING_EVENT,
        actor=facts.actor,
        subject=subject,
        payload=payload,
        participant_ids=[facts.participant_id] if facts.participant_id else [],
    )
    crossing = Crossing(
        at=facts.at,
        direction=facts.direction,
        peer_name=facts.peer_name,
        peer_jurisdiction=facts.peer_jurisdiction,
        consent_id=facts.consent_id,
        document_id=facts.document_id,
        doc_type=facts.doc_type,
        sha256=facts.sha256,
        participant_id=facts.participant_id,
        remote_consumer=facts.remote_consumer,
        outcome=facts.outcome,
        reason=facts.reason,
        rule=facts.rule,
        rules_version=facts.rules_version,
        detail=facts.detail[:500],
        event_id=event.id,
    )
    session.add(crossing)
    session.flush()
    return crossing


def list_crossings(
    session: Session,
    principal: Principal,
    *,
    direction: str | None = None,
    outcome: str | None = None,
    peer: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Crossing]:
    """Crossings the caller is party to (all, for an admin), newest first."""
    size = page_size(limit)
    stmt = readable(Crossing, principal)
    if direction is not None:
        stmt = stmt.where(Crossing.direction == direction)
    if outcome is not None:
        stmt = stmt.where(Crossing.outcome == outcome)
    if peer is not None:
        stmt = stmt.where(Crossing.peer_name == peer)
    if cursor is not None:
        after = decode_cursor(cursor)
        stmt = stmt.where(sa.tuple_(Crossing.at, Crossing.id) < (after.at, after.id))
    rows = list(
        session.execute(stmt.order_by(Crossing.at.desc(), Crossing.id.desc()).limit(size + 1))
        .scalars()
        .all()
    )
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor(Position(rows[-1].at, rows[-1].id))
    return Page(rows, next_cursor)
