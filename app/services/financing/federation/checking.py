"""Ask peer hubs, concurrently and within a deadline, whether they hold open registrations
sharing a document's fingerprints, without either hub learning the other's.

Per peer: blind each identifier, have the peer evaluate the blinded elements under its OPRF
key(s), finalize the outputs here, fetch the peer's buckets for the outputs' prefixes and
test membership here. The peer sees blinded elements and short prefixes; this hub sees
outputs under the peer's key, which it cannot invert without asking the peer again.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import anyio.to_thread
import structlog
from sqlalchemy.orm import Session

from app.domain import oprf
from app.domain.financing import Answer, FingerprintAnswer
from app.domain.fingerprints import Identifier, MatchKind
from app.services.common.events import record_event
from app.services.common.outbox import enqueue
from app.services.financing.federation.serving import MAX_BATCH, SUITE

log = structlog.get_logger(__name__)

EVALUATE_PATH = "/federation/v1/financing/evaluate"
BUCKET_PATH = "/federation/v1/financing/bucket"
MATCHES_PATH = "/federation/v1/financing/matches"
#: Outbox topic of the match reports sent to peers after a registration.
REPORT_TOPIC = "federation.financing.report_matches"


class PeerUnavailable(Exception):
    """The peer did not answer, refused, or answered something that is not the protocol."""


class PeerRefused(PeerUnavailable):
    """The peer answered a 4xx problem: asking again the same way cannot succeed."""


@dataclass(frozen=True, slots=True)
class PeerRef:
    """A peer hub as the check needs it: who, to name it in answers and events."""

    peer_id: uuid.UUID
    name: str
    jurisdiction: str


class PeerTransport(Protocol):
    """Authenticated JSON POSTs to a peer's federation API; any failure is PeerUnavailable.

    Blocking (the peer client is): the check runs each call on a worker thread it abandons
    when the deadline passes, so a slow peer costs a thread until the client's own timeout,
    never the lender's answer.
    """

    def post(self, peer: PeerRef, path: str, body: dict[str, Any]) -> dict[str, Any]: ...


async def _post(
    transport: PeerTransport, peer: PeerRef, path: str, body: dict[str, Any]
) -> dict[str, Any]:
    call = functools.partial(transport.post, peer, path, body)
    return await anyio.to_thread.run_sync(call, abandon_on_cancel=True)


class PeerStatus(StrEnum):
    CLEAR = Answer.CLEAR.value
    SIMILAR = Answer.SIMILAR.value
    DUPLICATE = Answer.DUPLICATE.value
    UNAVAILABLE = "UNAVAILABLE"


@dataclass(frozen=True, slots=True)
class PeerAnswer:
    """One peer's answer: the local answer's shape, plus the outputs matched (for the report
    to the peer only, never shown to the lender)."""

    peer: PeerRef
    status: PeerStatus
    answers: tuple[FingerprintAnswer, ...] = ()
    matched: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "peer": self.peer.name,
            "jurisdiction": self.peer.jurisdiction,
            "status": self.status.value,
            "fingerprints": [a.as_dict() for a in self.answers],
        }


def _invalid(what: str) -> PeerUnavailable:
    return PeerUnavailable(f"the peer's answer is not the protocol: {what}")


def _hex(text: Any, size: int, what: str) -> bytes:
    if not isinstance(text, str) or len(text) != 2 * size:
        raise _invalid(what)
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise _invalid(what) from None


def _evaluations(answer: dict[str, Any], count: int) -> tuple[int, dict[str, list[bytes]]]:
    bucket_bytes = answer.get("bucket_bytes")
    if answer.get("suite") != SUITE or answer.get("mode") != oprf.MODE_OPRF:
        raise _invalid("suite")
    if not isinstance(bucket_bytes, int) or not 1 <= bucket_bytes <= 4:
        raise _invalid("bucket_bytes")
    evaluations = answer.get("evaluations")
    if not isinstance(evaluations, list) or not 1 <= len(evaluations) <= 8:
        raise _invalid("evaluations")
    found: dict[str, list[bytes]] = {}
    for evaluation in evaluations:
        key_id = evaluation.get("key_id") if isinstance(evaluation, dict) else None
        elements = evaluation.get("elements") if isinstance(evaluation, dict) else None
        if not isinstance(key_id, str) or not 0 < len(key_id) <= 64:
            raise _invalid("key_id")
        if not isinstance(elements, list) or len(elements) != count:
            raise _invalid("elements")
        found[key_id] = [_hex(e, oprf.ELEMENT_BYTES, "element") for e in elements]
    return bucket_bytes, found


def _bucket_counts(answer: dict[str, Any], key_id: str) -> dict[bytes, int]:
    buckets = answer.get("buckets")
    if answer.get("key_id") != key_id or not isinstance(buckets, dict):
        raise _invalid("buckets")
    counts: dict[bytes, int] = {}
    for entries in buckets.values():
        if not isinstance(entries, list):
            raise _invalid("bucket")
        for entry in entries:
            count = entry.get("count") if isinstance(entry, dict) else None
            if not isinstance(count, int) or count < 1:
                raise _invalid("count")
            counts[_hex(entry.get("output"), oprf.OUTPUT_BYTES, "output")] = count
    return counts


def _summary(
    peer: PeerRef,
    identifiers: Sequence[Identifier],
    counts: list[int],
    matched: dict[str, tuple[str, ...]],
) -> PeerAnswer:
    """Per definition, the most registrations any of its combinations is held by."""
    per_definition: dict[str, tuple[MatchKind, int]] = {}
    for identifier, count in zip(identifiers, counts, strict=True):
        _, best = per_definition.get(identifier.definition, (identifier.match, 0))
        per_definition[identifier.definition] = (identifier.match, max(best, count))
    answers = []
    for name, (match, count) in per_definition.items():
        if not count:
            status = Answer.CLEAR
        else:
            status = Answer.DUPLICATE if match is MatchKind.DUPLICATE else Answer.SIMILAR
        answers.append(FingerprintAnswer(name, match, status, count))
    severity = [Answer.CLEAR, Answer.SIMILAR, Answer.DUPLICATE]
    overall = max((a.status for a in answers), key=severity.index, default=Answer.CLEAR)
    return PeerAnswer(peer, PeerStatus(overall.value), tuple(answers), matched)


async def check_peer(
    transport: PeerTransport, peer: PeerRef, identifiers: Sequence[Identifier]
) -> PeerAnswer:
    """The bucketed OPRF exchange with one peer (two round trips, more while it rotates)."""
    blinded = [oprf.blind(i.message) for i in identifiers]
    evaluated = await _post(
        transport, peer, EVALUATE_PATH, {"elements": [element.hex() for _, element in blinded]}
    )
    bucket_bytes, evaluations = _evaluations(evaluated, len(identifiers))
    counts = [0] * len(identifiers)
    matched: dict[str, tuple[str, ...]] = {}
    for key_id, elements in evaluations.items():
        try:
            outputs = [
                oprf.finalize(i.message, r, e)
                for i, (r, _), e in zip(identifiers, blinded, elements, strict=True)
            ]
        except oprf.OprfError as exc:
            raise _invalid("evaluated element") from exc
        prefixes = sorted({y[:bucket_bytes].hex() for y in outputs})
        answer = await _post(transport, peer, BUCKET_PATH, {"key_id": key_id, "prefixes": prefixes})
        held = _bucket_counts(answer, key_id)
        hits = []
        for index, y in enumerate(outputs):
            # A registration the peer re-keyed is held under both keys: the larger count.
            counts[index] = max(counts[index], held.get(y, 0))
            if y in held:
                hits.append(y.hex())
        if hits:
            matched[key_id] = tuple(dict.fromkeys(hits))
    return _summary(peer, identifiers, counts, matched)


async def _bounded(
    transport: PeerTransport, peer: PeerRef, identifiers: Sequence[Identifier], timeout: float
) -> PeerAnswer:
    try:
        return await asyncio.wait_for(check_peer(transport, peer, identifiers), timeout)
    except (PeerUnavailable, TimeoutError) as exc:
        log.warning("federation_financing_peer_unavailable", peer=peer.name, error=str(exc))
        return PeerAnswer(peer, PeerStatus.UNAVAILABLE)


async def check_peers(
    transport: PeerTransport,
    peers: Sequence[PeerRef],
    identifiers: Sequence[Identifier],
    *,
    timeout: float,
) -> list[PeerAnswer]:
    """Every peer at once, each within ``timeout``: a silent peer is UNAVAILABLE, never a
    delay beyond the deadline and never a refusal of the lender's own registration."""
    wanted = list(identifiers)[:MAX_BATCH]
    if not peers or not wanted:
        return []
    return list(await asyncio.gather(*(_bounded(transport, p, wanted, timeout) for p in peers)))


def record_check(
    session: Session,
    *,
    actor: str,
    lender_id: uuid.UUID,
    subject: str,
    check_id: uuid.UUID,
    answers: Sequence[PeerAnswer],
    report: bool,
) -> None:
    """The check as an event of this hub; with ``report`` (a registration, not a mere
    check), queue each peer's matched outputs for its lenders' alerts."""
    record_event(
        session,
        kind="federation.financing.checked",
        actor=actor,
        subject=subject,
        payload={"check_id": str(check_id), "peers": [a.as_dict() for a in answers]},
        participant_ids=[lender_id],
    )
    if not report:
        return
    for answer in answers:
        for key_id, outputs in answer.matched.items():
            enqueue(
                session,
                topic=REPORT_TOPIC,
                key=f"{check_id}:{answer.peer.peer_id}:{key_id}",
                payload={
                    "peer_id": str(answer.peer.peer_id),
                    "check_id": str(check_id),
                    "key_id": key_id,
                    "outputs": list(outputs),
                },
            )


def send_report(transport: PeerTransport, peer: PeerRef, payload: dict[str, Any]) -> bool:
    """Report one check's matched outputs to the peer holding them (an outbox message's
    work). A peer that cannot be reached raises, so the message is retried; one that refuses
    the report (it retired the key, say) is logged and the report dropped."""
    try:
        transport.post(
            peer,
            MATCHES_PATH,
            {
                "key_id": payload["key_id"],
                "check_id": payload["check_id"],
                "outputs": payload["outputs"],
            },
        )
    except PeerRefused as exc:
        log.warning("federation_financing_report_refused", peer=peer.name, error=str(exc))
        return False
    return True
