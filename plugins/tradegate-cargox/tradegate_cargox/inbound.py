"""Received envelopes into the hub's intake, each exactly once across restarts and replicas."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from connectors.spi import (
    InboundItem,
    InstanceState,
    Intake,
    IntakeUnavailableError,
    PollReport,
)
from tradegate_cargox import api
from tradegate_cargox.client import CargoXClient

logger = logging.getLogger(__name__)

CURSOR_KEY = "poll.cursor"
CLAIM_LEASE_SECONDS = 300.0
DONE = "done"


class WebhookRefusedError(Exception):
    """A pushed event failed the signature check; ``reason`` is safe to answer with."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def verify_signature(secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
    """Check the rule's HMAC over "<timestamp>.<body>" and refuse stale timestamps."""
    lowered = {k.lower(): v for k, v in headers.items()}
    signature = lowered.get(api.SIGNATURE_HEADER, "")
    timestamp = lowered.get(api.TIMESTAMP_HEADER, "")
    if not signature or not timestamp:
        raise WebhookRefusedError("missing signature headers")
    if not timestamp.isdigit():
        raise WebhookRefusedError("malformed timestamp")
    if abs(now.timestamp() - int(timestamp)) > api.SIGNATURE_TOLERANCE_SECONDS:
        raise WebhookRefusedError("stale timestamp")
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected, signature.strip()):
        raise WebhookRefusedError("signature mismatch")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value CargoX is assumed to send (see ``api``)."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, "sha256")
    return api.SIGNATURE_PREFIX + mac.hexdigest()


def parse_event(body: bytes) -> tuple[str, str | None]:
    """The event name and envelope id of a pushed rule event."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise WebhookRefusedError("body is not JSON") from exc
    if not isinstance(data, dict):
        raise WebhookRefusedError("body is not a JSON object")
    envelope = data.get("envelope_id")
    return str(data.get("event", "")), str(envelope) if envelope else None


def claim_key(envelope_id: str) -> str:
    return f"envelope:{envelope_id}"


@dataclass(frozen=True)
class Outcome:
    """What handling one envelope came to."""

    status: str  # "accepted", "rejected", "deferred" or "duplicate"
    detail: str = ""


def _hash_matches(document: api.RemoteDocument, content: bytes) -> bool:
    if not document.hash:
        return True
    digest = hashlib.new(api.DOCUMENT_HASH_ALGORITHM, content).hexdigest()
    return hmac.compare_digest(digest, document.hash.lower().removeprefix("0x"))


def process_envelope(
    client: CargoXClient, state: InstanceState, intake: Intake, inbox_id: str, envelope_id: str
) -> Outcome:
    """Claim the envelope, push each of its documents through intake, then mark it done.

    The claim makes one worker handle it at a time and skips it once done; a worker that
    dies mid-way lets its lease run out and the envelope is taken again, where intake's
    idempotency key (envelope and document id) drops what was already accepted. CargoX
    failing releases the claim for the next webhook retry or poll.
    """
    claim = claim_key(envelope_id)
    if not state.claim(claim, lease_seconds=CLAIM_LEASE_SECONDS):
        return Outcome("duplicate", f"envelope {envelope_id} was already taken")
    try:
        envelope = api.parse_envelope(client.json("GET", api.envelope_path(inbox_id, envelope_id)))
        results = [_push(client, intake, inbox_id, envelope, d) for d in envelope.documents]
    except IntakeUnavailableError as exc:
        state.release(claim)
        return Outcome("deferred", str(exc))
    except BaseException:
        state.release(claim)
        raise
    state.put(claim, DONE)
    state.complete(claim)
    rejected = [r for r in results if r is not None]
    if rejected:
        return Outcome("rejected", "; ".join(rejected))
    return Outcome("accepted", f"{len(results)} document(s) from envelope {envelope_id}")


def _push(
    client: CargoXClient,
    intake: Intake,
    inbox_id: str,
    envelope: api.Envelope,
    document: api.RemoteDocument,
) -> str | None:
    """Push one document; returns why it was refused, or None once accepted."""
    content = client.call("GET", api.download_path(document.id)).content
    if not _hash_matches(document, content):
        logger.warning("cargox document %s does not match its hash", document.id)
        return f"document {document.id}: bytes do not match the notarised hash"
    item = InboundItem(
        content=content,
        filename=document.name,
        media_type=document.mime_type,
        source=f"cargox:inbox:{inbox_id}",
        idempotency_key=f"cargox-{envelope.id}-{document.id}",
        metadata={
            "cargox_envelope_id": envelope.id,
            "cargox_document_id": document.id,
            "cargox_sender_company": envelope.sender_company,
            "cargox_sender_company_id": envelope.sender_company_id,
            "cargox_document_hash": document.hash or "",
        },
    )
    result = intake(item)
    if result.accepted:
        return None
    title = (result.problem or {}).get("detail", "not accepted")
    return f"document {document.id}: {title}"


def poll_inbox(
    client: CargoXClient, state: InstanceState, intake: Intake, inbox_id: str, page_size: int
) -> PollReport:
    """Read received envelopes from the stored cursor on, oldest first, one page a poll.

    The cursor is the delivery time of the last envelope handled; the next poll asks from
    that time on (inclusive, so envelopes sharing it are not skipped) and the claims drop
    the ones already done. It never moves past an envelope that is not settled.
    """
    cursor = state.get(CURSOR_KEY)
    params = {
        api.LIST_TYPE: "incoming",
        api.LIST_ORDERING: "delivered",
        api.LIST_PAGE_SIZE: str(page_size),
    }
    if cursor:
        params[api.LIST_DELIVERED_FROM] = cursor
    items, _more = api.page_items(client.json("GET", api.envelopes_path(inbox_id), params=params))
    counts = {"accepted": 0, "rejected": 0, "deferred": 0}
    for raw in items:
        envelope = api.parse_envelope(raw)
        outcome = process_envelope(client, state, intake, inbox_id, envelope.id)
        if outcome.status == "deferred":
            counts["deferred"] += 1
            break
        if outcome.status == "duplicate" and state.get(claim_key(envelope.id)) != DONE:
            break  # another worker holds it: the cursor must not pass it yet
        if outcome.status in counts:
            counts[outcome.status] += 1
        if envelope.delivered:
            state.put(CURSOR_KEY, envelope.delivered)
    return PollReport(**counts)
