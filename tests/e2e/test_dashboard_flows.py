"""End-to-end: a person drives the dashboard in headless Chromium against a real server."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, go, login, shot

pytestmark = pytest.mark.e2e


def test_admin_signs_in_and_registers_a_participant(hub, new_page):
    admin = hub.user(hub.participant("Operator", ("admin",)), admin=True)
    page = new_page()
    page.goto("/dashboard/login")
    shot(page, "login")
    login(page, admin)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    shot(page, "overview")

    go(page, "Participants")
    page.get_by_role("link", name="Register a participant").click()
    page.get_by_label("Name").fill("Lantau Lending Bank")
    page.get_by_label("consumer").check()
    page.get_by_label("Identifiers").fill("BIC:LNTUHKHH")
    page.get_by_label("Country").fill("HK")
    shot(page, "participant-new")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Lantau Lending Bank")).to_be_visible()
    expect(page.get_by_text("Participant registered.")).to_be_visible()

    page.get_by_text("Issue an API client").click()
    page.get_by_label("Name", exact=True).fill("Treasury")
    page.get_by_role("button", name="Issue client").click()
    secret = page.get_by_label("Client secret", exact=True).input_value()
    client_id = re.search(r"tg_[0-9a-f]+", page.locator("#secret-title").inner_text()).group(0)
    shot(page, "participant-detail")
    token = httpx.post(
        f"{hub.base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
    )
    assert token.status_code == 200

    go(page, "Participants")
    expect(page.get_by_role("link", name="Lantau Lending Bank")).to_be_visible()
    shot(page, "participants")


def test_wrong_password_is_refused_in_the_browser(hub, new_page):
    owner = hub.user(hub.participant("Owner", ("owner",)))
    page = new_page()
    page.goto("/dashboard/login")
    page.get_by_label("E-mail").fill(owner)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("e-mail or password is wrong")


def test_post_without_csrf_token_is_403(hub, new_page):
    admin = hub.user(hub.participant("Operator", ("admin",)), admin=True)
    page = new_page()
    login(page, admin)
    # The browser's own cookies ride along, as they would with a forged cross-site form.
    response = page.request.post(
        "/dashboard/participants", form={"name": "Forged Ltd", "roles": "owner"}
    )
    assert response.status == 403
    page.set_content(response.text())
    shot(page, "csrf-403")


def test_owner_gets_404_for_another_organisation(hub, new_page):
    mine = hub.participant("Kowloon Export", ("owner",))
    theirs = hub.participant("Someone Else", ("owner",))
    page = new_page()
    login(page, hub.user(mine))
    response = page.goto(f"/dashboard/participants/{theirs.id}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    shot(page, "not-found")


def test_admin_checks_the_audit_chain(hub, new_page):
    admin = hub.user(hub.participant("Operator", ("admin",)), admin=True)
    page = new_page()
    login(page, admin)
    go(page, "Audit")
    page.get_by_role("button", name="Check the chain now").click()
    expect(page.get_by_text("Chain intact")).to_be_visible()
    shot(page, "audit")
    go(page, "Documents")
    expect(page.get_by_role("heading", name="Documents")).to_be_visible()
    shot(page, "documents")


@pytest.mark.parametrize(
    ("section", "heading"),
    [
        ("Overview", "Overview"),
        ("Consents", "Consents"),
        ("Documents", "Documents"),
        ("Financing", "Financing"),
        ("Crossings", "Crossings"),
        ("Participants", "Participants"),
        ("Deliveries", "Deliveries"),
        ("Federation", "Federation"),
        ("Ledger", "Transparency log"),
        ("Audit", "Audit trail"),
    ],
)
def test_every_section_opens_from_the_navigation(hub, new_page, section, heading):
    page = new_page()
    problems: list[str] = []  # CSP violations and script errors surface here
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    login(page, hub.user(hub.participant("Operator", ("admin",)), admin=True))
    go(page, section)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    current = page.get_by_role("navigation", name="Dashboard sections").get_by_role(
        "link", name=section
    )
    expect(current).to_have_attribute("aria-current", "page")
    shot(page, f"section-{section.lower()}")
    assert problems == []


def test_keyboard_user_can_sign_in_and_skip_to_content(hub, new_page):
    admin = hub.user(hub.participant("Operator", ("admin",)), admin=True)
    page = new_page()
    page.goto("/dashboard/login")
    expect(page.locator("#email")).to_be_focused()  # the e-mail field has focus on arrival
    page.keyboard.type(admin)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
