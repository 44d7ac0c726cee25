"""End-to-end: a pushed document is found by reference and its detail is complete."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import go, login, push_transport_document, shot
from tests.integration.dashboard.conftest import new_lei

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
