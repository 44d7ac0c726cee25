"""Carrier and platform keys: registered per party, checked with an allow-list, revocable."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.security.signed_content import SignatureRefused
from app.services.trust import store
from app.storage.base import utcnow
from tests.pint_peer import Signatory, hs256_forgery, self_signed_certificate, trust
from tests.support import both_backends, settings_env

pytestmark = pytest.mark.integration

PAYLOAD = {"documentChecksum": "0" * 64}


def _trust(container, signer: Signatory, kind="carrier", code="MSCU", provider="SMDG"):  # noqa: ANN001
    return trust(container, signer, kind, code, provider)


def _verify(container, token: str, signer: store.Signer) -> store.Verified:  # noqa: ANN001
    with container.uow() as uow:
        return store.verify_signed(uow.session, token, signer)


MSC = store.Signer.carrier("MSCU", "SMDG")


@both_backends
@pytest.mark.parametrize("alg", ["ES256", "RS256", "PS256"])
def test_a_registered_carrier_key_verifies_its_signature(container, alg):  # noqa: ANN001
    carrier = Signatory("msc-1", alg=alg)
    _trust(container, carrier)
    verified = _verify(container, carrier.sign(PAYLOAD), MSC)
    assert json.loads(verified.payload) == PAYLOAD and verified.kid == "msc-1"


def test_refusals_name_their_reason(container):  # noqa: ANN001
    carrier, platform = Signatory("msc-1"), Signatory("wave-1")
    _trust(container, carrier)
    _trust(container, platform, kind="platform", code="WAVE")
    rsa = Signatory("msc-rsa", alg="RS256")
    _trust(container, rsa)
    cases = {
        "alg-not-allowed": hs256_forgery(PAYLOAD, b"x" * 32, "msc-1"),
        "kid-of-other-party": platform.sign(PAYLOAD),
        "unknown-key": Signatory("nobody").sign(PAYLOAD),
        "bad-signature": Signatory("msc-1").sign(PAYLOAD),
    }
    cases["key-type-mismatch"] = _with_header(rsa.sign(PAYLOAD), {"alg": "ES256", "kid": "msc-rsa"})
    for reason, token in cases.items():
        with pytest.raises(SignatureRefused) as refused:
            _verify(container, token, MSC)
        assert refused.value.reason == reason, reason
    unsigned = _with_header(carrier.sign(PAYLOAD), {"alg": "none", "kid": "msc-1"})
    with pytest.raises(SignatureRefused, match="not accepted"):
        _verify(container, unsigned.rsplit(".", 1)[0] + ".", MSC)


def _with_header(token: str, header: dict) -> str:
    import base64

    encoded = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    return ".".join([encoded, *token.split(".")[1:]])


def test_revoked_and_expired_keys_stop_verifying(container):  # noqa: ANN001
    carrier = Signatory("msc-1")
    key = _trust(container, carrier)
    token = carrier.sign(PAYLOAD)
    with container.uow() as uow:
        store.revoke_key(uow.session, key.id, reason="compromised", actor="test")
        uow.commit()
    with pytest.raises(SignatureRefused) as refused:
        _verify(container, token, MSC)
    assert refused.value.reason == "key-revoked"
    later = Signatory("msc-2")
    with container.uow() as uow:
        store.add_key(
            uow.session,
            kind="carrier",
            code="MSCU",
            code_list_provider="SMDG",
            material=later.public_jwk(),
            not_after=utcnow() - dt.timedelta(seconds=1),
            actor="test",
        )
        uow.commit()
    with pytest.raises(SignatureRefused) as refused:
        _verify(container, later.sign(PAYLOAD), MSC)
    assert refused.value.reason == "key-expired"


def test_a_certificate_brings_its_validity_window(container):  # noqa: ANN001
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    pem = self_signed_certificate(start)
    with container.uow() as uow:
        key = store.add_key(
            uow.session,
            kind="carrier",
            code="HLCU",
            code_list_provider="SMDG",
            material=pem.decode(),
            kid="hl-2026",
            actor="test",
        )
        uow.commit()
    assert key.not_before == start and key.kty == "EC" and key.source == "pem"


def test_weak_or_unsuitable_keys_are_refused(client, make_participant, auth_headers):  # noqa: ANN001
    headers = auth_headers(make_participant("Hub", roles=("admin",)))
    body = {"party_kind": "carrier", "party_code": "MSCU", "code_list_provider": "SMDG"}
    secret = {"kty": "oct", "k": "c2VjcmV0"}
    r = client.post("/v1/trust/keys", json={**body, "jwk": secret}, headers=headers)
    assert r.status_code == 422 and r.json()["type"] == "/problems/trust-key-invalid"
    r = client.post(
        "/v1/trust/keys",
        json={**body, "code_list_provider": "GLEIF", "jwk": Signatory("k").public_jwk()},
        headers=headers,
    )
    assert r.json()["type"] == "/problems/trust-party-invalid"


@both_backends
def test_admins_manage_keys_over_the_api(client, make_participant, auth_headers):  # noqa: ANN001
    admin = auth_headers(make_participant("Hub", roles=("admin",)))
    provider = auth_headers(make_participant("Carrier", roles=("provider",)))
    platform = Signatory("wave-1", alg="PS256")
    body = {"party_kind": "platform", "party_code": "WAVE", "jwks": platform.jwks()}
    assert client.post("/v1/trust/keys/jwks", json=body, headers=provider).status_code == 403
    r = client.post("/v1/trust/keys/jwks", json=body, headers=admin)
    assert r.status_code == 201 and r.json()[0]["kid"] == "wave-1"
    again = client.post("/v1/trust/keys/jwks", json=body, headers=admin)
    assert again.status_code == 409 and again.json()["type"] == "/problems/trust-key-exists"
    listed = client.get("/v1/trust/keys", params={"party_code": "WAVE"}, headers=admin).json()
    assert [k["kid"] for k in listed] == ["wave-1"]
    key_id = listed[0]["id"]
    r = client.post(f"/v1/trust/keys/{key_id}/revoke", json={"reason": "rotated"}, headers=admin)
    assert r.status_code == 200 and r.json()["revoked_at"] is not None


def test_the_cli_imports_a_jwks_lists_and_revokes(container, tmp_path):  # noqa: ANN001
    platform = Signatory("bole-1")
    jwks = tmp_path / "bolero.jwks.json"
    jwks.write_text(json.dumps(platform.jwks()))
    env = settings_env(container.settings)
    runner = CliRunner()
    r = runner.invoke(cli, ["trust", "import-jwks", str(jwks), "--platform", "BOLE"], env=env)
    assert r.exit_code == 0, r.output
    key_id = json.loads(r.output)[0]["id"]
    r = runner.invoke(cli, ["trust", "list", "--platform", "BOLE"], env=env)
    assert json.loads(r.output)[0]["state"] == "active"
    r = runner.invoke(cli, ["trust", "revoke", key_id, "--reason", "left"], env=env)
    assert r.exit_code == 0 and json.loads(r.output)["state"] == "revoked"
    r = runner.invoke(cli, ["trust", "import-jwks", str(jwks)], env=env)
    assert r.exit_code == 2
