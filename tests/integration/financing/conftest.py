"""Two banks, two providers and an owner whose eBL both providers push; consent helpers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from app.storage.models import Participant
from bench.hubs import LEI as LEI
from bench.hubs import ebl as ebl
from bench.hubs import registration as registration
from tests.support import consent_request_body, push, save_document

TRANSPORT = "dcsa.transport-document"
INVOICE = "uncefact.cii.invoice"


@dataclass
class Hub:
    """The participants of a double-financing story and their bearer headers."""

    owner: Participant
    carrier: Participant
    platform: Participant
    bank_a: Participant
    bank_b: Participant
    bank_c: Participant
    admin: Participant
    headers: dict[str, dict[str, str]]

    def h(self, name: str, key: str | None = None) -> dict[str, str]:
        headers = dict(self.headers[name])
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers


@pytest.fixture
def hub(make_participant, auth_headers) -> Hub:
    made = {
        "owner": make_participant("Exporter", ("owner",), identifiers=(f"LEI:{LEI}",)),
        "carrier": make_participant("Carrier", ("provider",)),
        "platform": make_participant("eBL platform", ("provider",)),
        "bank_a": make_participant("Alpha Bank", ("consumer",)),
        "bank_b": make_participant("Beta Bank", ("consumer",)),
        "bank_c": make_participant("Gamma Bank", ("consumer",)),
        "admin": make_participant("Hub", ("admin",)),
    }
    return Hub(**made, headers={name: auth_headers(p) for name, p in made.items()})


@pytest.fixture
def consent(client, hub) -> Callable[..., str]:
    """An ACTIVE consent of the owner for `bank` over transport documents and invoices."""

    def make(bank: str) -> str:
        body = consent_request_body(hub.owner.id, document_types=[TRANSPORT, INVOICE])
        requested = client.post("/v1/consents", json=body, headers=hub.h(bank))
        assert requested.status_code == 201, requested.text
        consent_id = requested.json()["id"]
        approved = client.post(f"/v1/consents/{consent_id}/approve", headers=hub.h("owner"))
        assert approved.status_code == 200, approved.text
        return str(consent_id)

    return make


@pytest.fixture
def push_ebl(client, hub) -> Callable[..., str]:
    """Push the owner's reefer eBL (shipped on board yesterday, so consents cover it) through
    intake as `provider`; returns the document id."""

    def make(provider: str = "carrier", raw: bytes | None = None, **members: Any) -> str:
        raw = raw or json.dumps(ebl(**members)).encode()
        pushed = push(client, hub.h(provider), raw, key=uuid.uuid4().hex)
        assert pushed.status_code == 201, pushed.text
        return str(pushed.json()["id"])

    return make


@pytest.fixture
def store_document(container, hub) -> Callable[..., str]:
    """Store a document of the owner straight in the database (intake is tested elsewhere)."""

    def make(content: bytes, doc_type: str = INVOICE) -> str:
        document = save_document(
            container,
            content,
            owner_id=hub.owner.id,
            provider_id=hub.carrier.id,
            reference=uuid.uuid4().hex[:12],
            doc_type=doc_type,
            version="D16B" if doc_type == INVOICE else "3.0.3",
            media_type="application/xml" if doc_type == INVOICE else "application/json",
            document_date=date.today(),
            received_at=datetime.now(UTC) - timedelta(hours=1),
        )
        return str(document.id)

    return make


@pytest.fixture
def register(client, hub) -> Callable[..., Any]:
    """POST /v1/financing as `bank` with a fresh Idempotency-Key; returns the response."""

    def make(bank: str, document_id: str, **overrides: Any) -> Any:
        return client.post(
            "/v1/financing",
            json=registration(document_id, **overrides),
            headers=hub.h(bank, key=uuid.uuid4().hex),
        )

    return make
