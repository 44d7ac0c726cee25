"""Documents search: tenant scoping, filters, HTMX partial results and the overview chart."""

from __future__ import annotations

from datetime import timedelta

from app.storage.base import utcnow
from tests.integration.dashboard.conftest import new_lei


def test_owner_finds_only_its_own_documents(browser, make_participant, make_user, store_document):
    carrier = make_participant("Carrier", roles=("provider",))
    mine = make_participant("Mine", roles=("owner",))
    theirs = make_participant("Theirs", roles=("owner",))
    store_document(mine, carrier, reference="TDR-MINE-1")
    store_document(theirs, carrier, reference="TDR-THEIRS-1")
    browser.login(make_user(mine))
    page = browser.get("/dashboard/documents").text
    assert "TDR-MINE-1" in page and "TDR-THEIRS-1" not in page


def test_admin_filters_by_reference_type_and_provider(
    admin_browser, make_participant, store_document
):
    carrier = make_participant("Carrier", roles=("provider",))
    seller = make_participant("Seller", roles=("provider",))
    owner = make_participant("Owner", roles=("owner",))
    store_document(owner, carrier, reference="TDR-AAA-1")
    store_document(owner, seller, doc_type="uncefact.cii", reference="INV-2026-7")
    by_ref = admin_browser.get("/dashboard/documents?reference=inv-2026").text
    assert "INV-2026-7" in by_ref and "TDR-AAA-1" not in by_ref
    by_type = admin_browser.get("/dashboard/documents?type=dcsa.ebl").text
    assert "TDR-AAA-1" in by_type and "INV-2026-7" not in by_type
    by_provider = admin_browser.get(f"/dashboard/documents?provider={seller.id}&owner=").text
    assert "INV-2026-7" in by_provider and "TDR-AAA-1" not in by_provider


def test_htmx_search_returns_only_the_results_fragment(
    admin_browser, make_participant, store_document
):
    carrier = make_participant("Carrier", roles=("provider",))
    owner = make_participant("Owner", roles=("owner",))
    store_document(owner, carrier, reference="TDR-HX-1")
    response = admin_browser.get(
        "/dashboard/documents?reference=HX", headers={"HX-Request": "true"}
    )
    assert "TDR-HX-1" in response.text
    assert "<html" not in response.text and 'role="search"' not in response.text


def test_bad_filter_value_is_a_400_page(admin_browser):
    response = admin_browser.get("/dashboard/documents?owner=not-an-id")
    assert response.status_code == 400
    assert "owner is not a valid id" in response.text


def test_empty_state_tells_where_documents_come_from(admin_browser):
    assert "No documents yet." in admin_browser.get("/dashboard/documents").text


def test_overview_charts_documents_per_day_by_type(admin_browser, make_participant, store_document):
    carrier = make_participant("Carrier", roles=("provider",))
    owner = make_participant("Owner", roles=("owner",))
    store_document(owner, carrier, reference="A")
    store_document(owner, carrier, reference="B", received_at=utcnow() - timedelta(days=1))
    store_document(owner, carrier, doc_type="uncefact.cii", reference="C")
    store_document(owner, carrier, reference="OLD", received_at=utcnow() - timedelta(days=40))
    page = admin_browser.get("/dashboard/").text
    today = utcnow().date().isoformat()
    assert f"{today} · dcsa.ebl: 1" in page
    assert f"{today} · uncefact.cii: 1" in page
    assert "3 in total" in page


LEI = "5493001KJTIIGC8Y1R12"


def test_document_detail_shows_hashes_validation_and_downloads_the_original(
    admin_browser, make_participant, push_document
):
    make_participant("Exporter", roles=("owner",), identifiers=(f"LEI:{LEI}",))
    carrier = make_participant("Carrier", roles=("provider",))
    pushed = push_document(carrier, LEI, reference="DASH-TDR-1")
    page = admin_browser.get(f"/dashboard/documents/{pushed['id']}")
    assert page.status_code == 200
    assert "<title>Document DASH-TDR-1 · Tradegate</title>" in page.text
    assert pushed["sha256"] in page.text and pushed["canonical_sha256"] in page.text
    assert "Accepted: the schema and every business rule passed" in page.text
    assert "ruleset" in page.text
    original = admin_browser.get(f"/dashboard/documents/{pushed['id']}/content")
    assert original.status_code == 200
    assert b"DASH-TDR-1" in original.content
    assert "attachment" in original.headers["content-disposition"]


def test_document_of_another_owner_is_404(browser, make_participant, make_user, push_document):
    make_participant("Exporter", roles=("owner",), identifiers=(f"LEI:{LEI}",))
    carrier = make_participant("Carrier", roles=("provider",))
    outsider = make_participant("Outsider", roles=("owner",))
    pushed = push_document(carrier, LEI)
    browser.login(make_user(outsider))
    assert browser.get(f"/dashboard/documents/{pushed['id']}").status_code == 404
    assert browser.get(f"/dashboard/documents/{pushed['id']}/content").status_code == 404


def test_document_detail_lists_who_fetched_it_under_which_consent(
    admin_browser, make_participant, push_document, pending_consent, client, auth_headers
):
    lei = new_lei()
    owner = make_participant("Exporter", roles=("owner",), identifiers=(f"LEI:{lei}",))
    carrier = make_participant("Carrier", roles=("provider",))
    bank = make_participant("Harbour Bank", roles=("consumer",))
    pushed = push_document(carrier, lei)
    detail = admin_browser.get(f"/dashboard/documents/{pushed['id']}").text
    assert "Nobody has fetched this document." in detail
    consent = pending_consent(owner, bank)
    admin_browser.post(f"/dashboard/consents/{consent['id']}/approve")
    fetched = client.get(
        f"/v1/data/documents/{pushed['id']}",
        headers={**auth_headers(bank), "Consent-Id": consent["id"]},
    )
    assert fetched.status_code == 200, fetched.text
    detail = admin_browser.get(f"/dashboard/documents/{pushed['id']}").text
    assert bank.name in detail and detail.count('id="access-title"') == 1
    assert f"/dashboard/consents/{consent['id']}" in detail
