"""Offline verification: RFC 9162 proofs, signed checkpoints and whole proof bundles, no database.

``verify_inclusion`` and ``verify_consistency`` are the strict RFC 9162 §2.1.3.2 / §2.1.4.2
verifiers; ``verify_bundle`` checks a document against a proof bundle and says, check by
check, what holds and why not. A bundle without an external anchor (a hub anchoring to
``none://``, or a leaf not anchored yet) verifies on the hub's signed checkpoint alone and says
so; a verifier that requires an external witness asks for it with ``require_anchor``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.domain.canonical import CanonicalizationError, canonical_json, canonical_xml
from app.domain.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from app.domain.cosignature import CosignatureVerifier, cosignatures_of
from app.domain.hash_match import HashMatchStatement, Match, StatementError, parse_statement
from app.domain.hashing import json_sha256
from app.domain.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    ProofError,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from app.domain.note import NoteError, NoteVerifier, open_note
from app.ledger.bundle import ProofBundle
from app.ledger.leaf import LeafDataError, LeafRecord
from app.ledger.sinks import (
    AnchorVerificationError,
    TrustAnchors,
    receipt_from_json,
    verify_receipt,
)
from app.ledger.statement import HashMatchEvidence
from app.validation.errors import IntakeError
from app.validation.safe_json import parse_json
from app.validation.safe_xml import parse_xml

#: Nesting limit for parsing a document under verification (intake's default).
MAX_DEPTH = 64

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Check",
    "Checkpoint",
    "NoteError",
    "ProofError",
    "Report",
    "document_digests",
    "leaf_hash",
    "node_hash",
    "verify_bundle",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "verify_statement",
]


#: Receipt kind of the ``none://`` sink, which records that nothing was anchored.
NO_ANCHOR_KIND = "none"
#: The event a hash-match statement's leaf must record: the document's acceptance.
ACCEPTANCE_KIND = "document.accepted"


#: How a verdict names a check whose id alone would not say what it covers.
_SAID = {"checkpoint": "signed checkpoint", "log": "live log", "statement": "signed statement"}
#: Check names of witness checks start with this, followed by the witness's name.
WITNESS_CHECK = "witness:"


def _said(name: str) -> str:
    if name.startswith(WITNESS_CHECK):
        return f"cosigned by witness {name.removeprefix(WITNESS_CHECK)}"
    return _SAID.get(name, name)


@dataclass(frozen=True)
class Check:
    """One verdict: ``ok`` or not, a stable ``reason`` code when not, and a human detail.

    A ``skipped`` check had nothing to verify (no external anchor): it neither passes nor
    fails the report, and its ``reason`` says why it was skipped.
    """

    name: str
    ok: bool
    reason: str | None = None
    detail: str = ""
    skipped: bool = False


@dataclass
class Report:
    """Every check run on a bundle, in order."""

    checks: list[Check] = field(default_factory=list)
    #: False for reports that never look at anchors (hash-match statements).
    anchorable: bool = True

    @property
    def ok(self) -> bool:
        """True when every check passed or had nothing to verify."""
        return bool(self.checks) and all(c.ok or c.skipped for c in self.checks)

    @property
    def anchored(self) -> bool:
        """True when an external anchor receipt verified."""
        return any(c.name == "anchor" and c.ok for c in self.checks)

    @property
    def reasons(self) -> list[str]:
        """Reason codes of the failed checks."""
        return [c.reason for c in self.checks if not (c.ok or c.skipped) and c.reason]

    @property
    def verdict(self) -> str:
        """One sentence for a person: what was verified, or why not."""
        if not self.ok:
            return f"NOT VERIFIED: {', '.join(self.reasons) or 'nothing was checked'}"
        passed = ", ".join(_said(c.name) for c in self.checks if c.ok)
        if self.anchored or not self.anchorable:
            return f"VERIFIED: {passed}"
        unanchored = next((c for c in self.checks if c.name == "anchor" and c.skipped), None)
        why = unanchored.detail if unanchored else "no anchor was checked"
        return f"VERIFIED: {passed}; not anchored outside the hub: {why}"

    def as_dict(self) -> dict[str, Any]:
        """JSON shape used by the API and the CLI."""
        return {
            "verified": self.ok,
            "anchored": self.anchored,
            "verdict": self.verdict,
            "reasons": self.reasons,
            "checks": [
                {
                    "check": c.name,
                    "ok": c.ok,
                    "skipped": c.skipped,
                    "reason": c.reason,
                    "detail": c.detail,
                }
                for c in self.checks
            ],
        }


def _unb64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"invalid base64 {value[:16]!r}") from exc


def verify_checkpoint(
    signed_note: bytes | str, log_key: str | NoteVerifier, origin: str | None = None
) -> Checkpoint:
    """Open a signed checkpoint with the log's verifier key; raise NoteError if it fails.

    ``log_key`` is the ``name+keyid+base64key`` string the hub publishes.
    """
    verifier = log_key if isinstance(log_key, NoteVerifier) else NoteVerifier.from_vkey(log_key)
    note = signed_note.encode() if isinstance(signed_note, str) else signed_note
    return open_checkpoint(note, [verifier], origin)


def document_digests(content: bytes) -> tuple[str, str | None]:
    """SHA-256 of the bytes, and of the canonical form intake hashed (JCS or exc-c14n).

    The file goes through the same hardened parsers as intake; a file they refuse has no
    canonical hash, and only its raw SHA-256 can match.
    """
    raw = hashlib.sha256(content).hexdigest()
    start = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    try:
        if start in (b"{", b"["):
            parsed = parse_json(content, max_depth=MAX_DEPTH)
            canonical = canonical_json(parsed.value, plain=parsed.plain)
        elif start == b"<":
            canonical = canonical_xml(parse_xml(content, max_depth=MAX_DEPTH))
        else:
            return raw, None
    except (IntakeError, CanonicalizationError):
        return raw, None
    return raw, hashlib.sha256(canonical).hexdigest()


def _check_document(content: bytes, bundle: ProofBundle) -> Check:
    payload = bundle.event.payload
    bound = {payload.get("sha256"), payload.get("canonical_sha256")} - {None}
    if not bound:
        return Check("document", False, "document_not_bound", "event payload names no hash")
    raw, canonical = document_digests(content)
    if raw in bound or (canonical is not None and canonical in bound):
        return Check("document", True, detail=f"canonical sha256 {canonical or raw}")
    return Check(
        "document", False, "hash_mismatch", "the file's hash is not the one the log recorded"
    )


def _check_event(bundle: ProofBundle) -> Check:
    event = bundle.event
    if json_sha256(event.payload) != event.payload_sha256:
        return Check("event", False, "payload_mismatch", "payload does not hash to payload_sha256")
    return Check("event", True, detail=f"{event.kind} {event.subject}")


def _check_leaf(bundle: ProofBundle) -> tuple[Check, bytes | None]:
    try:
        data = _unb64(bundle.leaf.data)
        record = LeafRecord.decode(data)
    except (ValueError, LeafDataError) as exc:
        return Check("leaf", False, "malformed_bundle", str(exc)), None
    event = bundle.event
    expected = (event.id, event.kind, event.subject, event.payload_sha256, event.time)
    actual = (record.event_id, record.kind, record.subject, record.payload_sha256, record.time)
    if expected != actual:
        return Check("leaf", False, "leaf_mismatch", "leaf data does not describe this event"), None
    return Check("leaf", True, detail=f"leaf {bundle.leaf.index}"), leaf_hash(data)


def _open(note: str, verifiers: Sequence[NoteVerifier], origin: str) -> Checkpoint:
    return open_checkpoint(note.encode(), verifiers, origin)


def _check_inclusion(bundle: ProofBundle, digest: bytes, checkpoint: Checkpoint) -> Check:
    if bundle.inclusion.size != checkpoint.size:
        return Check("inclusion", False, "bad_inclusion_proof", "proof is for another tree size")
    try:
        proof = [_unb64(p) for p in bundle.inclusion.proof]
        verify_inclusion(bundle.leaf.index, checkpoint.size, digest, proof, checkpoint.root_hash)
    except (ValueError, ProofError) as exc:
        return Check("inclusion", False, "bad_inclusion_proof", str(exc))
    return Check("inclusion", True, detail=f"leaf {bundle.leaf.index} of {checkpoint.size}")


def _unanchored(bundle: ProofBundle, require_anchor: bool, witnessed: Sequence[str]) -> Check:
    """The verdict on a bundle with no external anchor receipt to check.

    What then vouches for the checkpoint outside the hub is the cosignature of each witness
    that verified (``witnessed``), or nothing but the hub's own signature: the detail says
    which, so a verdict that names a witness never also calls the hub the only witness.
    """
    if bundle.anchors:
        reason = "no_external_anchor"
        cause = "no external anchor is configured (the hub anchors to none://)"
    else:
        reason = "anchor_missing"
        cause = "the bundle carries no anchor receipt yet (or the hub anchors nowhere)"
    if witnessed:
        names = ", ".join(witnessed)
        noun = "witness" if len(witnessed) == 1 else "witnesses"
        detail = f"{cause}; outside the hub, only the cosignature of {noun} {names} vouches for it"
    else:
        detail = f"{cause}, so the hub's signed checkpoint is the only witness"
    return Check("anchor", False, reason, detail, skipped=not require_anchor)


def _check_anchors(
    bundle: ProofBundle,
    checkpoint: Checkpoint,
    verifiers: Sequence[NoteVerifier],
    trust: TrustAnchors,
    require_anchor: bool,
    witnessed: Sequence[str] = (),
) -> Check:
    external = [a for a in bundle.anchors if a.receipt.get("kind") != NO_ANCHOR_KIND]
    if not external:
        return _unanchored(bundle, require_anchor, witnessed)
    problems: list[str] = []
    reasons: list[str] = []
    for anchor in external:
        try:
            anchored = _open(anchor.checkpoint, verifiers, bundle.origin)
        except NoteError as exc:
            reasons.append("bad_checkpoint_signature")
            problems.append(f"{anchor.sink}: anchored checkpoint: {exc}")
            continue
        try:
            verify_consistency(
                checkpoint.size,
                anchored.size,
                [_unb64(p) for p in anchor.consistency],
                checkpoint.root_hash,
                anchored.root_hash,
            )
        except (ValueError, ProofError) as exc:
            reasons.append("bad_consistency_proof")
            problems.append(f"{anchor.sink}: {exc}")
            continue
        try:
            receipt = receipt_from_json(anchor.receipt)
            when = verify_receipt(anchor.checkpoint.encode(), receipt, trust)
        except AnchorVerificationError as exc:
            reasons.append("anchor_unverified")
            problems.append(f"{anchor.sink}: {exc.reason}: {exc}")
            continue
        return Check(
            "anchor", True, detail=f"{receipt.kind} at {when.isoformat()} for size {anchored.size}"
        )
    reason = reasons[0] if len(set(reasons)) == 1 else "anchor_unverified"
    return Check("anchor", False, reason, "; ".join(problems))


def _check_witness(
    bundle: ProofBundle,
    checkpoint: Checkpoint,
    verifiers: Sequence[NoteVerifier],
    witness: CosignatureVerifier,
) -> Check:
    """The witness cosigned the bundle's checkpoint, or a later one it grew into.

    A cosignature says the witness saw this tree as the log's largest consistent one at
    that time, so a log that showed another history to someone else is caught by whoever
    holds both: the same witness never cosigns two trees that do not extend each other.
    """
    name = WITNESS_CHECK + witness.name
    try:
        direct = cosignatures_of(bundle.checkpoint, [witness]).get(witness.name)
    except NoteError as exc:
        return Check(name, False, "bad_checkpoint", str(exc))
    if direct is not None:
        return Check(name, True, detail=f"size {checkpoint.size} at {_when(direct.timestamp)}")
    witnessed = bundle.witnessed
    if witnessed is None:
        return Check(name, False, "witness_missing", f"no valid cosignature by {witness.name}")
    try:
        later = _open(witnessed.checkpoint, verifiers, bundle.origin)
        cosigned = cosignatures_of(witnessed.checkpoint, [witness]).get(witness.name)
    except NoteError as exc:
        return Check(name, False, "bad_checkpoint_signature", f"witnessed checkpoint: {exc}")
    if cosigned is None:
        return Check(name, False, "witness_missing", f"no valid cosignature by {witness.name}")
    try:
        verify_consistency(
            checkpoint.size,
            later.size,
            [_unb64(p) for p in witnessed.consistency],
            checkpoint.root_hash,
            later.root_hash,
        )
    except (ValueError, ProofError) as exc:
        return Check(name, False, "bad_consistency_proof", f"witnessed checkpoint: {exc}")
    return Check(
        name,
        True,
        detail=f"size {later.size} (grown from {checkpoint.size}) at {_when(cosigned.timestamp)}",
    )


def _when(timestamp: int) -> str:
    try:
        return datetime.fromtimestamp(timestamp, UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        return f"POSIX time {timestamp}"


def verify_bundle(
    content: bytes | None,
    bundle: ProofBundle,
    verifiers: Sequence[NoteVerifier],
    trust: TrustAnchors | None = None,
    *,
    require_anchor: bool = False,
    witnesses: Sequence[CosignatureVerifier] = (),
) -> Report:
    """Check a document (or, with ``content=None``, the event alone) against its bundle.

    Order matters for the reasons a user sees: document, event, leaf, checkpoint signature,
    inclusion, then at least one anchor whose checkpoint the bundle's tree grew into. Without
    an external anchor receipt the anchor check is skipped, or fails with ``require_anchor``.
    Each witness named in ``witnesses`` must have cosigned the checkpoint (or a later one the
    bundle proves its tree grew into).
    """
    trust = trust or TrustAnchors()
    report = Report()
    if content is not None:
        report.checks.append(_check_document(content, bundle))
    report.checks.append(_check_event(bundle))
    leaf_check, digest = _check_leaf(bundle)
    report.checks.append(leaf_check)
    try:
        checkpoint = _open(bundle.checkpoint, verifiers, bundle.origin)
    except CheckpointError as exc:
        report.checks.append(Check("checkpoint", False, "bad_checkpoint", str(exc)))
        return report
    except NoteError as exc:
        report.checks.append(Check("checkpoint", False, "bad_checkpoint_signature", str(exc)))
        return report
    report.checks.append(
        Check("checkpoint", True, detail=f"{checkpoint.origin} size {checkpoint.size}")
    )
    if digest is not None:
        report.checks.append(_check_inclusion(bundle, digest, checkpoint))
    cosigned = [_check_witness(bundle, checkpoint, verifiers, w) for w in witnesses]
    witnessed = [c.name.removeprefix(WITNESS_CHECK) for c in cosigned if c.ok]
    report.checks.append(
        _check_anchors(bundle, checkpoint, verifiers, trust, require_anchor, witnessed)
    )
    report.checks.extend(cosigned)
    return report


def _check_statement(
    evidence: HashMatchEvidence, verifiers: Sequence[NoteVerifier]
) -> tuple[Check, HashMatchStatement | None]:
    try:
        note, _ = open_note(evidence.statement.encode(), verifiers)
    except NoteError as exc:
        return Check("statement", False, "bad_statement_signature", str(exc)), None
    try:
        statement = parse_statement(note.text)
    except StatementError as exc:
        return Check("statement", False, "malformed_statement", str(exc)), None
    verdict = "found" if statement.found else "not found"
    detail = f"{statement.hub} ({statement.jurisdiction}): {statement.sha256} {verdict}"
    return Check("statement", True, detail=detail), statement


def _check_match_leaf(
    evidence: HashMatchEvidence, match: Match
) -> tuple[Check, tuple[int, bytes] | None]:
    if evidence.leaf is None or evidence.inclusion is None or evidence.checkpoint is None:
        return Check("leaf", False, "proof_missing", "a match must come with its log proof"), None
    try:
        data = _unb64(evidence.leaf.data)
        record = LeafRecord.decode(data)
    except (ValueError, LeafDataError) as exc:
        return Check("leaf", False, "malformed_statement", str(exc)), None
    digest = leaf_hash(data)
    said = (evidence.leaf.index, base64.b64encode(digest).decode("ascii"))
    if said != (match.leaf_index, match.leaf_hash):
        return Check("leaf", False, "leaf_mismatch", "the proof is for another leaf"), None
    if record.kind != ACCEPTANCE_KIND or record.time != match.accepted_at:
        return Check(
            "leaf", False, "leaf_mismatch", "the leaf does not record this acceptance"
        ), None
    return Check("leaf", True, detail=f"leaf {match.leaf_index}: {record.kind}"), (
        match.leaf_index,
        digest,
    )


def verify_statement(
    evidence: HashMatchEvidence,
    verifiers: Sequence[NoteVerifier],
    *,
    sha256: str | None = None,
) -> tuple[Report, HashMatchStatement | None]:
    """Check hash-match evidence offline: statement signature and format, and for a match the
    leaf, the signed checkpoint (same log, same key) and the inclusion proof.

    ``sha256``, when given, is the hash the verifier asked about (or computed from its file);
    the statement must be about it.
    """
    report = Report(anchorable=False)
    check, statement = _check_statement(evidence, verifiers)
    report.checks.append(check)
    if statement is None:
        return report, None
    if sha256 is not None:
        ok = sha256.lower() == statement.sha256
        report.checks.append(
            Check("hash", True, detail=sha256.lower())
            if ok
            else Check("hash", False, "hash_mismatch", "the statement is about another hash")
        )
    match = statement.match
    if match is None:
        return report, statement
    leaf_check, leaf = _check_match_leaf(evidence, match)
    report.checks.append(leaf_check)
    if leaf is None or evidence.checkpoint is None or evidence.inclusion is None:
        return report, statement
    try:
        checkpoint = _open(evidence.checkpoint, verifiers, statement.origin)
    except NoteError as exc:
        report.checks.append(Check("checkpoint", False, "bad_checkpoint_signature", str(exc)))
        return report, statement
    if checkpoint.size != match.tree_size or evidence.inclusion.size != checkpoint.size:
        report.checks.append(
            Check("checkpoint", False, "bad_checkpoint", "checkpoint is for another tree size")
        )
        return report, statement
    report.checks.append(
        Check("checkpoint", True, detail=f"{checkpoint.origin} size {checkpoint.size}")
    )
    index, digest = leaf
    try:
        proof = [_unb64(p) for p in evidence.inclusion.proof]
        verify_inclusion(index, checkpoint.size, digest, proof, checkpoint.root_hash)
    except (ValueError, ProofError) as exc:
        report.checks.append(Check("inclusion", False, "bad_inclusion_proof", str(exc)))
        return report, statement
    report.checks.append(Check("inclusion", True, detail=f"leaf {index} of {checkpoint.size}"))
    return report, statement
