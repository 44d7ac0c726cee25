"""Ledger page: log state, proof bundle download and verification by upload."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import sqlalchemy as sa

from app.services.ledger.anchoring import build_sink, plan_anchoring, record_outcome, run_plan
from app.storage.base import utcnow
from app.tasks.ledger import sequence
from tests.integration.dashboard.conftest import transport_document

LEI = "5493001KJTIIGC8Y1R12"


def _verdicts(html: str) -> dict[str, str]:
    """Check name -> verdict text, read from the rendered table."""
    rows = re.findall(r'<th scope="row">([a-z]+)</th><td>(.*?)</td>', html)
    return {name: re.sub("<[^>]+>", "", verdict).strip() for name, verdict in rows}


def _pushed(make_participant, push_document, container):
    make_participant("Exporter", roles=("owner",), identifiers=(f"LEI:{LEI}",))
    carrier = make_participant("Carrier", roles=("provider",))
    pushed = push_document(carrier, LEI, reference="LEDGER-TDR-1")
    anchor_now(container)
    return pushed


def anchor_now(container) -> None:
    """Sequence pending events and anchor the newest checkpoint, as `ledger anchor` does."""
    sequence(container)
    settings = container.settings
    with container.uow() as uow:
        plan = plan_anchoring(uow.session, settings, utcnow(), force=True)
    assert plan is not None
    outcome = run_plan(plan, lambda url: build_sink(url, settings))
    with container.uow() as uow:
        record_outcome(uow.session, settings, plan, outcome, utcnow())
        uow.commit()


def test_ledger_page_shows_the_signed_checkpoint(
    admin_browser, make_participant, push_document, container
):
    _pushed(make_participant, push_document, container)
    page = admin_browser.get("/dashboard/ledger")
    assert page.status_code == 200
    assert "Latest checkpoint" in page.text and "Signed note" in page.text


def test_uploaded_document_is_verified_against_the_hubs_bundle(
    admin_browser, make_participant, push_document, container
):
    _pushed(make_participant, push_document, container)
    result = admin_browser.client.post(
        "/dashboard/ledger/verify",
        data={"csrf_token": admin_browser.csrf},
        files={
            "document": ("td.json", transport_document(LEI, "LEDGER-TDR-1"), "application/json")
        },
        headers={"HX-Request": "true"},
    )
    assert result.status_code == 200, result.text
    assert "Matches stored document" in result.text
    verdicts = _verdicts(result.text)
    for check in ("document", "event", "leaf", "checkpoint", "inclusion", "log"):
        assert verdicts[check] == "ok", verdicts
    # the test hub anchors to none://: verified on its signed checkpoint, and said so
    assert verdicts["anchor"].startswith("skipped")
    assert "Verified" in result.text and "not anchored outside the hub" in result.text


def test_tampered_upload_fails_against_a_kept_bundle(
    admin_browser, make_participant, push_document, container
):
    pushed = _pushed(make_participant, push_document, container)
    bundle = admin_browser.get(f"/dashboard/documents/{pushed['id']}/proof.json")
    assert bundle.status_code == 200
    assert json.loads(bundle.content)["format"] == "tradegate.proof-bundle/1"
    tampered = transport_document(LEI, "LEDGER-TDR-2")
    result = admin_browser.client.post(
        "/dashboard/ledger/verify",
        data={"csrf_token": admin_browser.csrf},
        files={
            "document": ("td.json", tampered, "application/json"),
            "bundle": ("proof.json", bundle.content, "application/json"),
        },
    )
    assert result.status_code == 200
    assert "Not verified" in result.text
    assert _verdicts(result.text)["document"].startswith("failed")


def test_unknown_upload_is_explained(admin_browser):
    result = admin_browser.client.post(
        "/dashboard/ledger/verify",
        data={"csrf_token": admin_browser.csrf},
        files={"document": ("x.json", b'{"hello": "world"}', "application/json")},
    )
    assert "No document with these bytes" in result.text


def test_verify_without_csrf_token_is_403(admin_browser):
    result = admin_browser.client.post(
        "/dashboard/ledger/verify", files={"document": ("x.json", b"{}", "application/json")}
    )
    assert result.status_code == 403


def test_overview_shows_anchoring_progress_and_lag(
    admin_browser, make_participant, push_document, container
):
    _pushed(make_participant, push_document, container)
    page = admin_browser.get("/dashboard/").text
    assert "Log entries by anchoring state: anchored" in page
    assert "not yet anchored 0" in page
    assert "Anchoring lag: <strong>0 s</strong>" in page


def test_dashboard_changes_are_refused_while_anchoring_is_stalled(
    admin_browser, container, make_participant, push_document
):
    _pushed(make_participant, push_document, container)
    container.settings.ledger_anchor_max_lag_seconds = 30.0
    push_document(make_participant("Carrier 2", roles=("provider",)), LEI, reference="LATE")
    sequence(container)
    with container.uow() as uow:
        uow.session.execute(
            sa.text("UPDATE ledger_state SET unanchored_since = :t"),
            {"t": utcnow() - timedelta(hours=1)},
        )
        uow.commit()
    refused = admin_browser.post("/dashboard/participants", {"name": "X", "roles": ["owner"]})
    assert refused.status_code == 503
    assert "anchoring stalled" in refused.text and "Ledger page" in refused.text
    assert admin_browser.get("/dashboard/ledger").status_code == 200
    assert admin_browser.post("/dashboard/logout", follow_redirects=False).status_code == 303
