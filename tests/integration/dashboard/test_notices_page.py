"""The dashboard escalates consumers that leave notices unacknowledged or receipts unfiled."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from app.storage.models import Participant
from tests.integration.dashboard.conftest import Browser


@pytest.fixture
def browser_for(client, make_user) -> Callable[[Participant], Browser]:
    """Another signed-in browser (its own cookies) on the same app, for a participant's user."""

    def open_for(participant: Participant) -> Browser:
        browser = Browser(TestClient(client.app, raise_server_exceptions=False))
        assert browser.login(make_user(participant)).status_code == 303
        return browser

    return open_for


def test_admin_sees_a_banner_and_the_overdue_list_until_the_bank_acknowledges(
    admin_browser, browser_for, make_participant, pending_consent, client, auth_headers, clock
):
    owner = make_participant("Exporter", roles=("owner",))
    bank = make_participant("Harbour Bank", roles=("consumer",))
    other_bank = make_participant("Quay Bank", roles=("consumer",))
    consent = pending_consent(owner, bank)
    admin_browser.post(f"/dashboard/consents/{consent['id']}/approve")
    admin_browser.post(f"/dashboard/consents/{consent['id']}/revoke", {"reason": "fraud"})
    assert "data-escalation" not in admin_browser.get("/dashboard/").text

    clock.advance(hours=24)
    overview = admin_browser.get("/dashboard/").text
    assert "data-escalation" in overview
    assert "1 notice past the acknowledgement deadline" in overview
    listed = admin_browser.get("/dashboard/notices").text
    assert bank.name in listed and consent["id"][:8] in listed
    assert bank.name in browser_for(bank).get("/dashboard/notices").text
    assert bank.name not in browser_for(other_bank).get("/dashboard/notices").text

    (notice,) = client.get("/v1/notices", headers=auth_headers(bank)).json()["items"]
    client.post(f"/v1/notices/{notice['id']}/ack", headers=auth_headers(bank))
    assert "data-escalation" not in admin_browser.get("/dashboard/").text
    assert "No notice is past its deadline." in admin_browser.get("/dashboard/notices").text
