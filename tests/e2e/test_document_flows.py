"""End-to-end: a pushed document is found by reference and its detail is complete."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import go, login, push_transport_document, shot
from tests.integration.dashboard.conftest import new_lei, transport_document
from tests.support import wait_until

pytestmark = pytest.mark.e2e


def test_admin_finds_a_pushed_document_by_reference(hub, new_page):
    lei = new_lei()
    hub.participant("Kowloon Export", ("owner",), f"LEI:{lei}")
    carrier = hub.participant("Pacific Carrier", ("provider",))
    reference = f"E2E{uuid.uuid4().hex[:8].upper()}"
    document_id = push_transport_document(hub, carrier, lei, reference)

    page = new_page()
    login(page, hub.user(hub.participant("Operator", ("admin",)), admin=True))
    go(page, "Documents")
    page.get_by_label("Reference").fill(reference.lower())
    link = page.get_by_role("link", name=reference)
    expect(link).to_be_visible()
    shot(page, "documents")
    link.click()
    expect(page).to_have_url(f"{hub.base_url}/dashboard/documents/{document_id}")
    expect(page.get_by_role("heading", name="Validation report")).to_be_visible()
    shot(page, "document-detail")


def test_admin_verifies_a_document_by_uploading_it(hub, new_page):
    lei = new_lei()
    hub.participant("Kowloon Export", ("owner",), f"LEI:{lei}")
    carrier = hub.participant("Pacific Carrier", ("provider",))
    reference = f"E2EV{uuid.uuid4().hex[:8].upper()}"
    document_id = push_transport_document(hub, carrier, lei, reference)
    token = hub.token(carrier)

    def sequenced() -> bool:
        proof = httpx.get(
            f"{hub.base_url}/v1/documents/{document_id}/proof",
            headers={"Authorization": f"Bearer {token}"},
        )
        return proof.status_code == 200

    assert wait_until(sequenced, timeout=20), "the document never reached the log"

    page = new_page()
    login(page, hub.user(hub.participant("Operator", ("admin",)), admin=True))
    go(page, "Ledger")
    expect(page.get_by_role("heading", name="Latest checkpoint")).to_be_visible()
    page.get_by_label("Document file").set_input_files(
        {
            "name": f"{reference}.json",
            "mimeType": "application/json",
            "buffer": transport_document(lei, reference),
        }
    )
    page.get_by_role("button", name="Verify").click()
    checks = page.get_by_role("table", name="Checks, in order")
    expect(checks).to_be_visible()
    for name in ("document", "leaf", "inclusion", "checkpoint", "log"):
        row = checks.get_by_role("row", name=re.compile(rf"^{name} "))
        expect(row).to_contain_text("ok")
    expect(page.get_by_text(f"Matches stored document {reference}")).to_be_visible()
    shot(page, "ledger-verify")

    page.get_by_role("link", name=reference).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the proof bundle").click()
    assert download.value.suggested_filename == f"proof-{document_id}.json"
