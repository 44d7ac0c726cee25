"""The receiving hub hands a lender nothing the sending hub's pinned log does not vouch for."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.api.schemas.crossings import crossed_document
from app.domain.note import NoteSigner
from app.errors import Forbidden, ProblemError
from app.security.principal import Principal
from app.services.consents.purposes import catalogue_for
from app.services.crossings.fetching import PeerGateway, fetch_from_peer
from app.services.crossings.serving import CallingPeer, serve_document
from app.services.ledger.log import log_verifier
from app.storage.models import Crossing

pytestmark = pytest.mark.integration


class CannedPeer:
    """A peer hub that answers every request with one prepared response."""

    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body
        self.sent: list[tuple[str, str, dict[str, str]]] = []

    def request(self, peer: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self.sent.append((method, path, dict(kwargs.get("headers") or {})))
        content = self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()
        return httpx.Response(self.status, content=content)


@pytest.fixture
def answer(container, exporter, remote_consent) -> dict[str, Any]:
    """What the sending hub really answers for the exporter's transport document."""
    consent = remote_consent()
    served = serve_document(
        container,
        CallingPeer("hub-b", "HK"),
        "bank-b-1",
        uuid.UUID(consent["id"]),
        uuid.UUID(exporter.td_id),
        catalogue=catalogue_for(container.settings),
        now=container.clock(),
    )
    return crossed_document(uuid.UUID(consent["id"]), served).model_dump(mode="json")


@pytest.fixture
def sender(container):
    """The sending hub as the receiving hub pinned it."""
    return SimpleNamespace(
        name="hub-cn",
        jurisdiction="CN",
        log_origin=container.settings.effective_ledger_origin,
        log_key=log_verifier(container.settings, container.keys).vkey,
    )


LENDER = Principal(participant_id=uuid.uuid4(), client_id="bank", roles=frozenset({"consumer"}))


def fetch(container, client, peer, answer):
    return fetch_from_peer(
        container,
        client,
        peer,
        LENDER,
        uuid.UUID(answer["consent_id"]),
        uuid.UUID(answer["document"]["id"]),
    )


def inbound(container) -> list[Crossing]:
    with container.uow() as uow:
        return list(
            uow.session.scalars(
                sa.select(Crossing).where(Crossing.direction == "IN").order_by(Crossing.at)
            )
        )


def test_a_genuine_answer_is_handed_over_and_recorded(container, sender, answer):
    client = CannedPeer(200, answer)
    received = fetch(container, client, sender, answer)
    assert hashlib.sha256(received.content).hexdigest() == answer["document"]["sha256"]
    [(method, path, headers)] = client.sent
    assert (method, path) == ("GET", f"/federation/v1/data/documents/{answer['document']['id']}")
    assert headers == {
        "Consent-Id": answer["consent_id"],
        "Consumer-Ref": str(LENDER.participant_id),
    }
    [crossing] = inbound(container)
    assert (crossing.outcome, crossing.peer_name, crossing.participant_id) == (
        "ALLOWED",
        "hub-cn",
        LENDER.participant_id,
    )


def _other_key(peer: Any) -> str:
    """A log key under the same origin that the peer never signed with."""
    return NoteSigner(peer.log_origin, Ed25519PrivateKey.generate()).verifier().vkey


def _tampered(answer: dict[str, Any]) -> dict[str, Any]:
    """Content edited and its SHA-256 recomputed: only the proof can tell."""
    content = base64.b64decode(answer["content"]).replace(b"CEL", b"FAH")
    edited = json.loads(json.dumps(answer))
    edited["content"] = base64.b64encode(content).decode()
    edited["document"]["sha256"] = hashlib.sha256(content).hexdigest()
    return edited


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda a, p: (_tampered(a), p), "proof_invalid"),
        (
            lambda a, p: ({**a, "content": base64.b64encode(b"other").decode()}, p),
            "hash_mismatch",
        ),
        (lambda a, p: ({**a, "content": "%%%"}, p), "proof_invalid"),
        (
            lambda a, p: (
                a,
                SimpleNamespace(
                    **{
                        **vars(p),
                        "log_key": NoteSigner(p.log_origin, Ed25519PrivateKey.generate())
                        .verifier()
                        .vkey,
                    }
                ),
            ),
            "proof_invalid",
        ),
        (lambda a, p: ({**a, "proof": {"format": "nonsense"}}, p), "proof_invalid"),
    ],
    ids=["edited-content", "wrong-hash", "not-base64", "other-log-key", "malformed-proof"],
)
def test_an_answer_the_pinned_log_does_not_vouch_for_is_refused(
    container, sender, answer, spoil, reason
):
    body, peer = spoil(answer, sender)
    with pytest.raises(PeerGateway) as caught:
        fetch(container, CannedPeer(200, body), peer, answer)
    assert caught.value.status == 502
    [crossing] = inbound(container)
    assert (crossing.outcome, crossing.reason) == ("REFUSED", reason)


def test_the_peers_refusal_reaches_the_lender_with_its_rule(container, sender, answer):
    problem = {
        "type": "/problems/residency",
        "title": "Refused by residency rules",
        "status": 403,
        "detail": "document type uncefact.cii.invoice may not leave CN",
        "reason": "residency",
        "rule": "cn-commercial-invoice-onshore",
        "rules": ["cn-commercial-invoice-onshore"],
        "destination": "HK",
    }
    with pytest.raises(Forbidden) as caught:
        fetch(container, CannedPeer(403, problem), sender, answer)
    relayed = caught.value.to_problem()
    assert (relayed["type"], relayed["reason"], relayed["rule"]) == (
        "/problems/residency",
        "residency",
        "cn-commercial-invoice-onshore",
    )
    [crossing] = inbound(container)
    assert (crossing.outcome, crossing.reason, crossing.rule) == (
        "REFUSED",
        "residency",
        "cn-commercial-invoice-onshore",
    )


def test_a_peer_error_is_a_502_and_no_crossing(container, sender, answer):
    with pytest.raises(ProblemError) as caught:
        fetch(container, CannedPeer(500, b"oops"), sender, answer)
    assert caught.value.status == 502
    assert inbound(container) == []
