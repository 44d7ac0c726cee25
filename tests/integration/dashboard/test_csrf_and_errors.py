"""State-changing dashboard requests need the session's CSRF token; errors are HTML pages."""

from __future__ import annotations

import sqlalchemy as sa

from app.storage.models import Participant


def _count(container) -> int:
    with container.uow() as uow:
        return uow.session.execute(sa.select(sa.func.count()).select_from(Participant)).scalar_one()


def test_post_without_csrf_token_is_403_and_changes_nothing(admin_browser, container):
    before = _count(container)
    response = admin_browser.client.post(
        "/dashboard/participants", data={"name": "Sneaky Ltd", "roles": ["owner"]}
    )
    assert response.status_code == 403
    assert "security token" in response.text
    assert _count(container) == before


def test_post_with_a_wrong_csrf_token_is_403(admin_browser, container):
    before = _count(container)
    response = admin_browser.client.post(
        "/dashboard/participants",
        data={"name": "Sneaky Ltd", "roles": ["owner"], "csrf_token": "forged"},
    )
    assert response.status_code == 403
    assert _count(container) == before


def test_csrf_token_in_the_htmx_header_is_accepted(admin_browser):
    response = admin_browser.client.post(
        "/dashboard/participants",
        data={"name": "Header Ltd", "roles": ["owner"]},
        headers={"X-CSRF-Token": admin_browser.csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_unknown_dashboard_page_is_an_html_404_that_explains(admin_browser):
    response = admin_browser.get("/dashboard/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "What to do" in response.text


def test_api_errors_stay_problem_json(client):
    response = client.get("/v1/no-such-resource")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_pages_carry_security_headers(admin_browser):
    response = admin_browser.get("/dashboard/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


def test_vendored_htmx_is_served_locally(client):
    response = client.get("/dashboard/static/vendor/htmx.min.js")
    assert response.status_code == 200
    assert "htmx" in response.text[:200]
