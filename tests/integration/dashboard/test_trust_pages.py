"""Admins see trusted keys, tracked eBLs with their conflicts, and each eBL's provenance label."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.integration.dashboard.conftest import new_lei
from tests.pint_peer import Signatory, trust
from tests.support import reefer_transport_document

pytestmark = pytest.mark.integration


def test_trust_page_lists_keys_and_flags_a_rewritten_ebl(
    admin_browser, container, client, make_participant, auth_headers
):  # noqa: ANN001
    trust(container, Signatory("msc-dash"))
    lei = new_lei()
    make_participant("Exporter", roles=("owner",), identifiers=(f"LEI:{lei}",))
    headers = auth_headers(make_participant("Carrier", roles=("provider",)))
    issued = reefer_transport_document(
        lei, transportDocumentStatus="ISSUED", issueDate="2023-12-21"
    )
    rewritten = {**issued, "termsAndConditions": "New terms"}
    ids = []
    for document in (issued, rewritten):
        r = client.post(
            "/v1/documents",
            content=json.dumps(document).encode(),
            headers={
                **headers,
                "Idempotency-Key": uuid.uuid4().hex,
                "Content-Type": "application/json",
            },
        )
        assert r.status_code == 201
        ids.append(r.json()["id"])
    page = admin_browser.get("/dashboard/trust")
    assert page.status_code == 200
    assert "msc-dash" in page.text and "Conflicting versions" in page.text
    assert f"/dashboard/documents/{ids[1]}" in page.text
    detail = admin_browser.get(f"/dashboard/documents/{ids[0]}")
    assert "eBL provenance" in detail.text and "status-unverified" in detail.text
    assert "no-issuance-manifest" in detail.text


def test_the_trust_page_is_not_there_for_tenants(browser, make_participant, make_user):  # noqa: ANN001
    owner = make_participant("Exporter", roles=("owner",))
    browser.login(make_user(owner))
    assert browser.get("/dashboard/trust").status_code == 404
