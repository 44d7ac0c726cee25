"""Admins see this hub's pin and its peers, and suspend and resume a peer from the page."""

from __future__ import annotations

import pytest

from app.services.ledger.log import log_verifier
from tests.federation_hubs import store_peer

pytestmark = pytest.mark.integration


@pytest.fixture
def peer(container) -> None:  # noqa: ANN001
    store_peer(container)


def test_an_admin_suspends_and_resumes_a_peer_from_the_page(admin_browser, container, peer):  # noqa: ANN001
    page = admin_browser.get("/dashboard/federation")
    assert page.status_code == 200
    assert log_verifier(container.settings, container.keys).vkey in page.text
    assert "hub-b" in page.text and "https://hub-b.example" in page.text
    suspended = admin_browser.post(
        "/dashboard/federation/peers/hub-b/suspend", {"reason": "audit pending"}
    )
    assert suspended.status_code == 200, suspended.text
    assert "Peer suspended." in suspended.text and "audit pending" in suspended.text
    resumed = admin_browser.post("/dashboard/federation/peers/hub-b/resume")
    assert "Peer resumed." in resumed.text and "Suspend" in resumed.text


def test_resuming_an_active_peer_shows_why_not(admin_browser, peer):  # noqa: ANN001
    answer = admin_browser.post("/dashboard/federation/peers/hub-b/resume")
    assert answer.status_code == 409
    assert "peer hub hub-b is not suspended" in answer.text


def test_the_federation_page_is_not_there_for_tenants(browser, make_participant, make_user):  # noqa: ANN001
    owner = make_participant("Exporter", roles=("owner",))
    browser.login(make_user(owner))
    assert browser.get("/dashboard/federation").status_code == 404
    assert browser.post("/dashboard/federation/peers/hub-b/suspend").status_code == 404
