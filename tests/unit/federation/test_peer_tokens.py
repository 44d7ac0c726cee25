"""Peer assertions: signed by the calling hub, bound to the callee and to one request."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc import jwt

from app.security.keys import KeyStore
from app.security.peer_tokens import (
    PEER_ASSERTION_TYP,
    issue_peer_assertion,
    peer_audience,
    verify_peer_assertion,
)
from app.security.tokens import InvalidToken

CALLER = "https://hub-b.example"
CALLEE = "https://hub-a.example"
PATH = "/federation/v1/hash-match"


@pytest.fixture(scope="module")
def keys() -> KeyStore:
    return KeyStore.generate()


def _issue(keys: KeyStore, **changes: Any) -> str:
    values: dict[str, Any] = {
        "issuer": CALLER,
        "subject": "hub-b",
        "audience": peer_audience(CALLEE),
        "method": "POST",
        "path": PATH,
    }
    values.update(changes)
    return issue_peer_assertion(keys.current_signing_key(), **values)


def _verify(token: str, keys: KeyStore, **changes: Any) -> Any:
    values: dict[str, Any] = {
        "issuer": CALLER,
        "audience": peer_audience(CALLEE),
        "method": "POST",
        "path": PATH,
    }
    values.update(changes)
    return verify_peer_assertion(token, keys.public_jwks(), **values)


def _forge(keys: KeyStore, claims: dict[str, Any], **header: Any) -> str:
    key = keys.current_signing_key()
    return jwt.encode(
        {"alg": "ES256", "typ": PEER_ASSERTION_TYP, "kid": key.kid, **header}, claims, key
    )


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": CALLER,
        "sub": "hub-b",
        "aud": peer_audience(CALLEE),
        "iat": now,
        "exp": now + 60,
        "jti": "a-unique-assertion-id",
        "htm": "POST",
        "htu": PATH,
    }
    claims.update(changes)
    return claims


def test_an_assertion_verifies_with_the_callers_pinned_jwks(keys: KeyStore) -> None:
    claims = _verify(_issue(keys), keys)
    assert (claims.issuer, claims.subject) == (CALLER, "hub-b")
    assert claims.expires - int(time.time()) <= 60
    assert len(claims.jti) >= 16


def test_every_assertion_has_its_own_jti(keys: KeyStore) -> None:
    assert _verify(_issue(keys), keys).jti != _verify(_issue(keys), keys).jti


def test_an_assertion_signed_by_another_hub_is_refused(keys: KeyStore) -> None:
    other = KeyStore.generate()
    with pytest.raises(InvalidToken, match="not in the peer's pinned JWKS"):
        _verify(_issue(other), keys)


def test_a_key_id_in_the_jwks_with_another_key_is_refused(keys: KeyStore) -> None:
    other = KeyStore.generate()
    jwk = {**other.public_jwks()["keys"][0], "kid": keys.current_signing_key().kid}
    with pytest.raises(InvalidToken, match="bad assertion signature"):
        verify_peer_assertion(
            _issue(keys),
            {"keys": [jwk]},
            issuer=CALLER,
            audience=peer_audience(CALLEE),
            method="POST",
            path=PATH,
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"audience": peer_audience("https://hub-c.example")}, "addressed to another hub"),
        ({"path": "/federation/v1/other"}, "made for another request"),
        ({"method": "GET"}, "made for another request"),
        ({"issuer": "https://hub-c.example"}, "issuer is not the peer's"),
    ],
)
def test_an_assertion_for_another_hub_or_request_is_refused(
    keys: KeyStore, changes: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidToken, match=message):
        _verify(_issue(keys), keys, **changes)


def test_an_assertion_for_the_token_endpoint_is_not_a_peer_assertion(keys: KeyStore) -> None:
    assert peer_audience(CALLEE) not in (CALLEE, f"{CALLEE}/oauth/token")
    token = _forge(keys, _claims(aud=CALLEE))
    with pytest.raises(InvalidToken, match="addressed to another hub"):
        _verify(token, keys)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"exp": -120}, "expired"),
        ({"exp": 3600}, "lives too long"),
        ({"iat": 600, "exp": 660}, "in the future"),
        ({"jti": ""}, "usable jti"),
        ({"exp": None}, "lacks exp"),
    ],
    ids=["expired", "long-lived", "future", "no-jti", "no-exp"],
)
def test_an_assertion_with_bad_times_or_no_id_is_refused(
    keys: KeyStore, changes: dict[str, Any], message: str
) -> None:
    """Times are offsets from now, taken when the test runs (not when it was collected)."""
    now = int(time.time())
    timed = {k: now + v for k, v in changes.items() if k in ("exp", "iat") and v is not None}
    claims = _claims(**timed, **{k: v for k, v in changes.items() if k == "jti"})
    if changes.get("exp", 0) is None:
        del claims["exp"]
    with pytest.raises(InvalidToken, match=message):
        _verify(_forge(keys, claims), keys)


def test_an_access_token_shaped_jwt_is_not_a_peer_assertion(keys: KeyStore) -> None:
    with pytest.raises(InvalidToken, match="not a peer assertion"):
        _verify(_forge(keys, _claims(), typ="at+jwt"), keys)


def test_an_unsigned_assertion_is_refused(keys: KeyStore) -> None:
    signed = _issue(keys)
    header, payload, _ = signed.split(".")
    with pytest.raises(InvalidToken):
        _verify(f"{header}.{payload}.", keys)
    with pytest.raises(InvalidToken, match="bad assertion signature"):
        _verify(f"{header}.{payload}.{'A' * 86}", keys)
