"""Audit the stored log: recompute leaves from events and salts, and roots from leaves."""

from __future__ import annotations

from collections.abc import Iterator
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
from app.services.ledger.log import leaf_record, log_verifier
from app.settings import Settings
from app.storage.models import Event


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
    salts = store.all_salts(session)
    memory = MemorySubtreeStore()
    findings: list[AuditFinding] = []
    for chunk in _chunks(store.leaf_hashes(session, size), 5_000):
        first = chunk[0][0]
        if first != memory.size:
            findings.append(AuditFinding("leaf_missing", f"leaf {memory.size} is gone", first))
            break
        events = {
            e.seq: e
            for e in session.execute(
                sa.select(Event).where(Event.seq > first, Event.seq <= first + len(chunk))
            ).scalars()
        }
        for index, digest in chunk:
            findings += _audit_leaf(index, digest, events.get(index + 1), salts.get(index))
        memory.append([digest for _, digest in chunk])
    if memory.size != size and not findings:
        findings.append(
            AuditFinding("leaf_missing", f"expected {size} leaves, found {memory.size}")
        )
    findings += _audit_nodes(session, memory)
    findings += _audit_checkpoints(session, settings, keys, memory)
    return findings


def _chunks(rows: Iterator[tuple[int, bytes]], size: int) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _audit_leaf(
    index: int, digest: bytes, event: Event | None, salt: bytes | None
) -> list[AuditFinding]:
    if event is None:
        return [AuditFinding("event_missing", f"no event with seq {index + 1}", index)]
    if json_sha256(event.payload) != event.payload_sha256:
        return [AuditFinding("payload_mismatch", f"event {event.id}", index)]
    if salt is None:
        return [AuditFinding("salt_missing", f"event {event.id}", index)]
    if leaf_hash(leaf_record(event, salt).encode()) != digest:
        return [AuditFinding("leaf_mismatch", f"event {event.id} changed", index)]
    return []


def _audit_nodes(session: Session, memory: MemorySubtreeStore) -> list[AuditFinding]:
    """Every stored subtree hash must be what the leaves below it hash to."""
    findings: list[AuditFinding] = []
    for node, digest in store.stored_nodes(session):
        if memory.subtree_hashes([node]).get(node) != digest:
            findings.append(AuditFinding("node_mismatch", f"subtree {node} does not add up"))
    return findings


def _audit_checkpoints(
    session: Session, settings: Settings, keys: KeyStore, memory: MemorySubtreeStore
) -> list[AuditFinding]:
    findings: list[AuditFinding] = []
    stored = store.SqlSubtreeSource(session)
    verifier = log_verifier(settings, keys)
    for checkpoint in store.all_checkpoints(session):
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
