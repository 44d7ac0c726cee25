"""Dashboard sign-in: cookies, lockout, sign-out and where anonymous visitors are sent."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.services.participants.dashboard_auth import MAX_FAILED_LOGINS
from app.storage.base import utcnow
from app.storage.models import DashboardUser, Event
from tests.integration.dashboard.conftest import PASSWORD


def test_anonymous_visitor_is_sent_to_login_and_back(browser):
    response = browser.get("/dashboard/participants?role=owner", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/dashboard/login?next=%2Fdashboard%2Fparticipants%3Frole%3Downer"
    )


def test_login_sets_a_strict_httponly_session_cookie(browser, make_participant, make_user):
    email = make_user(make_participant("Owner", roles=("owner",)))
    response = browser.login(email, next="/dashboard/participants")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/participants"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("tg_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie
    assert browser.get("/dashboard/").status_code == 200


def test_login_ignores_a_next_target_outside_the_dashboard(browser, make_participant, make_user):
    email = make_user(make_participant("Owner", roles=("owner",)))
    response = browser.login(email, next="https://evil.example/phish")
    assert response.headers["location"] == "/dashboard/"


def test_wrong_password_shows_the_form_again_with_401(browser, make_participant, make_user):
    email = make_user(make_participant("Owner", roles=("owner",)))
    response = browser.login(email, "not the password")
    assert response.status_code == 401
    assert "e-mail or password is wrong" in response.text
    assert "tg_session" not in browser.client.cookies


def test_account_locks_after_repeated_failures_even_for_the_right_password(
    browser, container, make_participant, make_user
):
    email = make_user(make_participant("Owner", roles=("owner",)))
    for _ in range(MAX_FAILED_LOGINS):
        assert browser.login(email, "wrong password!").status_code == 401
    assert browser.login(email).status_code == 401
    with container.uow() as uow:
        user = uow.session.execute(
            sa.select(DashboardUser).where(DashboardUser.email == email)
        ).scalar_one()
        assert user.locked_until is not None and user.locked_until > utcnow()
        kinds = uow.session.execute(sa.select(Event.kind)).scalars().all()
        assert "user.locked" in kinds


def test_lock_expires_and_success_resets_the_failure_count(
    browser, container, make_participant, make_user
):
    email = make_user(make_participant("Owner", roles=("owner",)))
    with container.uow() as uow:
        user = uow.session.execute(
            sa.select(DashboardUser).where(DashboardUser.email == email)
        ).scalar_one()
        user.locked_until = utcnow() - timedelta(seconds=1)
        user.failed_logins = MAX_FAILED_LOGINS - 1
        uow.commit()
    assert browser.login(email).status_code == 303
    with container.uow() as uow:
        user = uow.session.execute(
            sa.select(DashboardUser).where(DashboardUser.email == email)
        ).scalar_one()
        assert user.failed_logins == 0 and user.locked_until is None


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(browser):
    response = browser.login("nobody@example.test", "whatever it is")
    assert response.status_code == 401
    assert "e-mail or password is wrong" in response.text


def test_login_without_its_csrf_token_is_403(browser, make_participant, make_user):
    email = make_user(make_participant("Owner", roles=("owner",)))
    browser.get("/dashboard/login")
    response = browser.client.post(
        "/dashboard/login", data={"email": email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")


def test_logout_ends_the_session_on_the_server(admin_browser):
    stolen = admin_browser.client.cookies.get("tg_session")
    response = admin_browser.post("/dashboard/logout", follow_redirects=False)
    assert response.status_code == 303
    admin_browser.client.cookies.set("tg_session", stolen, path="/dashboard")
    assert admin_browser.get("/dashboard/", follow_redirects=False).status_code == 303


def test_disabled_user_loses_an_open_session(admin_browser, container):
    with container.uow() as uow:
        for user in uow.session.execute(sa.select(DashboardUser)).scalars():
            user.active = False
        uow.commit()
    assert admin_browser.get("/dashboard/", follow_redirects=False).status_code == 303
