"""Append events to the hash-chained log and verify the chain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.hashing import json_sha256
from app.storage.base import new_id, utcnow
from app.storage.db import is_postgresql
from app.storage.models import ChainHead, Event

GENESIS_HASH = "0" * 64
_EVENTS = cast(sa.Table, Event.__table__)
_HEAD = cast(sa.Table, ChainHead.__table__)


def event_hash(event: Event) -> str:
    """Hash of everything that identifies an event, chained to its predecessor."""
    return json_sha256(
        {
            "id": str(event.id),
            "seq": event.seq,
            "time": event.time.isoformat(),
            "kind": event.kind,
            "actor": event.actor,
            "subject": event.subject,
            "participant_ids": list(event.participant_ids),
            "payload_sha256": event.payload_sha256,
            "prev_hash": event.prev_hash,
        }
    )


def record_event(
    session: Session,
    *,
    kind: str,
    actor: str,
    subject: str,
    payload: dict[str, Any],
    participant_ids: Iterable[Any] = (),
) -> Event:
    """Append one event, chained to the previous one.

    Bumping the chain head's sequence both locks the head row (serialising appends across
    replicas until commit) and returns the previous hash, in one statement; on PostgreSQL
    the event insert and the new head hash go in a second one. Appends sit on every pull,
    so round trips here are latency a bank sees.
    """
    bump = (
        sa.update(_HEAD)
        .where(_HEAD.c.id == 1)
        .values(seq=_HEAD.c.seq + 1)
        .returning(_HEAD.c.seq, _HEAD.c.hash)
    )
    seq, prev_hash = session.execute(bump).one()
    event = Event(
        id=new_id(),
        seq=seq,
        time=utcnow(),
        kind=kind,
        actor=actor,
        subject=subject,
        participant_ids=sorted({str(p) for p in participant_ids}),
        payload=payload,
        payload_sha256=json_sha256(payload),
        prev_hash=prev_hash,
    )
    event.hash = event_hash(event)
    row = {c.key: getattr(event, c.key) for c in _EVENTS.columns}
    set_head = sa.update(_HEAD).where(_HEAD.c.id == 1)
    if is_postgresql(session):
        appended = sa.insert(_EVENTS).values(**row).cte("appended")
        session.execute(set_head.values(hash=event.hash).add_cte(appended))
    else:
        session.execute(sa.insert(_EVENTS).values(**row))
        session.execute(set_head.values(hash=event.hash))
    return event


@dataclass(frozen=True)
class ChainBreak:
    """The first event whose stored hashes do not follow from its predecessor."""

    seq: int
    reason: str
    event_id: str | None = None


def verify_chain(session: Session, batch: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain; returns (events checked, first break or None)."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    last_seq = 0
    while True:
        rows = (
            session.execute(
                sa.select(Event).where(Event.seq > last_seq).order_by(Event.seq).limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for ev in rows:
            if ev.seq != expected_seq:
                return checked, ChainBreak(expected_seq, "missing_event")
            if ev.payload_sha256 != json_sha256(ev.payload):
                return checked, ChainBreak(ev.seq, "payload_mismatch", str(ev.id))
            if ev.prev_hash != expected_prev:
                return checked, ChainBreak(ev.seq, "broken_link", str(ev.id))
            if ev.hash != event_hash(ev):
                return checked, ChainBreak(ev.seq, "hash_mismatch", str(ev.id))
            expected_prev, expected_seq, last_seq = ev.hash, ev.seq + 1, ev.seq
            checked += 1
    head = session.get(ChainHead, 1)
    if head is not None and (head.seq != last_seq or head.hash != expected_prev):
        return checked, ChainBreak(last_seq + 1, "truncated_chain")
    return checked, None
