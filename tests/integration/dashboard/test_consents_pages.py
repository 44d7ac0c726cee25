"""Consents pages: the same state machine as the API, confirmed actions, tenant isolation."""

from __future__ import annotations

import pytest


@pytest.fixture
def cast(make_participant):
    return {
        "owner": make_participant("Exporter", roles=("owner",)),
        "other": make_participant("Other exporter", roles=("owner",)),
        "bank": make_participant("Harbour Bank", roles=("consumer",)),
    }


def test_admin_approves_a_pending_consent_after_confirming(admin_browser, cast, pending_consent):
    consent = pending_consent(cast["owner"], cast["bank"])
    detail = admin_browser.get(f"/dashboard/consents/{consent['id']}")
    assert "Approve…" in detail.text and "Revoke…" not in detail.text
    confirm = admin_browser.get(f"/dashboard/consents/{consent['id']}/approve")
    assert "Approve this consent?" in confirm.text and "Confirm approve" in confirm.text
    done = admin_browser.post(f"/dashboard/consents/{consent['id']}/approve")
    assert done.status_code == 200
    assert "Consent active." in done.text
    assert "Download the signed artefact" in done.text
    assert "by <code>user:" in done.text


def test_revoke_needs_a_reason_and_shows_it_in_the_history(
    admin_browser, cast, pending_consent, client, auth_headers
):
    consent = pending_consent(cast["owner"], cast["bank"])
    admin_browser.post(f"/dashboard/consents/{consent['id']}/approve")
    refused = admin_browser.post(f"/dashboard/consents/{consent['id']}/revoke", {"reason": " "})
    assert refused.status_code == 422 and "reason is required" in refused.text
    done = admin_browser.post(
        f"/dashboard/consents/{consent['id']}/revoke", {"reason": "exporter asked us to stop"}
    )
    assert "exporter asked us to stop" in done.text
    api = client.get(f"/v1/consents/{consent['id']}", headers=auth_headers(cast["bank"]))
    assert api.json()["status"] == "REVOKED"


def test_illegal_transition_is_explained_not_applied(admin_browser, cast, pending_consent):
    consent = pending_consent(cast["owner"], cast["bank"])
    response = admin_browser.post(f"/dashboard/consents/{consent['id']}/resume")
    assert response.status_code == 409
    assert "cannot resume a consent that is PENDING" in response.text


def test_owner_approves_its_own_consent_but_not_another_owners(
    browser, make_user, cast, pending_consent
):
    mine = pending_consent(cast["owner"], cast["bank"])
    theirs = pending_consent(cast["other"], cast["bank"])
    browser.login(make_user(cast["owner"]))
    listing = browser.get("/dashboard/consents").text
    assert mine["id"] in listing and theirs["id"] not in listing
    assert browser.get(f"/dashboard/consents/{theirs['id']}").status_code == 404
    assert browser.get(f"/dashboard/consents/{theirs['id']}/approve").status_code == 404
    assert browser.post(f"/dashboard/consents/{theirs['id']}/approve").status_code == 404
    done = browser.post(f"/dashboard/consents/{mine['id']}/approve")
    assert "Consent active." in done.text and "as owner" in done.text


def test_list_filters_by_status_and_updates_as_a_fragment(admin_browser, cast, pending_consent):
    first = pending_consent(cast["owner"], cast["bank"])
    second = pending_consent(cast["other"], cast["bank"])
    admin_browser.post(f"/dashboard/consents/{first['id']}/approve")
    active = admin_browser.get(
        "/dashboard/consents?status=ACTIVE", headers={"HX-Request": "true"}
    ).text
    assert first["id"][:8] in active and second["id"][:8] not in active
    assert "<html" not in active
    by_owner = admin_browser.get(f"/dashboard/consents?owner={cast['other'].id}").text
    assert second["id"][:8] in by_owner and first["id"][:8] not in by_owner


def test_expiring_soon_filter(admin_browser, cast, pending_consent):
    from datetime import UTC, datetime, timedelta

    until = (datetime.now(UTC) + timedelta(days=2)).isoformat().replace("+00:00", "Z")
    start = (datetime.now(UTC) - timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    soon = pending_consent(cast["owner"], cast["bank"], validity={"from": start, "until": until})
    later = pending_consent(cast["other"], cast["bank"])
    page = admin_browser.get("/dashboard/consents?expiring=7d").text
    assert soon["id"][:8] in page and later["id"][:8] not in page


def test_unknown_action_is_404(admin_browser, cast, pending_consent):
    consent = pending_consent(cast["owner"], cast["bank"])
    assert admin_browser.get(f"/dashboard/consents/{consent['id']}/expire").status_code == 404
    assert admin_browser.post(f"/dashboard/consents/{consent['id']}/delete").status_code == 404
