"""The audit page's chain-integrity check finds tampering."""

from __future__ import annotations

import sqlalchemy as sa

from app.storage.models import Event


def test_chain_check_reports_an_intact_chain(admin_browser):
    response = admin_browser.get("/dashboard/audit/chain", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Chain intact" in response.text


def test_chain_check_names_the_first_tampered_event(admin_browser, container):
    with container.uow() as uow:
        first = uow.session.execute(sa.select(Event).order_by(Event.seq).limit(1)).scalar_one()
        first.payload = {**first.payload, "name": "edited"}
        uow.commit()
        seq = first.seq
    response = admin_browser.get("/dashboard/audit/chain", headers={"HX-Request": "true"})
    assert "The chain is broken" in response.text
    assert f"event #{seq}" in response.text and "payload mismatch" in response.text


def test_chain_check_is_for_operators_only(browser, make_participant, make_user):
    browser.login(make_user(make_participant("Owner", roles=("owner",))))
    assert browser.get("/dashboard/audit/chain").status_code == 404
