"""The pint connector walks start, documents and finish, and routes each kind of answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from connectors.pint.connector import PintConnector, PintPeerConfig, SignedAnswer
from connectors.spi import DeliveryContext, OutboundMessage, TransientDeliveryError
from tests.pint_peer import Signatory

NOW = datetime(2026, 12, 7, tzinfo=UTC)
PEER = Signatory("peer-1")
CONFIG = PintPeerConfig(base_url="https://peer.example/pint", platform_code="BOLE")


def _signed(code: str, **members) -> str:  # noqa: ANN003
    return PEER.sign(
        {
            "lastEnvelopeTransferChainEntrySignedContentChecksum": "0" * 64,
            "responseCode": code,
            **members,
        }
    )


def _message(documents: dict[str, str] | None = None) -> OutboundMessage:
    body = {"envelope": {"transportDocument": {}}, "documents": documents or {}}
    return OutboundMessage("t-1", "pint.envelope", json.dumps(body).encode(), NOW)


def _deliver(handler, documents=None):  # noqa: ANN001, ANN202
    calls: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        return handler(request)

    connector = PintConnector(transport=httpx.MockTransport(record))
    context = DeliveryContext("i-1", CONFIG, 1, NOW)
    return connector.deliver(_message(documents), context), calls


def test_a_transfer_uploads_what_the_peer_misses_then_finishes():
    def peer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/v3/envelopes"):
            return httpx.Response(
                201, json={"envelopeReference": "ref", "missingAdditionalDocumentChecksums": ["c1"]}
            )
        if "additional-documents" in request.url.path:
            assert json.loads(request.content) == "ZG9j"
            return httpx.Response(204)
        return httpx.Response(200, json=_signed("RECE"))

    receipt, calls = _deliver(peer, {"c1": "ZG9j"})
    assert calls == [
        "POST /pint/v3/envelopes",
        "PUT /pint/v3/envelopes/ref/additional-documents/c1",
        "PUT /pint/v3/envelopes/ref/finish-transfer",
    ]
    assert receipt.detail.count(".") == 2 and receipt.status_code == 200


def test_a_signed_rejection_stops_and_carries_the_jws():
    token = _signed("BENV", reason="unknown recipient")
    with pytest.raises(SignedAnswer) as stopped:
        _deliver(lambda r: httpx.Response(422, json=token))
    assert stopped.value.token == token


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(503, headers={"Retry-After": "7"}, json={"status": 503}),
        httpx.Response(409, json={"not": "signed"}),
        httpx.Response(409, json=_signed("MDOC", missingAdditionalDocumentChecksums=["x"])),
    ],
)
def test_unsigned_answers_and_missing_documents_are_retried(response):  # noqa: ANN001
    with pytest.raises(TransientDeliveryError):
        _deliver(lambda r: response)


def test_an_unreachable_peer_is_retried():
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TransientDeliveryError, match="unreachable"):
        _deliver(down)
