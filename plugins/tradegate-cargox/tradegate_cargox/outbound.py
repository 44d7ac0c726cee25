"""One hub delivery becomes one CargoX envelope: drafted, given the document, sealed, sent."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from connectors.spi import InstanceState, OutboundMessage
from tradegate_cargox import api
from tradegate_cargox.client import CargoXClient

EXTENSIONS = {"application/json": ".json", "application/xml": ".xml", "application/pdf": ".pdf"}


class NotSendableError(ValueError):
    """The notification carries no document content, so there is nothing to put in an envelope."""


@dataclass(frozen=True)
class Attachment:
    """The original bytes of the hub document, named after it."""

    filename: str
    media_type: str
    content: bytes


def attachment_of(message: OutboundMessage) -> Attachment:
    """The document inside a ``document.accepted`` notification sent with content.

    The hub includes content only under a consent that lets the consumer receive it and a
    routing rule that asks for it; without either the delivery cannot become an envelope.
    """
    try:
        payload = json.loads(message.body)
        data = payload["data"]
        encoded = data["content_base64"]
    except (ValueError, KeyError, TypeError) as exc:
        raise NotSendableError(
            "the notification has no document content: route it with include_content "
            "under a consent that pushes content"
        ) from exc
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NotSendableError("the document content is not valid base64") from exc
    expected = data.get("sha256")
    if expected and hashlib.sha256(content).hexdigest() != expected:
        raise NotSendableError("the document content does not match its sha256")
    media_type = str(data.get("media_type") or "application/octet-stream")
    stem = str(data.get("reference") or data.get("document_id") or message.id)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)[:100]
    return Attachment(f"{safe}{EXTENSIONS.get(media_type, '.bin')}", media_type, content)


def record_key(message_id: str) -> str:
    return f"outbound:{message_id}"


def _find_by_reference(client: CargoXClient, inbox_id: str, marker: str) -> str | None:
    """An envelope an earlier attempt drafted but could not record (killed right after)."""
    params = {api.LIST_TYPE: "outgoing", api.LIST_SEARCH: marker}
    items, _more = api.page_items(client.json("GET", api.envelopes_path(inbox_id), params=params))
    for raw in items:
        envelope = api.parse_envelope(raw)
        if envelope.message and marker in envelope.message:
            return envelope.id
    return None


def send_envelope(
    client: CargoXClient,
    state: InstanceState,
    message: OutboundMessage,
    *,
    inbox_id: str,
    recipient_inbox_id: str,
) -> api.Envelope:
    """Bring the delivery's envelope to "sent", resuming wherever an earlier attempt stopped.

    The envelope id is written to the instance state (committed on its own) right after
    the draft exists, and the draft's message carries the delivery id, so a worker killed
    after drafting, after sealing or after sending leaves a retry that finds the same
    envelope and finishes it: never a second envelope for one delivery.
    """
    key = record_key(message.id)
    marker = api.reference_marker(message.id)
    envelope_id = state.get(key) or _find_by_reference(client, inbox_id, marker)
    if envelope_id is None:
        attachment = attachment_of(message)
        draft = client.json(
            "POST",
            api.envelopes_path(inbox_id),
            data={
                api.DRAFT_RECIPIENT_FIELD: recipient_inbox_id,
                api.DRAFT_MESSAGE_FIELD: f"Sent by Tradegate {marker}",
            },
            files=[
                (
                    api.DRAFT_DOCUMENTS_FIELD,
                    (attachment.filename, attachment.content, attachment.media_type),
                )
            ],
        )
        envelope_id = str(draft["id"])
    state.put(key, envelope_id)
    envelope = api.parse_envelope(client.json("GET", api.envelope_path(inbox_id, envelope_id)))
    if envelope.sent:
        return envelope
    if not envelope.sealed:
        client.call("POST", api.seal_path(inbox_id, envelope_id))
    client.call("POST", api.send_path(inbox_id, envelope_id))
    return api.parse_envelope(client.json("GET", api.envelope_path(inbox_id, envelope_id)))
