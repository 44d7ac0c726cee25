"""The token endpoint and what authenticated routes do with tokens."""

import base64
import time
import uuid

from joserfc import jwt
from joserfc.jwk import ECKey

TOKEN_URL = "/oauth/token"


def _basic(cid: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{cid}:{secret}".encode()).decode()}


def test_client_secret_basic_gets_a_token_that_opens_me(client, make_participant, make_client):
    bank = make_participant("Bank", roles=("consumer",))
    cid, secret = make_client(bank)
    r = client.post(
        TOKEN_URL, data={"grant_type": "client_credentials"}, headers=_basic(cid, secret)
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and 0 < body["expires_in"] <= 900
    assert r.headers["cache-control"] == "no-store"
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["participant_id"] == str(bank.id)
    assert "data:read" in me.json()["scopes"]


def test_wrong_secret_is_401_problem(client, make_participant, make_client):
    cid, _ = make_client(make_participant())
    r = client.post(
        TOKEN_URL, data={"grant_type": "client_credentials"}, headers=_basic(cid, "nope")
    )
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["error"] == "invalid_client"


def test_scope_beyond_the_client_is_refused(client, make_participant, make_client):
    cid, secret = make_client(make_participant(roles=("consumer",)))
    r = client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials", "scope": "admin"},
        headers=_basic(cid, secret),
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"


def test_unsupported_grant_type(client, make_participant, make_client):
    cid, secret = make_client(make_participant())
    r = client.post(TOKEN_URL, data={"grant_type": "password"}, headers=_basic(cid, secret))
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"


def _assertion(key: ECKey, cid: str, aud: str, jti: str | None = None, exp: int = 60) -> str:
    now = int(time.time())
    claims = {
        "iss": cid,
        "sub": cid,
        "aud": aud,
        "iat": now,
        "exp": now + exp,
        "jti": jti or uuid.uuid4().hex,
    }
    return jwt.encode({"alg": "ES256", "kid": "client-key"}, claims, key)


def test_private_key_jwt_and_replay_protection(client, make_participant, make_client):
    key = ECKey.generate_key("P-256", parameters={"kid": "client-key"})
    cid, secret = make_client(
        make_participant(roles=("consumer",)), public_jwk=key.as_dict(private=False)
    )
    assert secret == ""
    assertion = _assertion(key, cid, "http://testserver/oauth/token")
    form = {
        "grant_type": "client_credentials",
        "client_assertion": assertion,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
    assert client.post(TOKEN_URL, data=form).status_code == 200
    replay = client.post(TOKEN_URL, data=form)
    assert replay.status_code == 401 and "already used" in replay.json()["detail"]


def test_private_key_jwt_with_wrong_key_or_audience_fails(client, make_participant, make_client):
    key = ECKey.generate_key("P-256", parameters={"kid": "client-key"})
    cid, _ = make_client(
        make_participant(roles=("consumer",)), public_jwk=key.as_dict(private=False)
    )
    other = ECKey.generate_key("P-256", parameters={"kid": "client-key"})
    base = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
    for assertion in (
        _assertion(other, cid, "http://testserver/oauth/token"),
        _assertion(key, cid, "https://elsewhere/token"),
        _assertion(key, cid, "http://testserver/oauth/token", exp=-120),
    ):
        r = client.post(TOKEN_URL, data={**base, "client_assertion": assertion})
        assert r.status_code == 401, r.text


def test_token_endpoint_wants_a_form(client):
    r = client.post(TOKEN_URL, json={"grant_type": "client_credentials"})
    assert r.status_code == 415


def test_missing_and_bad_tokens_get_401_with_challenge(client):
    for headers in ({}, {"Authorization": "Bearer abc.def.ghi"}, {"Authorization": "Basic x"}):
        r = client.get("/v1/me", headers=headers)
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert r.json()["status"] == 401


def test_missing_scope_is_403(client, make_participant, auth_headers):
    bank = make_participant(roles=("consumer",))
    r = client.post(
        "/v1/participants", json={"name": "X", "roles": ["provider"]}, headers=auth_headers(bank)
    )
    assert r.status_code == 403 and r.json()["type"] == "/problems/insufficient-scope"


def test_jwks_serves_public_keys_only(client):
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    assert keys and all("d" not in k for k in keys)
    assert all(k["alg"] == "ES256" for k in keys)


def test_failed_client_authentication_is_challenged_with_basic(
    client, make_participant, make_client
):
    cid, _ = make_client(make_participant())
    r = client.post(
        TOKEN_URL, data={"grant_type": "client_credentials"}, headers=_basic(cid, "wrong")
    )
    assert r.headers["www-authenticate"].startswith("Basic")


def test_missing_grant_type_is_invalid_request(client, make_participant, make_client):
    cid, secret = make_client(make_participant())
    r = client.post(TOKEN_URL, data={"scope": "documents:write"}, headers=_basic(cid, secret))
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
