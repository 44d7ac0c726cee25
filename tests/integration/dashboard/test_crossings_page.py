"""The Crossings page: the admin sees every crossing and why; an owner only its own."""

from __future__ import annotations

import uuid

import pytest

from app.errors import Forbidden
from app.services.consents.purposes import catalogue_for
from app.services.crossings.serving import CallingPeer, serve_document
from tests.integration.crossings.conftest import exporter, remote_consent, settings

pytestmark = pytest.mark.integration

__all__ = ["exporter", "remote_consent", "settings"]


@pytest.fixture
def crossed(container, exporter, remote_consent) -> dict[str, str]:
    """One transport document sent to hub-b (HK), one invoice refused by residency."""
    consent = remote_consent()

    def serve(document_id: str) -> None:
        serve_document(
            container,
            CallingPeer("hub-b", "HK"),
            "bank-b-1",
            uuid.UUID(consent["id"]),
            uuid.UUID(document_id),
            catalogue=catalogue_for(container.settings),
            now=container.clock(),
        )

    serve(exporter.td_id)
    with pytest.raises(Forbidden):
        serve(exporter.invoice_id)
    return consent


def test_admin_sees_every_crossing_with_its_reason(admin_browser, crossed):
    page = admin_browser.get("/dashboard/crossings")
    assert page.status_code == 200
    html = page.text
    assert 'href="/dashboard/crossings"' in html
    assert html.count("hub-b (HK)") == 2
    assert crossed["id"] in html
    assert "status-allowed" in html and "status-refused" in html
    assert "cn-commercial-invoice-onshore" in html
    refused = admin_browser.get("/dashboard/crossings?outcome=REFUSED").text
    assert refused.count("hub-b (HK)") == 1
    assert "uncefact.cii.invoice" in refused


def test_owner_sees_its_crossings_and_a_stranger_none(
    browser, make_user, make_participant, exporter, crossed
):
    browser.login(make_user(exporter.owner))
    assert browser.get("/dashboard/crossings").text.count("hub-b (HK)") == 2
    stranger = make_participant("Other exporter", ("owner",))
    browser.login(make_user(stranger))
    assert "hub-b (HK)" not in browser.get("/dashboard/crossings").text


def test_a_bad_filter_is_a_400_not_a_500(admin_browser):
    assert admin_browser.get("/dashboard/crossings?outcome=MAYBE").status_code == 422
