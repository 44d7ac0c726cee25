"""The Financing page: the owner and the admin see every lender on a document; others nothing."""

from __future__ import annotations

import pytest

from tests.integration.financing.conftest import consent, hub, push_ebl, register

pytestmark = pytest.mark.integration

__all__ = ["consent", "hub", "push_ebl", "register"]


@pytest.fixture
def double_financed(hub, consent, push_ebl, register) -> str:
    consent("bank_a")
    consent("bank_b")
    document = push_ebl()
    first = register("bank_a", document, reference="ALPHA-1", amount="1000.00")
    second = register("bank_b", document, reference="BETA-1", amount="2000.00")
    assert first.status_code == second.status_code == 201
    return document


def test_the_owner_sees_who_finances_its_document_and_the_timeline(
    browser, make_user, hub, double_financed
):
    browser.login(make_user(hub.owner))
    listing = browser.get("/dashboard/financing?duplicated=true").text
    assert f"/dashboard/financing/{double_financed}" in listing
    assert hub.bank_a.name in listing and hub.bank_b.name in listing
    detail = browser.get(f"/dashboard/financing/{double_financed}").text
    assert "2 lenders hold open registrations" in detail
    for seen in ("ALPHA-1", "BETA-1", "1000.00 USD", "2000.00 USD", "financing.duplicate_detected"):
        assert seen in detail
    assert detail.count("financing.registered") == 2


def test_another_owner_sees_nothing_and_gets_404(
    browser, make_user, make_participant, double_financed
):
    stranger = make_participant("Other exporter", ("owner",))
    browser.login(make_user(stranger))
    assert double_financed not in browser.get("/dashboard/financing").text
    assert browser.get(f"/dashboard/financing/{double_financed}").status_code == 404


def test_the_admin_sees_every_financed_document(admin_browser, double_financed):
    assert double_financed in admin_browser.get("/dashboard/financing").text
    assert admin_browser.get(f"/dashboard/financing/{double_financed}").status_code == 200
