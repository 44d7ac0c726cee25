"""The log side: submit this hub's newest checkpoint to its witnesses and keep their cosignatures.

For each configured witness the hub remembers the size the witness last cosigned for this
log, sends ``old`` = that size with a consistency proof from it, and stores the returned
cosignature line once it verifies under the witness's pinned key. A 409 says which size the
witness really holds: the hub proves consistency from that one and asks again. No
transaction stays open across the network.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session

from app.domain.cosignature import CosignatureVerifier, add_signature_lines, cosignatures_of
from app.domain.hub_metadata import parse_metadata_text
from app.domain.merkle import consistency_proof
from app.domain.note import NoteError, parse_note
from app.domain.witness import SIZE_CONTENT_TYPE, AddCheckpointRequest
from app.ledger import store
from app.services.common.context import ServiceContext
from app.settings import Settings, WitnessEndpoint
from app.storage.base import utcnow
from app.storage.models import LedgerCosignature, Peer, PeerStatus, WitnessSubmission
from app.storage.models.ledger import LedgerCheckpoint

log = structlog.get_logger(__name__)

#: A 409 answer is followed by at most this many immediate resubmissions.
MAX_RESUBMISSIONS = 2
ADD_CHECKPOINT = "add-checkpoint"
#: A cosignature dated further ahead than this is refused (the spec lets verifiers do so).
MAX_CLOCK_SKEW = timedelta(minutes=10)


class SubmissionError(RuntimeError):
    """The witness did not cosign; the message says why (kept as the witness's last error)."""


@dataclass(frozen=True)
class Submission:
    """What one run did with one witness."""

    witness: str
    size: int
    status: str  # "cosigned", "current", "waiting", "failed"
    detail: str = ""


def witness_endpoints(session: Session, settings: Settings) -> list[WitnessEndpoint]:
    """The witnesses this hub asks for cosignatures: the configured ones, then active peers.

    A peer's witness key and submission prefix come from its metadata as signed by the log
    key this hub pinned for it, so pinning the peer pins its witness too.
    """
    endpoints = {e.vkey: e for e in settings.ledger_witnesses}
    peers = session.execute(
        sa.select(Peer)
        .where(Peer.status == PeerStatus.ACTIVE, Peer.witness_endpoint.is_not(None))
        .order_by(Peer.name)
    ).scalars()
    for peer in peers:
        try:
            fields = parse_metadata_text(parse_note(peer.metadata_note).text)
            vkey = fields.get("witness_key")
            if isinstance(vkey, str) and peer.witness_endpoint:
                endpoint = WitnessEndpoint(url=peer.witness_endpoint, vkey=vkey)
                endpoints.setdefault(endpoint.vkey, endpoint)
        except (NoteError, ValueError) as exc:
            log.warning("peer_witness_unusable", peer=peer.name, error=str(exc))
    return list(endpoints.values())


def submit_to_witnesses(
    ctx: ServiceContext, http: httpx.Client, endpoints: Iterable[WitnessEndpoint] | None = None
) -> list[Submission]:
    """Get the latest checkpoint cosigned by every witness that has not cosigned it yet."""
    if endpoints is None:
        with ctx.uow() as uow:
            endpoints = witness_endpoints(uow.session, ctx.settings)
    return [_submit(ctx, http, endpoint) for endpoint in endpoints]


def _submit(ctx: ServiceContext, http: httpx.Client, endpoint: WitnessEndpoint) -> Submission:
    verifier = CosignatureVerifier.from_vkey(endpoint.vkey)
    now = ctx.clock()
    with ctx.uow() as uow:
        session = uow.session
        latest = store.latest_checkpoint(session)
        if latest is None:
            return Submission(verifier.name, 0, "current", "the log has no checkpoint yet")
        state = _state(session, verifier, endpoint.url)
        if _cosigned(session, latest.id, verifier.vkey):
            uow.commit()
            return Submission(verifier.name, latest.size, "current")
        if state.next_attempt_at is not None and state.next_attempt_at > now:
            uow.commit()
            return Submission(verifier.name, latest.size, "waiting", state.last_error or "")
        old = state.witness_size
        checkpoint_id, size, note = latest.id, latest.size, latest.note
        proof = _proof(session, old, size)
        uow.commit()
    try:
        line, cosigned_at = _exchange(ctx, http, endpoint, verifier, old, proof, note, size)
    except SubmissionError as exc:
        _failed(ctx, verifier, str(exc))
        log.warning("witness_submission_failed", witness=verifier.name, size=size, error=str(exc))
        return Submission(verifier.name, size, "failed", str(exc))
    with ctx.uow() as uow:
        session = uow.session
        if not _cosigned(session, checkpoint_id, verifier.vkey):
            session.add(
                LedgerCosignature(
                    checkpoint_id=checkpoint_id,
                    size=size,
                    witness_vkey=verifier.vkey,
                    line=line,
                    cosigned_at=cosigned_at,
                )
            )
        state = _state(session, verifier, endpoint.url)
        state.witness_size = max(state.witness_size, size)
        state.failures, state.next_attempt_at, state.last_error = 0, None, None
        state.updated_at = utcnow()
        uow.commit()
    return Submission(verifier.name, size, "cosigned")


def _exchange(
    ctx: ServiceContext,
    http: httpx.Client,
    endpoint: WitnessEndpoint,
    verifier: CosignatureVerifier,
    old: int,
    proof: Sequence[bytes],
    note: str,
    size: int,
) -> tuple[str, datetime]:
    """POST add-checkpoint until cosigned; a 409 restarts from the size the witness holds."""
    url = endpoint.url.rstrip("/") + "/" + ADD_CHECKPOINT
    for _ in range(MAX_RESUBMISSIONS + 1):
        body = AddCheckpointRequest(old, tuple(proof), note.encode()).encode()
        try:
            response = http.post(
                url,
                content=body,
                headers={"content-type": "text/plain; charset=utf-8"},
                timeout=ctx.settings.ledger_witness_timeout_seconds,
            )
        except httpx.HTTPError as exc:
            raise SubmissionError(f"{url}: {type(exc).__name__}: {exc}") from exc
        if response.status_code == 200:
            return _cosignature(verifier, note, response.text, ctx.clock())
        if response.status_code != 409:
            raise SubmissionError(f"{url} answered {response.status_code}: {response.text[:300]}")
        held = _held_size(response)
        if held == old or held > size:
            # The witness holds this size with another root, or a larger tree than ours:
            # either way it will never cosign this log's current history. Say so loudly.
            raise SubmissionError(
                f"{url} holds size {held} for this log and refuses size {size} from {old}: "
                "the witness saw a history this log does not continue"
            )
        with ctx.uow() as uow:
            proof = _proof(uow.session, held, size)
        old = held
        _remember_size(ctx, verifier, endpoint.url, held)
    raise SubmissionError(f"{url} kept answering 409")


def _held_size(response: httpx.Response) -> int:
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    text = response.text
    if media_type != SIZE_CONTENT_TYPE or not text.endswith("\n") or not text[:-1].isdigit():
        raise SubmissionError(f"409 without a {SIZE_CONTENT_TYPE} size: {text[:100]!r}")
    return int(text[:-1])


def _cosignature(
    verifier: CosignatureVerifier, note: str, body: str, now: datetime
) -> tuple[str, datetime]:
    """The witness's line from a 200 body, verified; lines of other keys are ignored."""
    lines = body.splitlines(keepends=True)
    try:
        found = cosignatures_of(add_signature_lines(note, lines), [verifier])
    except NoteError as exc:
        raise SubmissionError(f"the answer is not signature lines: {exc}") from exc
    cosignature = found.get(verifier.name)
    if cosignature is None:
        raise SubmissionError("the answer holds no valid cosignature from the pinned witness key")
    if cosignature.timestamp > (now + MAX_CLOCK_SKEW).timestamp():
        raise SubmissionError(f"the cosignature is dated in the future ({cosignature.timestamp})")
    return cosignature.line, datetime.fromtimestamp(cosignature.timestamp, UTC)


def _proof(session: Session, old: int, size: int) -> list[bytes]:
    if old == 0 or old >= size:
        return []
    return consistency_proof(store.SqlSubtreeSource(session), old, size)


def _state(session: Session, verifier: CosignatureVerifier, url: str) -> WitnessSubmission:
    state = session.get(WitnessSubmission, verifier.vkey)
    if state is None:
        state = WitnessSubmission(
            witness_vkey=verifier.vkey, url=url, witness_size=0, failures=0, updated_at=utcnow()
        )
        session.add(state)
        session.flush()
    state.url = url
    return state


def _remember_size(ctx: ServiceContext, verifier: CosignatureVerifier, url: str, size: int) -> None:
    with ctx.uow() as uow:
        state = _state(uow.session, verifier, url)
        state.witness_size = size
        state.updated_at = utcnow()
        uow.commit()


def _failed(ctx: ServiceContext, verifier: CosignatureVerifier, error: str) -> None:
    settings = ctx.settings
    with ctx.uow() as uow:
        state = uow.session.get(WitnessSubmission, verifier.vkey)
        if state is None:
            return
        state.failures += 1
        delay = min(
            settings.ledger_witness_retry_max_seconds,
            settings.ledger_witness_retry_base_seconds * 2 ** min(state.failures, 16),
        )
        state.next_attempt_at = ctx.clock() + timedelta(seconds=delay)
        state.last_error = error[:2000]
        state.updated_at = utcnow()
        uow.commit()


def _cosigned(session: Session, checkpoint_id: uuid.UUID, vkey: str) -> bool:
    return (
        session.execute(
            sa.select(LedgerCosignature.id).where(
                LedgerCosignature.checkpoint_id == checkpoint_id,
                LedgerCosignature.witness_vkey == vkey,
            )
        ).first()
        is not None
    )


def cosignature_lines(session: Session, checkpoint_id: uuid.UUID) -> list[str]:
    """The witnesses' lines on one checkpoint, oldest first, to append to its note."""
    return list(
        session.execute(
            sa.select(LedgerCosignature.line)
            .where(LedgerCosignature.checkpoint_id == checkpoint_id)
            .order_by(LedgerCosignature.created_at, LedgerCosignature.id)
        ).scalars()
    )


def cosigned_note(session: Session, checkpoint: LedgerCheckpoint) -> str:
    """The checkpoint as published: the log's signed note plus the witnesses' cosignatures."""
    return add_signature_lines(checkpoint.note, cosignature_lines(session, checkpoint.id))


def latest_cosigned_checkpoint(session: Session, at_least: int) -> LedgerCheckpoint | None:
    """The newest checkpoint of ``at_least`` leaves or more that some witness cosigned."""
    return session.execute(
        sa.select(LedgerCheckpoint)
        .join(LedgerCosignature, LedgerCosignature.checkpoint_id == LedgerCheckpoint.id)
        .where(LedgerCheckpoint.size >= at_least)
        .order_by(LedgerCheckpoint.size.desc())
        .limit(1)
    ).scalar_one_or_none()


def submission_states(session: Session) -> list[WitnessSubmission]:
    return list(
        session.execute(
            sa.select(WitnessSubmission).order_by(WitnessSubmission.witness_vkey)
        ).scalars()
    )
