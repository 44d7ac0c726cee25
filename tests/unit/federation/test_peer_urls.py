"""Peers are reached over https; plain http only to loopback, and only when allowed."""

from __future__ import annotations

import pytest

from app.errors import Unprocessable
from app.services.federation.peer_client import check_peer_url
from app.settings import Settings

STRICT = Settings(env="test")
LOOPBACK = Settings(env="test", federation_allow_http_loopback=True)


def test_an_https_url_is_normalised() -> None:
    assert check_peer_url(" https://hub-a.example/base/ ", STRICT) == "https://hub-a.example/base"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8001", "http://[::1]:8001/"])
def test_http_to_loopback_needs_the_setting(url: str) -> None:
    with pytest.raises(Unprocessable, match="ALLOW_HTTP_LOOPBACK") as caught:
        check_peer_url(url, STRICT)
    assert caught.value.slug == "peer-url-not-https"
    assert check_peer_url(url, LOOPBACK) == url.rstrip("/")


@pytest.mark.parametrize(
    "url", ["http://hub-a.example", "http://10.0.0.7:8000", "http://localhost.example"]
)
def test_http_beyond_loopback_is_refused_even_when_loopback_is_allowed(url: str) -> None:
    with pytest.raises(Unprocessable, match="over https") as caught:
        check_peer_url(url, LOOPBACK)
    assert caught.value.slug == "peer-url-not-https"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hub-a.example",
        "hub-a.example",
        "https://user:pw@hub-a.example",
        "https://hub-a.example/?x=1",
        "https://hub-a.example/#f",
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(Unprocessable) as caught:
        check_peer_url(url, LOOPBACK)
    assert caught.value.slug == "bad-peer-url"
