"""The log of record: sequence events into leaves, sign checkpoints, serve proofs and bundles."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import count

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.checkpoint import Checkpoint
from app.domain.merkle import (
    LEAF_PREFIX,
    append_nodes,
    consistency_proof,
    frontier_nodes,
    inclusion_proof,
    root_hash,
)
from app.domain.note import NoteSigner, NoteVerifier
from app.errors import BadRequest, NotFound
from app.ledger import store
from app.ledger.bundle import (
    BundleAnchor,
    BundleDocument,
    BundleEvent,
    BundleInclusion,
    BundleLeaf,
    BundleWitnessed,
    ProofBundle,
    b64,
)
from app.ledger.leaf import SALT_BYTES, LeafRecord, encode_leaf
from app.security.keys import KeyStore
from app.security.principal import Principal
from app.services.common.events import chain_pending
from app.services.witness.cosigning import (
    cosignature_lines,
    cosigned_note,
    latest_cosigned_checkpoint,
)
from app.settings import Settings
from app.storage.base import utcnow
from app.storage.models import Document, Event
from app.storage.models.ledger import LedgerCheckpoint
from app.storage.scoping import readable


def log_signer(settings: Settings, keys: KeyStore) -> NoteSigner:
    """The hub's Ed25519 log key under the log's origin name."""
    return NoteSigner(settings.effective_ledger_origin, keys.log_signing_key())


def log_verifier(settings: Settings, keys: KeyStore) -> NoteVerifier:
    """The verifier key third parties pin (``name+keyid+base64key``)."""
    return log_signer(settings, keys).verifier()


def leaf_record(event: Event, salt: bytes) -> LeafRecord:
    """What the log records about an event."""
    return LeafRecord.of_event(
        event_id=event.id,
        kind=event.kind,
        subject=event.subject,
        payload_sha256=event.payload_sha256,
        salt=salt,
        time=event.time,
    )


def leaf_hashes_of(events: Sequence[store.PendingEvent], salts: bytes) -> list[bytes]:
    """RFC 9162 leaf hashes of a batch of events, salt ``i`` being ``salts[32 i : 32 i + 32]``.

    The same bytes as ``leaf_hash(leaf_record(event, salt).encode())``, written as one tight
    loop because it runs once per leaf on the sequencer's hot path.
    """
    sha256 = hashlib.sha256
    return [
        sha256(
            LEAF_PREFIX
            + encode_leaf(
                event_id, kind, payload_sha256, salts[at : at + SALT_BYTES].hex(), subject, time
            )
        ).digest()
        for at, (_, event_id, kind, subject, payload_sha256, time) in zip(
            count(0, SALT_BYTES), events, strict=False
        )
    ]


class LedgerGapError(RuntimeError):
    """An event is missing from the chain: the sequencer stops rather than skip it."""


def integrate_pending(
    session: Session, settings: Settings, keys: KeyStore, *, limit: int | None = None
) -> LedgerCheckpoint | None:
    """Chain the next batch of events, append them as leaves, sign a checkpoint of the tree.

    Events are taken in chain order, so leaf ``i`` records the event with ``seq = i + 1``.
    One sequencer runs at a time (advisory lock on PostgreSQL, the single writer on SQLite),
    which also makes it the event chain's only writer.
    Returns the new checkpoint, or None when nothing was pending.
    """
    batch = limit or settings.ledger_batch_size
    store.lock_sequencer(session)
    state = store.load_state(session)
    chain_pending(session, batch)
    events = store.pending_events(session, state.last_event_seq, batch)
    if not events:
        return None
    if events[-1].seq != state.last_event_seq + len(events):
        raise LedgerGapError(f"events after seq {state.last_event_seq} are not contiguous")
    salts = os.urandom(SALT_BYTES * len(events))
    hashes = leaf_hashes_of(events, salts)
    source = store.SqlSubtreeSource(session)
    frontier = source.subtree_hashes(frontier_nodes(state.size))
    nodes = append_nodes(state.size, frontier, hashes, min_level=store.MIN_STORED_LEVEL)
    store.add_batch(session, state.size, hashes, salts, nodes)
    if state.anchored_size >= state.size:
        state.unanchored_since = utcnow()
    state.size += len(events)
    state.last_event_seq = events[-1].seq
    return _sign_checkpoint(session, settings, keys, state.size)


def _sign_checkpoint(
    session: Session, settings: Settings, keys: KeyStore, size: int
) -> LedgerCheckpoint:
    root = root_hash(store.SqlSubtreeSource(session), size)
    head = Checkpoint(settings.effective_ledger_origin, size, root)
    note = head.sign([log_signer(settings, keys)]).decode()
    checkpoint = LedgerCheckpoint(size=size, root_hash=root, note=note, created_at=utcnow())
    store.add_checkpoint(session, checkpoint)
    return checkpoint


def published_note(session: Session, checkpoint: LedgerCheckpoint) -> str:
    """The checkpoint's signed note with the witnesses' cosignature lines appended."""
    return cosigned_note(session, checkpoint)


def current_checkpoint(session: Session) -> LedgerCheckpoint:
    """The newest signed checkpoint; 404 while the log is empty."""
    checkpoint = store.latest_checkpoint(session)
    if checkpoint is None:
        raise NotFound("the log has no checkpoint yet", slug="ledger-empty")
    return checkpoint


def _tree_size(session: Session) -> int:
    state = store.peek_state(session)
    return state.size if state is not None else 0


@dataclass(frozen=True)
class InclusionProof:
    """An audit path: the leaf hash and its sibling hashes, leaf upward."""

    index: int
    size: int
    leaf_hash: bytes
    proof: list[bytes]


def inclusion(session: Session, index: int, size: int) -> InclusionProof:
    """Audit path for leaf ``index`` in the tree of ``size`` leaves (size ≤ current size)."""
    current = _tree_size(session)
    if size < 1 or size > current:
        raise BadRequest(f"size must be between 1 and {current}", slug="ledger-bad-size")
    if not 0 <= index < size:
        raise BadRequest(f"index must be below size {size}", slug="ledger-bad-index")
    source = store.SqlSubtreeSource(session)
    leaf = source.subtree_hashes([(0, index)])
    return InclusionProof(index, size, leaf[(0, index)], inclusion_proof(source, index, size))


def consistency(session: Session, first: int, second: int) -> list[bytes]:
    """Consistency proof between two tree sizes (0 < first ≤ second ≤ current size)."""
    current = _tree_size(session)
    if not 0 < first <= second <= current:
        raise BadRequest(
            f"need 0 < from ≤ to ≤ {current}", slug="ledger-bad-size", current_size=current
        )
    return consistency_proof(store.SqlSubtreeSource(session), first, second)


def _document_event(session: Session, document: Document) -> Event:
    """The first event recorded about the document: its acceptance."""
    event = session.execute(
        sa.select(Event)
        .where(Event.subject.in_([f"document:{document.id}", str(document.id)]))
        .order_by(Event.time, Event.id)
        .limit(1)
    ).scalar_one_or_none()
    if event is None:
        raise NotFound("no event records this document", slug="ledger-not-recorded")
    return event


def document_proof_bundle(
    session: Session,
    principal: Principal,
    document_id: uuid.UUID,
    settings: Settings,
    keys: KeyStore,
) -> ProofBundle:
    """Leaf, inclusion proof, signed checkpoint and every anchor that covers the leaf."""
    document = session.execute(
        readable(Document, principal).where(Document.id == document_id)
    ).scalar_one_or_none()
    if document is None:
        raise NotFound("document not found")
    return proof_bundle_of(session, document, settings, keys)


def proof_bundle_of(
    session: Session, document: Document, settings: Settings, keys: KeyStore
) -> ProofBundle:
    """The bundle of a document the caller was already allowed to see (by tenancy or consent)."""
    return event_proof_bundle(session, _document_event(session, document), settings, keys, document)


def event_proof_bundle(
    session: Session,
    event: Event,
    settings: Settings,
    keys: KeyStore,
    document: Document | None = None,
) -> ProofBundle:
    """The bundle for one event (a document's acceptance, a consent change, an access).

    The inclusion proof leads to the smallest anchored checkpoint that holds the leaf, so the
    bundle verifies end to end; each later anchored checkpoint comes with a consistency proof
    from it. Until the leaf is anchored, the proof leads to the newest checkpoint witnesses
    cosigned, or the latest one before any did. A checkpoint without cosignatures comes with
    the newest cosigned checkpoint it grew into (``witnessed``), when there is one.
    """
    seq = event.seq
    salt = (
        store.salt_at(session, seq - 1) if seq is not None and seq <= _tree_size(session) else None
    )
    if seq is None or salt is None:
        raise NotFound(
            "the event is not in the log yet; retry in a second", slug="ledger-not-integrated"
        )
    index = seq - 1
    anchored = store.anchors_from(session, index + 1)
    checkpoint = (
        anchored[0][0]
        if anchored
        else latest_cosigned_checkpoint(session, index + 1) or current_checkpoint(session)
    )
    source = store.SqlSubtreeSource(session)
    proof = inclusion_proof(source, index, checkpoint.size)
    witnessed = None
    if not cosignature_lines(session, checkpoint.id):
        cosigned = latest_cosigned_checkpoint(session, checkpoint.size)
        if cosigned is not None:
            grown = consistency_proof(source, checkpoint.size, cosigned.size)
            witnessed = BundleWitnessed(
                checkpoint=cosigned_note(session, cosigned), consistency=[b64(h) for h in grown]
            )
    anchors = [
        BundleAnchor(
            checkpoint=later.note,
            consistency=[b64(h) for h in consistency_proof(source, checkpoint.size, later.size)],
            sink=anchor.sink,
            receipt=anchor.receipt,
        )
        for later, anchor in anchored
    ]
    return ProofBundle(
        origin=settings.effective_ledger_origin,
        log_key=log_verifier(settings, keys).vkey,
        document=(
            BundleDocument(
                id=str(document.id),
                media_type=document.media_type,
                sha256=document.sha256,
                canonical_sha256=document.canonical_sha256,
            )
            if document is not None
            else None
        ),
        event=BundleEvent(
            id=str(event.id),
            seq=seq,
            kind=event.kind,
            subject=event.subject,
            time=leaf_record(event, salt).time,
            payload=event.payload,
            payload_sha256=event.payload_sha256,
        ),
        leaf=BundleLeaf(index=index, data=b64(leaf_record(event, salt).encode())),
        inclusion=BundleInclusion(size=checkpoint.size, proof=[b64(h) for h in proof]),
        checkpoint=cosigned_note(session, checkpoint),
        anchors=anchors,
        witnessed=witnessed,
    )


def anchoring_lag_seconds(session: Session, now: datetime | None = None) -> float:
    """Seconds since the oldest leaf that no anchor covers was integrated (0 when all are)."""
    state = store.peek_state(session)
    if state is None or state.unanchored_since is None or state.anchored_size >= state.size:
        return 0.0
    return max(0.0, ((now or utcnow()) - state.unanchored_since).total_seconds())


def sequencing_lag_seconds(session: Session, now: datetime | None = None) -> float:
    """Age of the oldest event not in the log yet, unchained or past its end (0 if none)."""
    state = store.peek_state(session)
    last_seq = state.last_event_seq if state is not None else 0
    waiting = sa.or_(Event.seq.is_(None), Event.seq > last_seq)
    waiting_since = session.execute(
        sa.select(sa.func.min(Event.time)).where(waiting)
    ).scalar_one_or_none()
    if waiting_since is None:
        return 0.0
    return max(0.0, ((now or utcnow()) - waiting_since).total_seconds())


def anchoring_health(
    session: Session, settings: Settings, now: datetime | None = None
) -> str | None:
    """Why the hub must refuse writes, or None when fine.

    Writes are refused when the newest leaves have gone unanchored, or events have gone
    unsequenced (a broken event chain stops the sequencer), for longer than the limit.
    """
    limit = settings.ledger_anchor_max_lag_seconds
    waiting = sequencing_lag_seconds(session, now)
    if waiting > limit:
        return (
            f"ledger sequencing stalled: an event has waited {waiting:.0f} s (limit {limit:.0f} s)"
        )
    lag = anchoring_lag_seconds(session, now)
    if lag <= limit:
        return None
    state = store.peek_state(session)
    error = state.last_anchor_error if state is not None else None
    return f"ledger anchoring stalled: no anchor for {lag:.0f} s (limit {limit:.0f} s)" + (
        f"; last error: {error}" if error else ""
    )
