"""Append events, link them into the hash chain, and verify the chain."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NotRequired, Protocol, TypedDict, Unpack, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.canonical import CanonicalizationError, canonical_json
from app.domain.hashing import json_sha256, sha256_hex
from app.storage.base import new_id, utcnow
from app.storage.models import ChainHead, Event

GENESIS_HASH = "0" * 64
#: Set in a session's `info` when it appended events; the ledger sequences after commit.
EVENTS_APPENDED = "tradegate.events_appended"
_EVENTS = cast(sa.Table, Event.__table__)
_HEAD = cast(sa.Table, ChainHead.__table__)
#: The columns a writer fills; `seq`, `prev_hash` and `hash` are the sequencer's.
_FIELDS = [c for c in _EVENTS.columns if c.key not in {"seq", "prev_hash", "hash"}]
_LINK = (
    sa.update(_EVENTS)
    .where(_EVENTS.c.id == sa.bindparam("event_id"))
    .values(seq=sa.bindparam("new_seq"), prev_hash=sa.bindparam("prev"), hash=sa.bindparam("link"))
)


class Chainable(Protocol):
    """The fields of an event that its chain hash covers, besides its place in the chain."""

    id: uuid.UUID
    time: datetime
    kind: str
    actor: str
    subject: str
    participant_ids: list[Any]
    payload_sha256: str


def link_hash(event: Chainable, seq: int, prev_hash: str) -> str:
    """Hash of everything that identifies an event, chained to its predecessor.

    SHA-256 of the RFC 8785 form; the object holds only strings and an integer under ASCII
    keys, so the fast canonical path applies (the sequencer hashes every event).
    """
    return sha256_hex(
        canonical_json(
            {
                "id": str(event.id),
                "seq": seq,
                "time": event.time.isoformat(),
                "kind": event.kind,
                "actor": event.actor,
                "subject": event.subject,
                "participant_ids": list(event.participant_ids),
                "payload_sha256": event.payload_sha256,
                "prev_hash": prev_hash,
            },
            plain=True,
        )
    )


class EventFields(TypedDict):
    """What a writer says about an event; the rest is stamped or computed."""

    kind: str
    actor: str
    subject: str
    payload: dict[str, Any]
    participant_ids: NotRequired[Iterable[Any]]


def new_event(**fields: Unpack[EventFields]) -> Event:
    """An event as a writer records it: unchained, stamped now, its payload hashed."""
    payload = fields["payload"]
    return Event(
        id=new_id(),
        time=utcnow(),
        kind=fields["kind"],
        actor=fields["actor"],
        subject=fields["subject"],
        participant_ids=sorted({str(p) for p in fields.get("participant_ids", ())}),
        payload=payload,
        payload_sha256=json_sha256(payload),
    )


def append_statement(session: Session, event: Event) -> sa.Insert:
    """The insert that appends `event` (RETURNING its id), for the caller to run.

    One insert and no lock: appends from every replica run side by side. The ledger
    sequencer links the event into the chain (`chain_pending`) and signs it into the log
    right after the commit, which `EVENTS_APPENDED` in the session tells it about.
    """
    session.info[EVENTS_APPENDED] = True
    values = {c.key: getattr(event, c.key) for c in _FIELDS}
    return sa.insert(_EVENTS).values(values).returning(_EVENTS.c.id)


#: `append_statement` built once, its values bound as ``ev_<column>``: for `write_together`.
APPEND = (
    sa.insert(_EVENTS)
    .values({c.key: sa.bindparam(f"ev_{c.key}", type_=c.type) for c in _FIELDS})
    .returning(_EVENTS.c.id)
)


def append_parameters(session: Session, event: Event) -> dict[str, Any]:
    """The parameters of `APPEND` for `event`; like `append_statement`, tells the sequencer."""
    session.info[EVENTS_APPENDED] = True
    return {f"ev_{c.key}": getattr(event, c.key) for c in _FIELDS}


def record_event(session: Session, **fields: Unpack[EventFields]) -> Event:
    """Append one event, unchained, in the caller's transaction."""
    event = new_event(**fields)
    session.execute(APPEND, append_parameters(session, event))
    return event


def chain_pending(session: Session, limit: int) -> int:
    """Link up to `limit` unchained events to the tip of the chain, oldest first.

    Only the sequencer calls this, under its lock, so the chain has a single writer and
    `seq` has no gaps. Returns how many events were linked.
    """
    pending = session.execute(
        sa.select(*(c for c in _FIELDS if c.key != "payload"))
        .where(_EVENTS.c.seq.is_(None))
        .order_by(_EVENTS.c.time, _EVENTS.c.id)
        .limit(limit)
    ).all()
    if not pending:
        return 0
    seq, prev_hash = session.execute(
        sa.select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
    ).one()
    links = []
    for event in pending:
        seq += 1
        link = link_hash(cast(Chainable, event), seq, prev_hash)
        links.append({"event_id": event.id, "new_seq": seq, "prev": prev_hash, "link": link})
        prev_hash = link
    session.execute(_LINK, links)
    session.execute(sa.update(_HEAD).where(_HEAD.c.id == 1).values(seq=seq, hash=prev_hash))
    return len(links)


@dataclass(frozen=True)
class ChainBreak:
    """The first event whose stored hashes do not follow from its predecessor."""

    seq: int
    reason: str
    event_id: str | None = None


def verify_chain(session: Session, batch: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain; returns (events checked, first break or None).

    Events still waiting for the sequencer are not in the chain yet and are not checked.
    """
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
            try:
                link = link_hash(ev, expected_seq, expected_prev)
            except CanonicalizationError:  # a field edited into something no writer stores
                return checked, ChainBreak(expected_seq, "hash_mismatch", str(ev.id))
            if ev.payload_sha256 != json_sha256(ev.payload):
                return checked, ChainBreak(expected_seq, "payload_mismatch", str(ev.id))
            if ev.prev_hash != expected_prev:
                return checked, ChainBreak(expected_seq, "broken_link", str(ev.id))
            if ev.hash != link:
                return checked, ChainBreak(expected_seq, "hash_mismatch", str(ev.id))
            expected_prev, last_seq = link, expected_seq
            expected_seq += 1
            checked += 1
    head = session.get(ChainHead, 1)
    if head is not None and (head.seq != last_seq or head.hash != expected_prev):
        return checked, ChainBreak(last_seq + 1, "truncated_chain")
    return checked, None
