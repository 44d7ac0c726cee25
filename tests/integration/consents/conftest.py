"""Parties, documents and consent helpers for the consent and pull API tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from joserfc.jwk import ECKey

from app.storage.models import Document, Participant
from tests.support import consent_request_body, save_document

TRANSPORT = "dcsa.transport-document"
INVOICE = "uncefact.cii.invoice"


@dataclass
class Parties:
    """Two owners, a provider, two banks and the hub admin, with their bearer headers."""

    owner: Participant
    other_owner: Participant
    provider: Participant
    other_provider: Participant
    bank_a: Participant
    bank_b: Participant
    admin: Participant
    headers: dict[str, dict[str, str]]

    def h(self, name: str, consent_id: Any = None) -> dict[str, str]:
        headers = dict(self.headers[name])
        if consent_id is not None:
            headers["Consent-Id"] = str(consent_id)
        return headers


@pytest.fixture
def parties(make_participant, auth_headers) -> Parties:
    made = {
        "owner": make_participant("Exporter", ("owner",)),
        "other_owner": make_participant("Other exporter", ("owner",)),
        "provider": make_participant("Carrier", ("provider",)),
        "other_provider": make_participant("Platform", ("provider",)),
        "bank_a": make_participant("Bank A", ("consumer",)),
        "bank_b": make_participant("Bank B", ("consumer",)),
        "admin": make_participant("Hub", ("admin",)),
    }
    return Parties(**made, headers={name: auth_headers(p) for name, p in made.items()})


@pytest.fixture
def consent_body(parties) -> Callable[..., dict[str, Any]]:
    """A request that fits TRADE_FINANCE_APPLICATION; keyword arguments override fields."""

    def build(**overrides: Any) -> dict[str, Any]:
        return consent_request_body(
            parties.owner.id, **{"document_types": [TRANSPORT, INVOICE], **overrides}
        )

    return build


@pytest.fixture
def request_consent(client, parties, consent_body) -> Callable[..., dict[str, Any]]:
    """POST a consent as bank A (or `as_`), asserting 201; returns the consent JSON."""

    def make(as_: str = "bank_a", **overrides: Any) -> dict[str, Any]:
        response = client.post(
            "/v1/consents", json=consent_body(**overrides), headers=parties.h(as_)
        )
        assert response.status_code == 201, response.text
        return response.json()

    return make


@pytest.fixture
def consent_action(client, parties) -> Callable[..., Any]:
    """POST an action (approve, pause, revoke...) on a consent as its owner (or `as_`)."""

    def act(consent_id: Any, action: str, as_: str = "owner", reason: str | None = None) -> Any:
        body = {"reason": reason} if reason is not None else None
        return client.post(f"/v1/consents/{consent_id}/{action}", json=body, headers=parties.h(as_))

    return act


@pytest.fixture
def active_consent(request_consent, consent_action) -> Callable[..., dict[str, Any]]:
    """A consent requested by bank A (or `as_`) and approved by its owner."""

    def make(as_: str = "bank_a", approver: str = "owner", **overrides: Any) -> dict[str, Any]:
        consent = request_consent(as_, **overrides)
        response = consent_action(consent["id"], "approve", as_=approver)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "ACTIVE"
        return response.json()

    return make


@pytest.fixture
def make_document(container, parties) -> Callable[..., Document]:
    """Store a document directly (intake is tested elsewhere): owner's, by the provider."""

    def make(
        owner: Participant | None = None,
        provider: Participant | None = None,
        doc_type: str = TRANSPORT,
        document_date: date | None = None,
        received_at: datetime | None = None,
        content: bytes | None = None,
    ) -> Document:
        body = content or f'{{"transportDocumentReference":"{uuid.uuid4().hex[:12]}"}}'.encode()
        return save_document(
            container,
            body,
            owner_id=(owner or parties.owner).id,
            provider_id=(provider or parties.provider).id,
            reference=uuid.uuid4().hex[:12],
            doc_type=doc_type,
            version="3.0.3" if doc_type == TRANSPORT else "D16B",
            media_type="application/json" if doc_type == TRANSPORT else "application/xml",
            document_date=document_date,
            received_at=received_at or datetime.now(UTC) - timedelta(days=1),
        )

    return make


@pytest.fixture
def bank_key(parties, make_client) -> ECKey:
    """Bank A's private_key_jwt client key: it also signs the bank's receipts."""
    key = ECKey.generate_key("P-256", parameters={"kid": "bank-a-1"})
    make_client(parties.bank_a, public_jwk=key.as_dict(private=False))
    return key


@pytest.fixture
def ended_consent(client, parties, active_consent, consent_action, make_document):
    """A consent under which bank A fetched two documents, then revoked by the owner."""
    documents = [make_document(), make_document(), make_document()]
    consent = active_consent(data_life_days=7)
    for document in documents[:2]:
        for path in ("", "/content"):
            fetched = client.get(
                f"/v1/data/documents/{document.id}{path}",
                headers=parties.h("bank_a", consent["id"]),
            )
            assert fetched.status_code == 200, fetched.text
    revoked = consent_action(consent["id"], "revoke", reason="loan declined")
    assert revoked.status_code == 200, revoked.text
    return consent, documents
