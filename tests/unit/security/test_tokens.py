import base64
import hashlib
import hmac
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from app.security.keys import KeyStore
from app.security.tokens import (
    InvalidToken,
    VerifiedTokens,
    issue_access_token,
    verify_access_token,
)

ISS, AUD = "https://hub.example", "tradegate"


@pytest.fixture(scope="module")
def keys() -> KeyStore:
    return KeyStore.generate()


def _token(keys: KeyStore, **overrides: object) -> str:
    issued = issue_access_token(
        keys,
        issuer=ISS,
        audience=AUD,
        ttl=300,
        client_id="c1",
        participant_id="00000000-0000-0000-0000-000000000001",
        scopes=["data:read"],
        roles=["consumer"],
    )
    if not overrides:
        return issued.token
    claims = dict(jwt.decode(issued.token, keys.current_signing_key()).claims)
    claims.update(overrides)
    header = {"alg": "ES256", "typ": "at+jwt", "kid": keys.current_signing_key().kid}
    return jwt.encode(header, claims, keys.current_signing_key())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_valid_token_verifies(keys: KeyStore) -> None:
    claims = verify_access_token(keys, _token(keys), issuer=ISS, audience=AUD)
    assert claims["sub"] == "c1" and claims["scope"] == "data:read"
    assert claims["exp"] - claims["iat"] <= 900


def test_expired_token_is_rejected(keys: KeyStore) -> None:
    with pytest.raises(InvalidToken, match="expired"):
        verify_access_token(
            keys, _token(keys, exp=int(time.time()) - 120), issuer=ISS, audience=AUD
        )


def test_wrong_audience_is_rejected(keys: KeyStore) -> None:
    with pytest.raises(InvalidToken, match="audience"):
        verify_access_token(keys, _token(keys, aud="someone-else"), issuer=ISS, audience=AUD)


def test_wrong_issuer_is_rejected(keys: KeyStore) -> None:
    with pytest.raises(InvalidToken, match="issuer"):
        verify_access_token(
            keys, _token(keys, iss="https://evil.example"), issuer=ISS, audience=AUD
        )


def test_alg_none_is_rejected(keys: KeyStore) -> None:
    header = _b64(json.dumps({"alg": "none", "typ": "at+jwt"}).encode())
    payload = _token(keys).split(".")[1]
    with pytest.raises(InvalidToken):
        verify_access_token(keys, f"{header}.{payload}.", issuer=ISS, audience=AUD)
    with pytest.raises(InvalidToken):
        verify_access_token(keys, f"{header}.{payload}.AAAA", issuer=ISS, audience=AUD)


def test_hs256_signed_with_the_public_key_is_rejected(keys: KeyStore) -> None:
    public = keys.current_signing_key()
    pem = ECKey.import_key(public.as_dict(private=False)).as_pem(private=False)
    header = _b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": public.kid}).encode())
    payload = _token(keys).split(".")[1]
    sig = hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidToken, match="algorithm"):
        verify_access_token(keys, f"{header}.{payload}.{_b64(sig)}", issuer=ISS, audience=AUD)


def test_tampered_payload_is_rejected(keys: KeyStore) -> None:
    header, payload, sig = _token(keys).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "admin"
    forged = _b64(json.dumps(claims).encode())
    with pytest.raises(InvalidToken, match="signature"):
        verify_access_token(keys, f"{header}.{forged}.{sig}", issuer=ISS, audience=AUD)


def test_token_from_another_hub_is_rejected(keys: KeyStore) -> None:
    other = KeyStore.generate()
    with pytest.raises(InvalidToken):
        verify_access_token(keys, _token(other), issuer=ISS, audience=AUD)


@pytest.mark.parametrize("garbage", ["", "a.b", "a.b.c.d", "!!!.???.###", "e30.e30.e30"])
def test_garbage_is_rejected_not_crashing(keys: KeyStore, garbage: str) -> None:
    with pytest.raises(InvalidToken):
        verify_access_token(keys, garbage, issuer=ISS, audience=AUD)


def test_rotated_key_still_verifies_until_retired(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = KeyStore.generate(tmp_path / "keys.json")
    old_token = _token(store)
    old_kid = store.current_signing_key().kid
    new_kid = store.rotate()
    store.save()
    reloaded = KeyStore.load(tmp_path / "keys.json")
    assert reloaded.current_signing_key().kid == new_kid
    assert {k["kid"] for k in reloaded.public_jwks()["keys"]} == {old_kid, new_kid}
    verify_access_token(reloaded, old_token, issuer=ISS, audience=AUD)
    reloaded.retire(old_kid)
    with pytest.raises(InvalidToken, match="unknown signing key"):
        verify_access_token(reloaded, old_token, issuer=ISS, audience=AUD)
    assert [k["kid"] for k in reloaded.public_jwks()["keys"]] == [new_kid]


def test_remembered_tokens_are_refused_once_expired_or_their_key_is_retired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = KeyStore.generate()
    verified = VerifiedTokens(keys)
    token = _token(keys)
    claims = verified.verify(token, issuer=ISS, audience=AUD)
    assert verified.verify(token, issuer=ISS, audience=AUD) == claims
    with pytest.raises(InvalidToken):  # remembered for one issuer only
        verified.verify(token, issuer="https://other.example", audience=AUD)
    later = time.time() + 301 + 30
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(InvalidToken, match="expired"):
        verified.verify(token, issuer=ISS, audience=AUD)
    monkeypatch.undo()
    kid = keys.current_signing_key().kid
    keys.rotate()
    assert verified.verify(token, issuer=ISS, audience=AUD) == claims  # retiring still verifies
    for key in keys._signing:
        if key.kid == kid:
            key.status = "retired"
    with pytest.raises(InvalidToken, match="unknown signing key"):
        verified.verify(token, issuer=ISS, audience=AUD)


def test_a_tampered_copy_of_a_remembered_token_is_verified_afresh() -> None:
    keys = KeyStore.generate()
    verified = VerifiedTokens(keys)
    token = _token(keys)
    verified.verify(token, issuer=ISS, audience=AUD)
    head, payload, signature = token.split(".")
    forged = f"{head}.{_b64(json.dumps({'sub': 'admin'}).encode())}.{signature}"
    with pytest.raises(InvalidToken):
        verified.verify(forged, issuer=ISS, audience=AUD)


def test_remembered_names_only_tokens_verified_before_and_still_valid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = KeyStore.generate()
    verified = VerifiedTokens(keys)
    token = _token(keys)
    assert verified.remembered(token, issuer=ISS, audience=AUD) is None  # never verifies
    claims = verified.verify(token, issuer=ISS, audience=AUD)
    assert verified.remembered(token, issuer=ISS, audience=AUD) == claims
    later = time.time() + 301 + 30
    monkeypatch.setattr(time, "time", lambda: later)
    assert verified.remembered(token, issuer=ISS, audience=AUD) is None
    monkeypatch.undo()
    assert verified.remembered(token, issuer=ISS, audience="other") is None
