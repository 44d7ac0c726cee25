"""Pure helpers of the dashboard web layer: redirects, login CSRF tokens, filter parsing."""

import uuid

import pytest

from app.dashboard.web import (
    login_csrf_token,
    optional_date,
    optional_uuid,
    query_string,
    safe_next,
)
from app.errors import BadRequest


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/dashboard/",
        "/dashboard\\..\\x",
        "/dashboardx",
        "",
        None,
    ],
)
def test_login_never_redirects_outside_the_dashboard(target):
    assert safe_next(target) == "/dashboard/"


def test_login_returns_to_the_page_that_asked():
    assert safe_next("/dashboard/consents?status=PENDING") == "/dashboard/consents?status=PENDING"


def test_login_csrf_token_depends_on_secret_and_nonce():
    token = login_csrf_token("secret", "nonce")
    assert token == login_csrf_token("secret", "nonce")
    assert token != login_csrf_token("other", "nonce")
    assert token != login_csrf_token("secret", "other")


def test_empty_filter_values_mean_any_and_bad_ones_are_400():
    assert optional_uuid("", "owner") is None
    some = uuid.uuid4()
    assert optional_uuid(f" {some} ", "owner") == some
    with pytest.raises(BadRequest, match="owner is not a valid id"):
        optional_uuid("42", "owner")
    assert optional_date("", "from") is None
    with pytest.raises(BadRequest, match="YYYY-MM-DD"):
        optional_date("31/12/2026", "from")


def test_query_string_keeps_filters_and_drops_empty_values():
    assert query_string({"status": "ACTIVE", "owner": "", "cursor": "abc"}, cursor=None) == (
        "status=ACTIVE"
    )
