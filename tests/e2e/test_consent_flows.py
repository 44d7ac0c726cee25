"""End-to-end consent management: approve and revoke in the browser, refusal at the API."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import expect

from connectors.webhook.signing import generate_secret
from tests.e2e.conftest import go, login, push_transport_document, shot
from tests.integration.dashboard.conftest import new_lei
from tests.support import subscribed_instance

pytestmark = pytest.mark.e2e

TRANSPORT = "dcsa.transport-document"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _request_consent(hub, bank_token: str, owner) -> str:
    now = datetime.now(UTC)
    response = httpx.post(
        f"{hub.base_url}/v1/consents",
        headers={"Authorization": f"Bearer {bank_token}"},
        json={
            "owner_id": str(owner.id),
            "document_types": [TRANSPORT],
            "purpose": "TRADE_FINANCE_APPLICATION",
            "data_range": {"from": _iso(now - timedelta(days=200)), "to": _iso(now)},
            "validity": {
                "from": _iso(now - timedelta(minutes=1)),
                "until": _iso(now + timedelta(days=30)),
            },
            "fetch_type": "PERIODIC",
            "frequency": {"count": 10, "unit": "DAY"},
            "data_life_days": 30,
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _pull(hub, token: str, consent_id: str, document_id: str) -> httpx.Response:
    return httpx.get(
        f"{hub.base_url}/v1/data/documents/{document_id}",
        headers={"Authorization": f"Bearer {token}", "Consent-Id": consent_id},
    )


def test_admin_approves_then_revokes_and_the_next_pull_is_refused(hub, new_page):
    lei = new_lei()
    owner = hub.participant("Kowloon Export", ("owner",), f"LEI:{lei}")
    carrier = hub.participant("Pacific Carrier", ("provider",))
    bank = hub.participant("Harbour Bank", ("consumer",))
    document = push_transport_document(hub, carrier, lei, "E2E-CONSENT-TDR")
    bank_token = hub.token(bank)
    consent_id = _request_consent(hub, bank_token, owner)
    assert _pull(hub, bank_token, consent_id, document).status_code == 403

    page = new_page()
    login(page, hub.user(hub.participant("Operator", ("admin",)), admin=True))
    go(page, "Consents")
    page.get_by_label("Status").select_option("PENDING")
    row_link = page.locator(f'a[href="/dashboard/consents/{consent_id}"]')
    expect(row_link).to_be_visible()
    expect(page).to_have_url(re.compile(r"status=PENDING"))
    shot(page, "consents")
    row_link.click()
    expect(page.get_by_role("heading", name="Consent pending")).to_be_visible()
    shot(page, "consent-pending")

    page.get_by_role("link", name="Approve…").click()
    shot(page, "consent-confirm-approve")
    page.get_by_role("button", name="Confirm approve").click()
    expect(page.get_by_text("Consent active.")).to_be_visible()
    assert _pull(hub, bank_token, consent_id, document).status_code == 200

    page.get_by_role("link", name="Revoke…").click()
    page.get_by_label("Reason").fill("Exporter withdrew the financing request")
    shot(page, "consent-confirm-revoke")
    page.get_by_role("button", name="Confirm revoke").click()
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text("revoke")
    expect(history).to_contain_text("Exporter withdrew the financing request")
    shot(page, "consent-revoked")

    refused = _pull(hub, bank_token, consent_id, document)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["reason"] == "consent_revoked"

    go(page, "Overview")
    expect(page.get_by_role("figure", name="Document pulls per day, by bank")).to_contain_text(
        bank.name
    )
    shot(page, "overview-with-activity")
    go(page, "Audit")
    page.get_by_label("Kind").fill("data.accessed")
    page.get_by_label("Kind").press("Enter")
    expect(page.locator("#results")).to_contain_text("data.accessed")
    shot(page, "audit-events")


def test_owner_sees_its_consents_and_gets_404_for_another_owners(hub, new_page):
    mine = hub.participant("Kowloon Export", ("owner",))
    theirs = hub.participant("Someone Else", ("owner",))
    bank = hub.participant("Harbour Bank", ("consumer",))
    token = hub.token(bank)
    my_consent = _request_consent(hub, token, mine)
    their_consent = _request_consent(hub, token, theirs)

    page = new_page()
    login(page, hub.user(mine))
    go(page, "Consents")
    expect(page.locator(f'a[href="/dashboard/consents/{my_consent}"]')).to_be_visible()
    expect(page.locator(f'a[href="/dashboard/consents/{their_consent}"]')).to_have_count(0)
    shot(page, "owner-consents")
    response = page.goto(f"/dashboard/consents/{their_consent}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    shot(page, "owner-cross-tenant-404")


def test_failed_webhook_delivery_is_shown_and_retried(hub, new_page):
    owner = hub.participant("Kowloon Export", ("owner",))
    bank = hub.participant("Harbour Bank", ("consumer",))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    subscribed_instance(
        hub.container,
        bank.id,
        "webhook",
        {
            "url": f"http://127.0.0.1:{closed_port}/hook",
            "secrets": [generate_secret()],
            "allow_internal": ["127.0.0.1"],
        },
        name="treasury-hook",
    )
    consent_id = _request_consent(hub, hub.token(bank), owner)

    page = new_page()
    login(page, hub.user(hub.participant("Operator", ("admin",)), admin=True))
    page.goto(f"/dashboard/consents/{consent_id}/approve")
    page.get_by_role("button", name="Confirm approve").click()
    expect(page.get_by_text("Consent active.")).to_be_visible()

    go(page, "Deliveries")
    failures = page.get_by_role("region", name="Failures and dead letters")
    retry = failures.get_by_role("button", name="Retry", exact=True).first
    for _ in range(120):  # the first attempt runs in the server's background runner
        if retry.is_visible():
            break
        page.wait_for_timeout(250)
        page.reload()
    instances = page.get_by_role("region", name="Connector instances")
    row = instances.get_by_role("row", name=re.compile("treasury-hook"))
    expect(row).to_contain_text(bank.name)
    expect(failures).to_contain_text("treasury-hook")
    shot(page, "deliveries")
    retry.click()
    expect(page.get_by_text("queued again")).to_be_visible()
