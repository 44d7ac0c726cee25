"""The cargox connector's pure parts: signatures, tokens, envelopes and attachments."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from tradegate_cargox import api
from tradegate_cargox.client import Tokens
from tradegate_cargox.inbound import WebhookRefusedError, parse_event, sign, verify_signature
from tradegate_cargox.outbound import NotSendableError, attachment_of

from connectors.spi import OutboundMessage

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def headers_for(secret: str, body: bytes, at: datetime = NOW) -> dict[str, str]:
    timestamp = str(int(at.timestamp()))
    return {"X-CargoX-Timestamp": timestamp, "X-CargoX-Signature": sign(secret, timestamp, body)}


def test_a_correctly_signed_event_passes_whatever_the_header_case():
    body = b'{"event":"envelope_received","envelope_id":"e1"}'
    verify_signature("s3cret", headers_for("s3cret", body), body, NOW)
    assert parse_event(body) == ("envelope_received", "e1")


@pytest.mark.parametrize(
    ("secret", "body", "at", "reason"),
    [
        ("other", b"{}", NOW, "signature mismatch"),
        ("s3cret", b"{} ", NOW, "signature mismatch"),
        ("s3cret", b"{}", NOW - timedelta(minutes=6), "stale timestamp"),
    ],
)
def test_a_wrong_secret_altered_body_or_old_timestamp_is_refused(secret, body, at, reason):
    headers = headers_for(secret, b"{}", at)
    with pytest.raises(WebhookRefusedError) as refused:
        verify_signature("s3cret", headers, body, NOW)
    assert refused.value.reason == reason


def test_tokens_never_show_in_their_repr_and_survive_a_round_trip():
    tokens = Tokens.from_answer(
        {"access_token": "AT-secret", "refresh_token": "RT-secret", "expires_in": 600}, NOW, None
    )
    assert "secret" not in repr(tokens)
    assert Tokens.loads(tokens.dumps()) == tokens
    assert tokens.expires_at == NOW + timedelta(seconds=600)


def test_a_refresh_without_a_new_refresh_token_keeps_the_old_one():
    first = Tokens.from_answer({"access_token": "a", "refresh_token": "r1"}, NOW, None)
    second = Tokens.from_answer({"access_token": "b"}, NOW, first)
    assert second.refresh_token == "r1"


def test_the_consent_url_carries_the_code_flow_parameters():
    url = api.authorize_url(
        "https://cargox.example/",
        client_id="hub",
        redirect_uri="https://h/cb",
        scope="a b",
        state="s",
    )
    assert url == (
        "https://cargox.example/oauth/authorize/?response_type=code&client_id=hub"
        "&redirect_uri=https%3A%2F%2Fh%2Fcb&scope=a+b&state=s"
    )


def test_an_envelope_answer_yields_sender_and_documents_with_their_hash():
    envelope = api.parse_envelope(
        {
            "id": "e1",
            "sealed": True,
            "sender": {"company": {"id": "c1", "name": "Carrier"}},
            "attachments": [
                {"document_token": {"document": {"id": "d1", "name": "bl.pdf", "hash": "ab"}}}
            ],
        }
    )
    assert envelope.sender_company == "Carrier" and envelope.sender_company_id == "c1"
    (document,) = envelope.documents
    assert (document.id, document.name, document.hash) == ("d1", "bl.pdf", "ab")
    assert document.mime_type == "application/octet-stream"


def message(data: dict) -> OutboundMessage:
    body = json.dumps({"type": "document.accepted", "data": data}).encode()
    return OutboundMessage(id="msg_1", event_type="document.accepted", body=body, occurred_at=NOW)


def test_the_attachment_is_the_original_bytes_named_after_the_reference():
    content = b'{"transportDocumentReference":"TDR1"}'
    attachment = attachment_of(
        message(
            {
                "content_base64": base64.b64encode(content).decode(),
                "sha256": hashlib.sha256(content).hexdigest(),
                "media_type": "application/json",
                "reference": "TDR 1/A",
            }
        )
    )
    assert attachment.content == content and attachment.filename == "TDR_1_A.json"


def test_a_notification_without_content_or_with_altered_content_cannot_be_sent():
    with pytest.raises(NotSendableError, match="no document content"):
        attachment_of(message({"document_id": "x"}))
    with pytest.raises(NotSendableError, match="sha256"):
        attachment_of(message({"content_base64": "YWJj", "sha256": "0" * 64}))
