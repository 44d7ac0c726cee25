"""Documents pushed through intake (DCSA JSON, UN/CEFACT XML) verify against their bundles."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.tasks.ledger import anchor
from tests.support import REFERENCE, consent_request_body, iso, reefer_transport_document

pytestmark = pytest.mark.integration

LEI = "5493001KJTIIGC8Y1R12"


def reefer_td() -> bytes:
    return json.dumps(reefer_transport_document(LEI), indent=2).encode()


@pytest.fixture
def hub(tsa_container):
    with TestClient(create_app(container=tsa_container), raise_server_exceptions=False) as client:
        yield tsa_container, client


def push(client, headers, raw, media_type, key):
    response = client.post(
        "/v1/documents",
        content=raw,
        headers={**headers, "Idempotency-Key": key, "Content-Type": media_type},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def verify(client, content, bundle):
    return client.post(
        "/v1/verify",
        files={"document": ("doc", content), "bundle": ("proof.json", json.dumps(bundle))},
    ).json()


def test_a_pushed_ebl_verifies_in_any_json_formatting_but_not_edited(
    hub, make_participant, auth_headers
):
    container, client = hub
    make_participant("Exporter", roles=("owner",), identifiers=(f"LEI:{LEI}",))
    provider = make_participant("Carrier", roles=("provider",))
    raw = reefer_td()
    document_id = push(client, auth_headers(provider), raw, "application/json", "td-1")
    assert anchor(container).errors == {}
    bundle = client.get(
        f"/v1/documents/{document_id}/proof", headers=auth_headers(provider, {"ledger:read"})
    ).json()
    assert bundle["event"]["kind"] == "document.accepted"
    assert verify(client, raw, bundle)["verified"]
    compact = json.dumps(json.loads(raw), separators=(",", ":")).encode()
    assert verify(client, compact, bundle)["verified"]
    edited = json.loads(raw)
    edited["transportDocumentReference"] += "X"
    report = verify(client, json.dumps(edited).encode(), bundle)
    assert report["reasons"] == ["hash_mismatch"]


def test_a_pushed_cii_invoice_verifies_after_reserialisation(hub, make_participant, auth_headers):
    container, client = hub
    make_participant("Seller", roles=("owner",), identifiers=("TAX:DK16356706",))
    provider = make_participant("E-invoicing platform", roles=("provider",))
    raw = (REFERENCE / "uncefact/examples/CII_example3.xml").read_bytes()
    document_id = push(client, auth_headers(provider), raw, "application/xml", "inv-1")
    assert anchor(container).errors == {}
    bundle = client.get(
        f"/v1/documents/{document_id}/proof", headers=auth_headers(provider, {"ledger:read"})
    ).json()
    assert verify(client, raw, bundle)["verified"]
    crlf = raw.replace(b"\n", b"\r\n")
    assert verify(client, crlf, bundle)["verified"]
    assert verify(client, raw.replace(b"TOSL108", b"TOSL109"), bundle)["reasons"] == [
        "hash_mismatch"
    ]


def test_a_bank_pulling_under_consent_gets_a_bundle_that_verifies(
    hub, make_participant, auth_headers
):
    container, client = hub
    owner = make_participant("Exporter", roles=("owner",), identifiers=(f"LEI:{LEI}",))
    provider = make_participant("Carrier", roles=("provider",))
    bank = make_participant("Bank", roles=("consumer",))
    td = json.loads(reefer_td())
    now = datetime.now(UTC)
    td["shippedOnBoardDate"] = (now - timedelta(days=10)).date().isoformat()
    raw = json.dumps(td).encode()
    document_id = push(client, auth_headers(provider), raw, "application/json", "td-2")
    consent = client.post(
        "/v1/consents",
        headers=auth_headers(bank),
        json=consent_request_body(
            owner.id, data_range={"from": iso(now - timedelta(days=100)), "to": iso(now)}
        ),
    )
    assert consent.status_code == 201, consent.text
    approved = client.post(
        f"/v1/consents/{consent.json()['id']}/approve", headers=auth_headers(owner)
    )
    assert approved.status_code == 200, approved.text
    assert anchor(container).errors == {}
    path = f"/v1/data/documents/{document_id}/proof"
    assert client.get(path, headers=auth_headers(bank)).status_code == 400
    pulled = client.get(path, headers={**auth_headers(bank), "Consent-Id": consent.json()["id"]})
    assert pulled.status_code == 200, pulled.text
    assert pulled.headers["cache-control"] == "no-store"
    assert verify(client, raw, pulled.json())["verified"]
    stranger = make_participant("Other bank", roles=("consumer",))
    denied = client.get(
        path, headers={**auth_headers(stranger), "Consent-Id": consent.json()["id"]}
    )
    assert denied.status_code == 404
