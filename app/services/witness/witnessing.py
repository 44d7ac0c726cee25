"""The witness side: cosign a witnessed log's checkpoint when it extends the last one cosigned.

Per log the witness keeps one row (origin, pinned verifier key, latest cosigned size, root
and note). A new checkpoint is cosigned only after its signature verifies under the pinned
key and a consistency proof leads from the stored tree to it; the row then moves forward by
a compare-and-swap on the size and root that were checked, in the same transaction that
makes the cosignature count. A checkpoint that contradicts the cosigned one is refused, and
the evidence (both checkpoints) is recorded as a ``federation.witness_alarm`` event.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session

from app.domain.checkpoint import Checkpoint, CheckpointError
from app.domain.cosignature import CosignatureSigner, CosignatureVerifier, add_signature_lines
from app.domain.note import NoteError, NoteVerifier, open_note, parse_note
from app.domain.witness import ALARMS, AddCheckpointRequest, RequestError, Verdict, decide
from app.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unprocessable,
)
from app.security.keys import KeyStore, KeyStoreError
from app.services.common.context import ServiceContext
from app.services.common.events import record_event
from app.settings import Settings
from app.storage.base import utcnow
from app.storage.models import Event, WitnessedLog

log = structlog.get_logger(__name__)

ALARM_EVENT = "federation.witness_alarm"
#: Where peers submit checkpoints (tlog-witness submission prefix), as hub metadata says.
WITNESS_PREFIX = "/federation/v1/witness"
ADDED_EVENT = "federation.witness_log_added"
ACTOR = "system:witness"


def witness_signer(settings: Settings, keys: KeyStore) -> CosignatureSigner:
    """This hub's cosigner: the witness key under the witness name."""
    return CosignatureSigner(settings.effective_witness_name, keys.witness_signing_key())


def witness_verifier(settings: Settings, keys: KeyStore) -> CosignatureVerifier:
    """The cosignature/v1 verifier key (type 0x04) that logs and verifiers pin."""
    return witness_signer(settings, keys).verifier()


def witness_description(settings: Settings, keys: KeyStore) -> dict[str, str] | None:
    """What logs and verifiers need to use this hub's witness (None without a witness key)."""
    if not keys.has_witness_key:
        return None
    return {
        "name": settings.effective_witness_name,
        "vkey": witness_verifier(settings, keys).vkey,
        "cosignature": "C2SP tlog-cosignature, cosignature/v1 (Ed25519)",
        "add_checkpoint": f"{settings.issuer.rstrip('/')}/add-checkpoint",
        "submission_prefix": f"{settings.issuer.rstrip('/')}{WITNESS_PREFIX}",
    }


class StaleSize(Conflict):
    """409: the body must be the latest cosigned size, as ``text/x.tlog.size``."""

    slug = "witness-conflict"

    def __init__(self, detail: str, latest_size: int) -> None:
        super().__init__(detail, latest_size=latest_size)
        self.latest_size = latest_size


@dataclass(frozen=True)
class _Checked:
    """A parsed request whose checkpoint verified under the log's pinned key."""

    request: AddCheckpointRequest
    text: str
    checkpoint: Checkpoint


def _parse(body: bytes) -> tuple[AddCheckpointRequest, str, Checkpoint]:
    try:
        request = AddCheckpointRequest.parse(body)
        note = parse_note(request.checkpoint)
        return request, note.text, Checkpoint.parse(note.text)
    except (RequestError, NoteError) as exc:
        raise BadRequest(str(exc), slug="witness-malformed-request") from exc


def add_checkpoint(ctx: ServiceContext, body: bytes) -> str:
    """Handle one add-checkpoint request; return the cosignature line(s) to answer with."""
    request, text, checkpoint = _parse(body)
    try:
        signer = witness_signer(ctx.settings, ctx.keys)
    except KeyStoreError as exc:
        raise ServiceUnavailable(str(exc), slug="witness-not-configured") from exc
    with ctx.uow() as uow:
        row = uow.session.get(WitnessedLog, checkpoint.origin)
        if row is None:
            raise NotFound(
                f"this witness does not witness {checkpoint.origin!r}", slug="witness-unknown-log"
            )
        _verify_signature(row, request.checkpoint)
        latest_size, latest_root, latest_note = row.size, row.root_hash, row.note
    decision = decide(
        latest_size,
        latest_root,
        request.old_size,
        request.proof,
        checkpoint.size,
        checkpoint.root_hash,
    )
    checked = _Checked(request, text, checkpoint)
    if decision.verdict in ALARMS:
        _raise_alarm(
            ctx, checked, decision.verdict, decision.detail, latest_size, latest_root, latest_note
        )
    if decision.verdict == Verdict.STALE_OLD_SIZE:
        raise StaleSize(decision.detail, latest_size)
    if decision.verdict in (Verdict.INCONSISTENT, Verdict.BAD_PROOF, Verdict.BAD_EMPTY_ROOT):
        raise Unprocessable(decision.detail, slug="witness-bad-proof")
    if decision.verdict != Verdict.COSIGN:
        raise BadRequest(decision.detail, slug="witness-bad-size", reason=decision.verdict.value)
    cosignature = signer.cosign(text, int(ctx.clock().timestamp()))
    note = add_signature_lines(request.checkpoint.decode(), [cosignature.line()])
    with ctx.uow() as uow:
        result = uow.session.execute(
            sa.update(WitnessedLog)
            .where(
                WitnessedLog.origin == checkpoint.origin,
                WitnessedLog.size == latest_size,
                WitnessedLog.root_hash.is_not_distinct_from(latest_root),
            )
            .values(
                size=checkpoint.size,
                root_hash=checkpoint.root_hash,
                note=note,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        if int(getattr(result, "rowcount", 0) or 0) != 1:
            now = uow.session.execute(
                sa.select(WitnessedLog.size).where(WitnessedLog.origin == checkpoint.origin)
            ).scalar_one()
            raise StaleSize("another request moved this log forward first", now)
        uow.commit()
    log.info("witness_cosigned", origin=checkpoint.origin, size=checkpoint.size)
    return cosignature.line()


def _verify_signature(row: WitnessedLog, note: bytes) -> None:
    """403 unless the log's pinned key signed the note (signatures of other keys ignored)."""
    try:
        verifier = NoteVerifier.from_vkey(row.vkey)
        open_note(note, [verifier])
    except NoteError as exc:
        raise Forbidden(
            f"no signature from the key pinned for {row.origin!r} verified: {exc}",
            slug="witness-unverified-checkpoint",
        ) from exc


def _b64(value: bytes | None) -> str | None:
    return base64.b64encode(value).decode("ascii") if value is not None else None


def _raise_alarm(
    ctx: ServiceContext,
    checked: _Checked,
    verdict: Verdict,
    detail: str,
    latest_size: int,
    latest_root: bytes | None,
    latest_note: str | None,
) -> None:
    """Record the evidence once (its own transaction), then refuse the request."""
    origin = checked.checkpoint.origin
    evidence = hashlib.sha256(
        "\n".join(
            [verdict.value, origin, str(latest_size), _b64(latest_root) or "", checked.text]
        ).encode()
    ).hexdigest()
    payload: dict[str, Any] = {
        "origin": origin,
        "reason": verdict.value,
        "detail": detail,
        "cosigned": {
            "size": latest_size,
            "root_hash": _b64(latest_root),
            "checkpoint": latest_note,
        },
        "submitted": {
            "old_size": checked.request.old_size,
            "size": checked.checkpoint.size,
            "root_hash": _b64(checked.checkpoint.root_hash),
            "checkpoint": checked.request.checkpoint.decode(),
            "consistency": [_b64(h) for h in checked.request.proof],
        },
    }
    with ctx.uow() as uow:
        recorded = _record_alarm_once(uow.session, f"witness-alarm:{evidence}", payload)
        uow.commit()
    if recorded:
        log.error("witness_alarm", origin=origin, reason=verdict.value, detail=detail)
    said = f"refused, alarm raised: {detail}"
    if verdict == Verdict.FORK:
        raise StaleSize(said, latest_size)
    if verdict == Verdict.ROLLBACK:
        raise BadRequest(said, slug="witness-bad-size", reason=verdict.value, evidence=evidence)
    raise Unprocessable(said, slug="witness-bad-proof", reason=verdict.value, evidence=evidence)


def _record_alarm_once(session: Session, subject: str, payload: dict[str, Any]) -> bool:
    """One event per piece of evidence, so replaying a refused request floods nothing."""
    seen = session.execute(
        sa.select(Event.id).where(Event.kind == ALARM_EVENT, Event.subject == subject).limit(1)
    ).first()
    if seen is not None:
        return False
    record_event(session, kind=ALARM_EVENT, actor=ACTOR, subject=subject, payload=payload)
    return True


def add_witnessed_log(session: Session, origin: str, vkey: str) -> WitnessedLog:
    """Start witnessing a log: its origin line and the verifier key its checkpoints carry.

    Re-adding an origin with the same key changes nothing; another key is refused, since
    swapping the key would let a new history pass for the cosigned one.
    """
    try:
        verifier = NoteVerifier.from_vkey(vkey)
        Checkpoint(origin, 0, b"\0" * 32)
    except (NoteError, CheckpointError) as exc:
        raise BadRequest(str(exc), slug="witness-bad-log") from exc
    if len(origin) > 500:
        raise BadRequest("origin is longer than 500 characters", slug="witness-bad-log")
    row = session.get(WitnessedLog, origin)
    if row is not None:
        if row.vkey != verifier.vkey:
            raise Conflict(
                f"{origin!r} is witnessed under another key", slug="witness-log-key-differs"
            )
        return row
    now = utcnow()
    row = WitnessedLog(
        origin=origin,
        vkey=verifier.vkey,
        size=0,
        root_hash=None,
        note=None,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        kind=ADDED_EVENT,
        actor=ACTOR,
        subject=f"witnessed-log:{origin}",
        payload={"origin": origin, "vkey": verifier.vkey},
    )
    return row


def list_witnessed_logs(session: Session) -> list[WitnessedLog]:
    return list(session.execute(sa.select(WitnessedLog).order_by(WitnessedLog.origin)).scalars())
