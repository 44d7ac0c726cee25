"""Documents pushed through intake (DCSA JSON, UN/CEFACT XML) verify against their bundles."""

import json

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.tasks.ledger import anchor
from tests.support import REPO

pytestmark = pytest.mark.integration

REFERENCE = REPO.parent / "shared" / "reference"
LEI = "5493001KJTIIGC8Y1R12"


def reefer_td() -> bytes:
    td = json.loads(
        (REFERENCE / "dcsa/examples/TransportDocument_reefer_APPROVED.json").read_bytes()
    )
    td["documentParties"]["shipper"]["identifyingCodes"] = [
        {"codeListProvider": "GLEIF", "codeListName": "LEI", "partyCode": LEI}
    ]
    return json.dumps(td, indent=2).encode()


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
