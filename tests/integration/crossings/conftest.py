"""A hub in CN with an exporter's transport document and invoice pushed through intake."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.settings import Settings
from app.storage.models import Participant
from tests.support import REFERENCE, consent_request_body, iso, push, reefer_transport_document

LEI = "5493001KJTIIGC8Y1R12"
TD = "dcsa.transport-document"
INVOICE = "uncefact.cii.invoice"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The hub under test sits in CN and applies the shipped CN rules."""
    return settings.model_copy(update={"jurisdiction": "CN"})


@dataclass
class Exporter:
    owner: Participant
    admin: Participant
    headers: dict[str, dict[str, str]]
    td_id: str
    td_raw: bytes
    invoice_id: str


@pytest.fixture
def exporter(client, make_participant, auth_headers) -> Exporter:
    owner = make_participant("Exporter", ("owner",), (f"LEI:{LEI}", "TAX:DK16356706"))
    carrier = make_participant("Carrier", ("provider",))
    admin = make_participant("Hub", ("admin",))
    td = reefer_transport_document(LEI)
    td["shippedOnBoardDate"] = (datetime.now(UTC) - timedelta(days=10)).date().isoformat()
    raw = json.dumps(td).encode()
    pushed = push(client, auth_headers(carrier), raw, key="td-1")
    assert pushed.status_code == 201, pushed.text
    issued = (datetime.now(UTC) - timedelta(days=5)).strftime("%Y%m%d").encode()
    invoice = (REFERENCE / "uncefact/examples/CII_example3.xml").read_bytes()
    invoice = invoice.replace(b'format="102">20130410<', b'format="102">' + issued + b"<")
    pushed_invoice = push(
        client, auth_headers(carrier), invoice, key="inv-1", media_type="application/xml"
    )
    assert pushed_invoice.status_code == 201, pushed_invoice.text
    return Exporter(
        owner=owner,
        admin=admin,
        headers={"owner": auth_headers(owner), "admin": auth_headers(admin)},
        td_id=pushed.json()["id"],
        td_raw=raw,
        invoice_id=pushed_invoice.json()["id"],
    )


@pytest.fixture
def remote_consent(client, exporter) -> Callable[..., dict[str, Any]]:
    """A consent naming `ref` at peer `peer`, filed by the admin and approved by the owner."""

    def make(peer: str = "hub-b", ref: str = "bank-b-1", **overrides: Any) -> dict[str, Any]:
        now = datetime.now(UTC)
        body = consent_request_body(
            exporter.owner.id,
            document_types=[TD, INVOICE],
            data_range={"from": iso(now - timedelta(days=60)), "to": iso(now + timedelta(1))},
            remote_consumer={"peer": peer, "consumer_ref": ref},
            **overrides,
        )
        filed = client.post("/v1/consents", json=body, headers=exporter.headers["admin"])
        assert filed.status_code == 201, filed.text
        approved = client.post(
            f"/v1/consents/{filed.json()['id']}/approve", headers=exporter.headers["owner"]
        )
        assert approved.status_code == 200, approved.text
        return filed.json()

    return make
