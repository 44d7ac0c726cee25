"""A document pushed through intake reaches the bank byte for byte under the owner's consent."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.support import both_backends, iso, push, reefer_transport_document

pytestmark = [pytest.mark.integration, both_backends]

LEI = "5493001KJTIIGC8Y1R12"


def test_pushed_document_is_pulled_unchanged_under_consent(
    client, make_participant, auth_headers, consent_body
):
    owner = make_participant("Exporter", roles=("owner",), identifiers=(f"LEI:{LEI}",))
    carrier = make_participant("Carrier", roles=("provider",))
    bank = make_participant("Bank", roles=("consumer",))
    raw = json.dumps(reefer_transport_document(LEI), indent=2).encode()
    pushed = push(client, auth_headers(carrier), raw, key="push-1")
    assert pushed.status_code == 201, pushed.text
    document = pushed.json()
    assert document["owner_id"] == str(owner.id)
    stored = client.get(f"/v1/documents/{document['id']}", headers=auth_headers(carrier)).json()
    dated = datetime.fromisoformat(stored["document_date"] or stored["received_at"][:10])
    dated = dated.replace(tzinfo=UTC)

    body = consent_body(
        owner_id=str(owner.id),
        document_types=["dcsa.transport-document"],
        data_range={"from": iso(dated - timedelta(days=10)), "to": iso(dated + timedelta(days=10))},
    )
    requested = client.post("/v1/consents", json=body, headers=auth_headers(bank))
    assert requested.status_code == 201, requested.text
    consent_id = requested.json()["id"]
    approved = client.post(f"/v1/consents/{consent_id}/approve", headers=auth_headers(owner))
    assert approved.status_code == 200, approved.text

    headers = {**auth_headers(bank), "Consent-Id": consent_id}
    listed = client.get("/v1/data/documents", headers=headers).json()["items"]
    assert [d["id"] for d in listed] == [document["id"]]
    meta = client.get(f"/v1/data/documents/{document['id']}", headers=headers).json()
    assert meta["sha256"] == document["sha256"] == hashlib.sha256(raw).hexdigest()
    assert meta["canonical_sha256"] == document["canonical_sha256"]
    content = client.get(f"/v1/data/documents/{document['id']}/content", headers=headers)
    assert content.status_code == 200
    assert content.content == raw
    digest = base64.b64encode(hashlib.sha256(raw).digest()).decode()
    assert content.headers["repr-digest"] == f"sha-256=:{digest}:"
