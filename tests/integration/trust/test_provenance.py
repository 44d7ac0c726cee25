"""Pushed eBLs carry a provenance label; versions under one reference never silently replace."""

from __future__ import annotations

import copy
import json
import uuid

import pytest
import sqlalchemy as sa

from app.storage.models import EblProvenance, EblVersion, Event
from tests.pint_peer import Signatory, issuance_manifest, trust
from tests.support import both_backends, push, reefer_transport_document

pytestmark = pytest.mark.integration

LEI = "5493001KJTIIGC8Y1R12"
ISSUE_TO = {
    "partyName": "Exporter",
    "sendToPlatform": "TGTE",
    "identifyingCodes": [{"codeListProvider": "GLEIF", "codeListName": "LEI", "partyCode": LEI}],
}


@pytest.fixture
def carrier(container) -> Signatory:  # noqa: ANN001
    signer = Signatory("msc-2026")
    trust(container, signer)
    return signer


@pytest.fixture
def provider_headers(make_participant, auth_headers):  # noqa: ANN001, ANN201
    make_participant("Exporter", roles=("owner",), identifiers=(f"LEI:{LEI}",))
    return auth_headers(make_participant("Carrier", roles=("provider",)))


def _issued(**members) -> dict:  # noqa: ANN003
    return reefer_transport_document(
        LEI, transportDocumentStatus="ISSUED", issueDate="2023-12-21", **members
    )


def _request(document: dict, manifest: str | None) -> bytes:
    body = {"document": document, "issueTo": ISSUE_TO}
    if manifest is not None:
        body["issuanceManifestSignedContent"] = manifest
    return json.dumps(body).encode()


def _label(response) -> tuple[str, str]:  # noqa: ANN001
    ebl = response.json()["provenance"]["ebl"]
    return ebl["label"], ebl["reason"]


@both_backends
def test_a_carrier_signed_issuance_is_carrier_attested_everywhere(
    client, container, carrier, provider_headers
):  # noqa: ANN001
    document = _issued()
    r = push(
        client, provider_headers, _request(document, issuance_manifest(carrier, document, ISSUE_TO))
    )
    assert r.status_code == 201, r.text
    assert _label(r) == ("carrier_attested", "carrier-signature-verified")
    doc_id = r.json()["id"]
    meta = client.get(f"/v1/documents/{doc_id}", headers=provider_headers)
    assert _label(meta) == ("carrier_attested", "carrier-signature-verified")
    assert meta.json()["provenance"]["ebl"]["signer_kid"] == "msc-2026"
    bundle = client.get(f"/v1/documents/{doc_id}/proof", headers=provider_headers).json()
    assert bundle["event"]["payload"]["ebl_provenance"] == {
        "label": "carrier_attested",
        "reason": "carrier-signature-verified",
    }
    with container.uow() as uow:
        row = uow.session.get(EblProvenance, uuid.UUID(doc_id))
        assert row.label == "carrier_attested" and row.carrier_code == "MSC"


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("none", "no-issuance-manifest"),
        ("document", "document-checksum-mismatch"),
        ("issue-to", "issue-to-checksum-mismatch"),
        ("stranger", "carrier-signature-unknown-key"),
        ("forged", "carrier-signature-bad-signature"),
    ],
)
def test_what_cannot_be_proven_is_labelled_unverified_with_the_reason(
    client, carrier, provider_headers, tamper, reason
):  # noqa: ANN001
    document = _issued()
    signed_for = copy.deepcopy(document)
    issue_to = ISSUE_TO
    signer = carrier
    if tamper == "document":
        signed_for["transportDocumentReference"] = "OTHER"
    if tamper == "issue-to":
        issue_to = {**ISSUE_TO, "partyName": "Someone else"}
    if tamper == "stranger":
        signer = Signatory("not-registered")
    if tamper == "forged":
        signer = Signatory("msc-2026")
    manifest = None if tamper == "none" else issuance_manifest(signer, signed_for, issue_to)
    r = push(client, provider_headers, _request(document, manifest))
    assert r.status_code == 201, r.text
    assert _label(r) == ("unverified", reason)


def test_a_bare_transport_document_is_unverified(client, carrier, provider_headers):  # noqa: ANN001
    r = push(client, provider_headers, json.dumps(_issued()).encode())
    assert _label(r) == ("unverified", "no-issuance-manifest")


def _events(container, kind: str) -> list[Event]:  # noqa: ANN001
    with container.uow() as uow:
        return list(uow.session.scalars(sa.select(Event).where(Event.kind == kind)))


@both_backends
def test_versions_advance_through_issue_and_surrender_and_a_rewrite_is_flagged(
    client, container, carrier, provider_headers
):  # noqa: ANN001
    draft = reefer_transport_document(LEI, transportDocumentStatus="DRAFT")
    issued = _issued()
    surrendered = {**issued, "transportDocumentStatus": "SURRENDERED_FOR_DELIVERY"}
    rewritten = {**issued, "termsAndConditions": "Different terms"}
    for n, document in enumerate([draft, issued, issued, surrendered], 1):
        r = push(client, provider_headers, json.dumps(document).encode(), key=f"k{n}")
        assert r.status_code == 201, r.text
    with container.uow() as uow:
        row = uow.session.scalars(sa.select(EblVersion)).one()
        assert row.status == "SURRENDERED_FOR_DELIVERY"
        assert [h["status"] for h in row.history] == ["DRAFT", "ISSUED", "SURRENDERED_FOR_DELIVERY"]
        current = row.checksum
    r = push(client, provider_headers, json.dumps(rewritten).encode(), key="k5")
    assert r.status_code == 201
    with container.uow() as uow:
        row = uow.session.scalars(sa.select(EblVersion)).one()
        assert row.checksum == current and len(row.conflicts) == 1
        assert row.conflicts[0]["document_id"] == r.json()["id"]
    (conflict,) = _events(container, "ebl.version_conflict")
    assert conflict.payload["current_status"] == "SURRENDERED_FOR_DELIVERY"
    assert len(_events(container, "ebl.version_recorded")) == 3


def test_a_different_document_after_issue_is_a_conflict(
    client, container, carrier, provider_headers
):  # noqa: ANN001
    issued = _issued()
    assert push(client, provider_headers, json.dumps(issued).encode(), key="a").status_code == 201
    other = {**issued, "transportDocumentStatus": "DRAFT"}
    assert push(client, provider_headers, json.dumps(other).encode(), key="b").status_code == 201
    with container.uow() as uow:
        row = uow.session.scalars(sa.select(EblVersion)).one()
        assert row.status == "ISSUED" and [c["status"] for c in row.conflicts] == ["DRAFT"]


def test_business_rules_apply_to_the_document_inside_an_envelope(client, provider_headers):  # noqa: ANN001
    platform = Signatory("wave-1")
    document = reefer_transport_document(LEI, transportDocumentTypeCode="SWB", isToOrder=True)
    envelope = {
        "transportDocument": document,
        "envelopeManifestSignedContent": platform.sign({"x": 1}),
        "envelopeTransferChain": [platform.sign({"eblPlatform": "WAVE"})],
    }
    r = push(client, provider_headers, json.dumps(envelope).encode())
    assert r.status_code == 422
    errors = {(e["rule"], e["location"].split("/")[1]) for e in r.json()["errors"]}
    assert ("R01", "transportDocument") in errors
