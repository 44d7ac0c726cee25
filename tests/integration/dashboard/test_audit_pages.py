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


def test_events_are_listed_newest_first_and_filter_by_kind(admin_browser, make_participant):
    make_participant("Audited Ltd", roles=("owner",))
    page = admin_browser.get("/dashboard/audit").text
    rows = page[page.index("<tbody") :]
    assert "participant.created" in rows and "user.signed_in" in rows
    # the participant was registered after the sign-in, so it comes first
    assert rows.index("participant.created") < rows.index("user.signed_in")
    only = admin_browser.get(
        "/dashboard/audit?kind=participant.created", headers={"HX-Request": "true"}
    ).text
    assert "participant.created" in only and "user.signed_in" not in only
    assert "<datalist" not in only


def test_owner_sees_only_events_that_involve_it(browser, make_participant, make_user):
    mine = make_participant("Mine", roles=("owner",))
    other = make_participant("Other", roles=("owner",))
    browser.login(make_user(mine))
    page = browser.get("/dashboard/audit").text
    assert f"participant:{mine.id}" in page and f"participant:{other.id}" not in page
