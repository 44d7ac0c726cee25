"""Overview charts: consents by status and pulls per day by bank."""

from __future__ import annotations


def test_overview_counts_consents_by_status_and_pulls_by_bank(
    admin_browser, make_participant, pending_consent, store_document, client, auth_headers
):
    owner = make_participant("Exporter", roles=("owner",))
    carrier = make_participant("Carrier", roles=("provider",))
    bank = make_participant("Harbour Bank", roles=("consumer",))
    document = store_document(owner, carrier, doc_type="dcsa.transport-document")
    consent = pending_consent(owner, bank)
    pending_consent(owner, bank)
    admin_browser.post(f"/dashboard/consents/{consent['id']}/approve")
    pulled = client.get(
        f"/v1/data/documents/{document.id}",
        headers={**auth_headers(bank), "Consent-Id": consent["id"]},
    )
    assert pulled.status_code == 200, pulled.text
    page = admin_browser.get("/dashboard/").text
    assert "each status: pending 1, active 1, paused 0" in page
    assert f" · {bank.name}: 1" in page


def test_owner_overview_counts_only_its_own_consents(
    browser, make_participant, make_user, pending_consent
):
    owner = make_participant("Exporter", roles=("owner",))
    other = make_participant("Other", roles=("owner",))
    bank = make_participant("Bank", roles=("consumer",))
    pending_consent(owner, bank)
    pending_consent(other, bank)
    pending_consent(other, bank)
    browser.login(make_user(owner))
    assert "pending 1, active 0" in browser.get("/dashboard/").text
