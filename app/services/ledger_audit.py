"""Audit the stored log: recompute leaves from events and salts, and roots from leaves."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.checkpoint import open_checkpoint
from app.domain.hashing import json_sha256
from app.domain.merkle import (
    MemorySubtreeStore,
    MissingSubtreeError,
    ProofError,
    consistency_proof,
    leaf_hash,
    root_hash,
    verify_consistency,
)
from app.domain.note import NoteError
from app.ledger import store
from app.security.keys import KeyStore
from app.services.ledger import leaf_record, log_verifier
from app.settings import Settings
from app.storage.models import Event
from app.storage.models.ledger import LedgerCheckpoint, LedgerNode


@dataclass(frozen=True)
class AuditFinding:
    """Something in the stored log that does not add up, with a stable reason code."""

    reason: str
    detail: str
    index: int | None = None


def audit_log(session: Session, settings: Settings, keys: KeyStore) -> list[AuditFinding]:
    """Recompute the whole log and compare it with every checkpoint the hub signed.

    Catches edited or deleted events, edited leaf or subtree rows, and a log rolled back
    behind a checkpoint it already published.
    """
    state = store.peek_state(session)
    size = state.size if state is not None else 0
    leaves = store.leaves_in_range(session, 0, size)
    findings: list[AuditFinding] = []
    if [leaf.idx for leaf in leaves] != list(range(size)):
        findings.append(
            AuditFinding("leaf_missing", f"expected {size} leaves, found {len(leaves)}")
        )
    events = {
        e.id: e
        for e in session.execute(
            sa.select(Event).where(Event.id.in_([leaf.event_id for leaf in leaves]))
        ).scalars()
    }
    for leaf in leaves:
        event = events.get(leaf.event_id)
        salt = store.salt_for(session, leaf.event_id)
        if event is None:
            findings.append(AuditFinding("event_missing", f"event {leaf.event_id}", leaf.idx))
        elif json_sha256(event.payload) != event.payload_sha256:
            findings.append(AuditFinding("payload_mismatch", f"event {event.id}", leaf.idx))
        elif salt is None:
            findings.append(AuditFinding("salt_missing", f"event {leaf.event_id}", leaf.idx))
        elif leaf_hash(leaf_record(event, salt).encode()) != leaf.leaf_hash:
            findings.append(AuditFinding("leaf_mismatch", f"event {event.id} changed", leaf.idx))
    memory = MemorySubtreeStore()
    memory.append([leaf.leaf_hash for leaf in leaves])
    findings += _audit_nodes(session, memory)
    findings += _audit_checkpoints(session, settings, keys, memory)
    return findings


def _audit_nodes(session: Session, memory: MemorySubtreeStore) -> list[AuditFinding]:
    """Every stored subtree hash must be what the leaves below it hash to."""
    findings: list[AuditFinding] = []
    rows = session.execute(sa.select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash))
    for chunk in rows.partitions(10_000):
        expected = memory.subtree_hashes([(level, idx) for level, idx, _ in chunk])
        for level, idx, digest in chunk:
            if expected.get((level, idx)) != digest:
                findings.append(
                    AuditFinding("node_mismatch", f"subtree ({level}, {idx}) does not add up")
                )
    return findings


def _audit_checkpoints(
    session: Session, settings: Settings, keys: KeyStore, memory: MemorySubtreeStore
) -> list[AuditFinding]:
    findings: list[AuditFinding] = []
    stored = store.SqlSubtreeSource(session)
    verifier = log_verifier(settings, keys)
    for checkpoint in session.execute(sa.select(LedgerCheckpoint)).scalars():
        try:
            head = open_checkpoint(
                checkpoint.note.encode(), [verifier], settings.effective_ledger_origin
            )
        except NoteError as exc:
            findings.append(AuditFinding("bad_checkpoint_signature", str(exc)))
            continue
        if head.size > memory.size:
            findings.append(
                AuditFinding(
                    "log_rolled_back",
                    f"checkpoint of size {head.size} was signed; the log holds {memory.size}",
                )
            )
            continue
        if root_hash(memory, head.size) != head.root_hash:
            findings.append(
                AuditFinding("root_mismatch", f"leaves no longer hash to checkpoint {head.size}")
            )
        try:
            if root_hash(stored, head.size) != head.root_hash:
                findings.append(
                    AuditFinding("node_mismatch", f"stored subtrees disagree at size {head.size}")
                )
        except MissingSubtreeError as exc:
            findings.append(AuditFinding("node_missing", str(exc)))
    return findings


def check_seen_checkpoint(
    session: Session, settings: Settings, keys: KeyStore, note: str
) -> AuditFinding | None:
    """Is the log still an extension of a checkpoint someone saw earlier? None when it is.

    A third party keeps the checkpoints it saw (in bundles, or anchored); if the hub ever
    rolls its log back or rewrites history, this is where it shows.
    """
    try:
        seen = open_checkpoint(note.encode(), [log_verifier(settings, keys)])
    except NoteError as exc:
        return AuditFinding("bad_checkpoint_signature", str(exc))
    state = store.peek_state(session)
    size = state.size if state is not None else 0
    if seen.size > size:
        return AuditFinding(
            "log_rolled_back", f"a checkpoint of size {seen.size} was seen; the log has {size}"
        )
    source = store.SqlSubtreeSource(session)
    try:
        current_root = root_hash(source, size)
        verify_consistency(
            seen.size,
            size,
            consistency_proof(source, seen.size, size),
            seen.root_hash,
            current_root,
        )
    except (ProofError, MissingSubtreeError, ValueError) as exc:
        return AuditFinding("log_forked", f"the log no longer extends size {seen.size}: {exc}")
    return None
