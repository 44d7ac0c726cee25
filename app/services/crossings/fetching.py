"""Receiving side of a crossing: this hub fetches a document from a peer for one of its lenders.

The peer judges the consent and its residency rules; this hub checks what comes back before
its lender sees a byte: the content must hash to what the peer's log recorded, and the proof
bundle must verify against the peer's log key as pinned when the peer was added.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.domain.note import NoteError, NoteVerifier
from app.errors import Forbidden, NotFound, ProblemError, TooManyRequests
from app.ledger.bundle import ProofBundle
from app.ledger.verify import verify_bundle
from app.security.principal import Principal
from app.services.common.context import ServiceContext
from app.services.common.events import record_event
from app.services.crossings.records import CrossingFacts, record_crossing
from app.storage.models.crossings import CrossingDirection

#: The header that tells the sending hub which of this hub's consumers the pull is for.
CONSUMER_HEADER = "Consumer-Ref"
#: A crossing carries one document; anything larger is refused before it is parsed.
MAX_CROSSING_BYTES = 64 * 1024 * 1024


class PeerGateway(ProblemError):
    """The peer answered with something this hub cannot hand to its lender."""

    status, slug, title = 502, "peer-bad-answer", "Bad answer from the peer hub"


class KnownPeer(Protocol):
    """What a crossing needs of a registered peer: its name, place and pinned log identity."""

    @property
    def name(self) -> str: ...

    @property
    def jurisdiction(self) -> str: ...

    @property
    def log_origin(self) -> str: ...

    @property
    def log_key(self) -> str: ...


class PeerRequester(Protocol):
    """Sends one authenticated request to a peer hub."""

    def request(
        self,
        peer: Any,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response: ...


class CrossedDocumentMeta(BaseModel):
    """The document's metadata as the sending hub describes it."""

    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID
    doc_type: str = Field(max_length=64)
    version: str = Field(max_length=32)
    media_type: str = Field(max_length=200)
    sha256: str = Field(pattern="^[0-9a-f]{64}$")
    canonical_sha256: str = Field(pattern="^[0-9a-f]{64}$")
    reference: str | None = Field(default=None, max_length=200)
    received_at: datetime
    size: int = Field(ge=0)


class CrossedDocument(BaseModel):
    """What `/federation/v1/data/documents/{id}` answers: metadata, bytes and proof."""

    model_config = ConfigDict(extra="forbid")

    consent_id: uuid.UUID
    document: CrossedDocumentMeta
    content: str = Field(description="The original bytes, base64")
    proof: ProofBundle


class CrossedDocumentPage(BaseModel):
    """What `/federation/v1/data/documents` answers: metadata of the documents a peer may fetch."""

    model_config = ConfigDict(extra="forbid")

    consent_id: uuid.UUID
    items: list[CrossedDocumentMeta] = Field(max_length=200)
    next_cursor: str | None = Field(default=None, max_length=500)


@dataclass(frozen=True)
class ReceivedDocument:
    """A document fetched from a peer and checked: bytes, metadata, proof and crossing id."""

    peer: str
    consent_id: uuid.UUID
    meta: CrossedDocumentMeta
    content: bytes
    proof: ProofBundle
    checks: list[dict[str, Any]]
    crossing_id: uuid.UUID


def _problem_of(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _unexpected(response: httpx.Response, peer: KnownPeer) -> PeerGateway:
    """A 502 for an answer outside the protocol, quoting the peer's own problem if any."""
    said = str(_problem_of(response).get("detail", ""))[:300]
    return PeerGateway(
        f"peer {peer.name} answered {response.status_code}" + (f": {said}" if said else ""),
        slug="peer-bad-answer",
    )


def _relayed(status: int, problem: dict[str, Any], peer: str) -> ProblemError:
    """The peer's refusal, passed to the lender with the same status, type and reason."""
    detail = f"peer {peer} refused: {str(problem.get('detail', ''))[:400]}"
    slug = str(problem.get("type", "")).rsplit("/", 1)[-1] or "peer-refused"
    keep = {k: problem[k] for k in ("reason", "rule", "rules", "destination") if k in problem}
    if status == 404:
        return NotFound(detail, slug=slug, peer=peer, **keep)
    if status == 429:
        retry = problem.get("retry_after")
        return TooManyRequests(
            detail, retry_after=int(retry) if isinstance(retry, int) else 1, slug=slug, peer=peer
        )
    return Forbidden(detail, slug=slug, title=problem.get("title"), peer=peer, **keep)


def _checked(
    answer: CrossedDocument, peer: KnownPeer, document_id: uuid.UUID
) -> tuple[bytes, list[dict[str, Any]]]:
    """The bytes, once they match the peer's log; a PeerGateway problem otherwise."""
    try:
        content = base64.b64decode(answer.content, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PeerGateway("the peer's content is not base64", reason="proof_invalid") from exc
    if answer.document.id != document_id:
        raise PeerGateway("the peer sent another document", reason="proof_invalid")
    if hashlib.sha256(content).hexdigest() != answer.document.sha256:
        raise PeerGateway("the content does not hash to the peer's SHA-256", reason="hash_mismatch")
    if answer.proof.origin != peer.log_origin or answer.proof.log_key != peer.log_key:
        raise PeerGateway("the proof is not from the peer's pinned log", reason="proof_invalid")
    try:
        verifier = NoteVerifier.from_vkey(peer.log_key)
    except NoteError as exc:
        raise PeerGateway("the peer's pinned log key is unusable", reason="proof_invalid") from exc
    report = verify_bundle(content, answer.proof, [verifier])
    if not report.ok:
        raise PeerGateway(
            f"the peer's proof does not verify: {report.verdict}",
            reason="proof_invalid",
            checks=report.reasons,
        )
    return content, report.as_dict()["checks"]


def fetch_from_peer(
    ctx: ServiceContext,
    client: PeerRequester,
    peer: KnownPeer,
    principal: Principal,
    consent_id: uuid.UUID,
    document_id: uuid.UUID,
) -> ReceivedDocument:
    """Fetch one document from `peer` under `consent_id` for the calling lender.

    The lender's participant id here is the reference the peer's consent names. The peer's
    refusals (consent, residency) reach the lender with their status and reason, and are
    recorded as refused inbound crossings; an answer that fails the hash or proof checks is a
    502 and is recorded too. Transport failures are not crossings and are not recorded.
    """
    path = f"/federation/v1/data/documents/{document_id}"
    headers = {"Consent-Id": str(consent_id), CONSUMER_HEADER: str(principal.participant_id)}
    try:
        response = client.request(peer, "GET", path, headers=headers)
    except httpx.HTTPError as exc:
        raise PeerGateway(
            f"peer {peer.name} cannot be reached: {exc}", slug="peer-unreachable"
        ) from exc
    base = CrossingFacts(
        direction=CrossingDirection.IN,
        peer_name=peer.name,
        peer_jurisdiction=peer.jurisdiction,
        actor=principal.actor,
        at=ctx.clock(),
        consent_id=consent_id,
        document_id=document_id,
        participant_id=principal.participant_id,
        remote_consumer=str(principal.participant_id),
    )
    outcome: ProblemError
    if response.status_code in (403, 404, 429):
        problem = _problem_of(response)
        outcome = _relayed(response.status_code, problem, peer.name)
        reason = str(problem.get("reason") or outcome.slug)
        rule = problem.get("rule")
        facts = replace(
            base,
            reason=reason[:64],
            rule=str(rule)[:80] if rule else None,
            detail=outcome.detail,
        )
        _record(ctx, facts)
        raise outcome
    if response.status_code != 200:
        raise _unexpected(response, peer)
    if len(response.content) > MAX_CROSSING_BYTES:
        raise PeerGateway("the peer's answer is too large", slug="peer-bad-answer")
    try:
        answer = CrossedDocument.model_validate_json(response.content)
        content, checks = _checked(answer, peer, document_id)
    except (ValidationError, PeerGateway) as exc:
        problem_error = (
            exc
            if isinstance(exc, PeerGateway)
            else PeerGateway("the peer's answer is malformed", reason="proof_invalid")
        )
        facts = replace(
            base,
            reason=str(problem_error.extensions.get("reason", "proof_invalid")),
            detail=problem_error.detail,
        )
        _record(ctx, facts)
        raise problem_error from exc
    facts = replace(base, doc_type=answer.document.doc_type, sha256=answer.document.sha256)
    crossing_id = _record(ctx, facts)
    return ReceivedDocument(
        peer=peer.name,
        consent_id=consent_id,
        meta=answer.document,
        content=content,
        proof=answer.proof,
        checks=checks,
        crossing_id=crossing_id,
    )


def _record(ctx: ServiceContext, facts: CrossingFacts) -> uuid.UUID:
    with ctx.uow() as uow:
        crossing = record_crossing(uow.session, facts)
        uow.commit()
        return crossing.id


def _consent_answer(response: httpx.Response, peer: KnownPeer, expected: int) -> dict[str, Any]:
    """The peer's consent JSON, or its problem relayed with the status it gave."""
    if response.status_code == expected:
        body = _problem_of(response)
        if "id" not in body or "status" not in body:
            raise PeerGateway("the peer's consent answer is malformed", slug="peer-bad-answer")
        return body
    problem = _problem_of(response)
    if response.status_code in (403, 404, 429):
        raise _relayed(response.status_code, problem, peer.name)
    if response.status_code in (400, 409, 422):
        relayed = ProblemError(
            f"peer {peer.name} refused the request: {str(problem.get('detail', ''))[:400]}",
            slug=str(problem.get("type", "")).rsplit("/", 1)[-1] or "peer-refused",
            title=str(problem.get("title") or "Refused by the peer hub"),
            peer=peer.name,
            **({"errors": problem["errors"]} if isinstance(problem.get("errors"), list) else {}),
        )
        relayed.status = response.status_code
        raise relayed
    raise _unexpected(response, peer)


def request_consent_at_peer(
    ctx: ServiceContext,
    client: PeerRequester,
    peer: KnownPeer,
    principal: Principal,
    body: dict[str, Any],
    idempotency_key: str | None,
) -> dict[str, Any]:
    """Ask the owner at `peer` for a consent for the calling lender; the peer's answer.

    The lender is named by its participant id here, the reference the peer's consent will
    carry; the request is an event here too, so the lender's hub knows what it asked for.
    """
    headers = {CONSUMER_HEADER: str(principal.participant_id)}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    response = client.request(peer, "POST", "/federation/v1/consents", json=body, headers=headers)
    answer = _consent_answer(response, peer, 201)
    with ctx.uow() as uow:
        record_event(
            uow.session,
            kind="federation.consent_requested",
            actor=principal.actor,
            subject=f"crossing:{peer.name}",
            payload={
                "peer": peer.name,
                "consent_id": str(answer["id"]),
                "owner_id": str(answer.get("owner_id")),
                "document_types": answer.get("document_types"),
                "purpose": (answer.get("purpose") or {}).get("code"),
            },
            participant_ids=[principal.participant_id],
        )
        uow.commit()
    return answer


def consent_at_peer(
    client: PeerRequester, peer: KnownPeer, principal: Principal, consent_id: uuid.UUID
) -> dict[str, Any]:
    """A consent at `peer` naming the calling lender, as the peer reports it."""
    return _as_lender(client, peer, principal, "GET", f"/federation/v1/consents/{consent_id}")


def notices_at_peer(
    client: PeerRequester, peer: KnownPeer, principal: Principal, cursor: str | None = None
) -> dict[str, Any]:
    """The notices `peer` addressed to the calling lender (revocations, pauses), newest first."""
    query = "?" + urlencode({"cursor": cursor}) if cursor else ""
    answer = _as_lender(client, peer, principal, "GET", "/federation/v1/notices" + query)
    if not isinstance(answer.get("items"), list):
        raise PeerGateway("the peer's notice list is malformed", slug="peer-bad-answer")
    return answer


def acknowledge_at_peer(
    client: PeerRequester, peer: KnownPeer, principal: Principal, notice_id: uuid.UUID
) -> dict[str, Any]:
    """Tell `peer` the calling lender processed its notice; the peer's record of it."""
    return _as_lender(client, peer, principal, "POST", f"/federation/v1/notices/{notice_id}/ack")


def _as_lender(
    client: PeerRequester, peer: KnownPeer, principal: Principal, method: str, path: str
) -> dict[str, Any]:
    """One call to `peer` for the calling lender; its JSON object, or its refusal relayed."""
    response = client.request(
        peer, method, path, headers={CONSUMER_HEADER: str(principal.participant_id)}
    )
    if response.status_code == 200:
        body = _problem_of(response)
        if not body:
            raise PeerGateway("the peer's answer is not a JSON object", slug="peer-bad-answer")
        return body
    return _consent_answer(response, peer, 200)


def list_at_peer(
    client: PeerRequester,
    peer: KnownPeer,
    principal: Principal,
    consent_id: uuid.UUID,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> CrossedDocumentPage:
    """The documents `peer` would send the calling lender under `consent_id`, one page."""
    params = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
    path = "/federation/v1/data/documents?" + urlencode(params)
    response = client.request(
        peer,
        "GET",
        path,
        headers={"Consent-Id": str(consent_id), CONSUMER_HEADER: str(principal.participant_id)},
    )
    if response.status_code in (403, 404, 429):
        raise _relayed(response.status_code, _problem_of(response), peer.name)
    if response.status_code != 200:
        raise _unexpected(response, peer)
    try:
        page = CrossedDocumentPage.model_validate_json(response.content)
    except ValidationError as exc:
        raise PeerGateway("the peer's listing is malformed", slug="peer-bad-answer") from exc
    if page.consent_id != consent_id:
        raise PeerGateway("the peer listed under another consent", slug="peer-bad-answer")
    return page
