"""The consent artefact is a JWS signed by the hub that anyone with the JWKS can verify."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
import sqlalchemy as sa

from app.services.consents.artefacts import InvalidArtefact, verify_artefact
from app.storage.models import Event

pytestmark = [pytest.mark.integration]


def _artefact(client, parties, consent_id, who="bank_a"):
    response = client.get(f"/v1/consents/{consent_id}/artefact", headers=parties.h(who))
    assert response.status_code == 200, response.text
    return response


def test_activation_issues_an_artefact_that_verifies_with_the_jwks(client, parties, active_consent):
    consent = active_consent()
    response = _artefact(client, parties, consent["id"])
    assert response.headers["content-type"].startswith("application/jose")
    token = response.text
    jwks = client.get("/.well-known/jwks.json").json()
    payload = verify_artefact(token, jwks)
    assert payload["consentId"] == consent["id"]
    assert payload["owner"]["id"] == consent["owner_id"]
    assert payload["consumer"]["id"] == consent["consumer_id"]
    assert payload["purpose"]["code"] == "TRADE_FINANCE_APPLICATION"
    assert payload["fetchType"] == "PERIODIC"
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "ES256"
    assert header["kid"] in {k["kid"] for k in jwks["keys"]}
    assert consent["artefact_sha256"] == hashlib.sha256(token.encode()).hexdigest()


def test_artefact_digest_is_recorded_as_an_event(client, parties, active_consent, container):
    consent = active_consent()
    token = _artefact(client, parties, consent["id"], who="owner").text
    with container.uow() as uow:
        event = uow.session.execute(
            sa.select(Event).where(
                Event.kind == "consent.artefact_issued", Event.subject == f"consent:{consent['id']}"
            )
        ).scalar_one()
    assert event.payload["artefact_sha256"] == hashlib.sha256(token.encode()).hexdigest()


def test_any_changed_byte_breaks_verification(client, parties, active_consent):
    consent = active_consent()
    token = _artefact(client, parties, consent["id"]).text
    jwks = client.get("/.well-known/jwks.json").json()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # Every position of header, payload and signature, changed to another base64url letter.
    for index, char in enumerate(token):
        if char == ".":
            continue
        replacement = alphabet[(alphabet.index(char) + 1) % len(alphabet)]
        tampered = token[:index] + replacement + token[index + 1 :]
        with pytest.raises(InvalidArtefact):
            verify_artefact(tampered, jwks)


def test_artefact_does_not_verify_with_another_hubs_keys(client, parties, active_consent):
    from app.security.keys import KeyStore

    token = _artefact(client, parties, active_consent()["id"]).text
    with pytest.raises(InvalidArtefact):
        verify_artefact(token, KeyStore.generate().public_jwks())


def test_artefact_as_json_on_request(client, parties, active_consent):
    consent = active_consent()
    headers = {**parties.h("bank_a"), "Accept": "application/json"}
    body = client.get(f"/v1/consents/{consent['id']}/artefact", headers=headers).json()
    assert body["sha256"] == consent["artefact_sha256"]
    assert body["jws"].count(".") == 2


def test_pending_consent_has_no_artefact(client, parties, request_consent):
    consent = request_consent()
    response = client.get(f"/v1/consents/{consent['id']}/artefact", headers=parties.h("bank_a"))
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/artefact-not-issued"


def test_resume_keeps_the_original_artefact(client, parties, active_consent):
    consent = active_consent()
    first = _artefact(client, parties, consent["id"]).text
    client.post(f"/v1/consents/{consent['id']}/pause", headers=parties.h("owner"))
    client.post(f"/v1/consents/{consent['id']}/resume", headers=parties.h("owner"))
    assert _artefact(client, parties, consent["id"]).text == first


def test_cli_verifies_an_artefact_offline(client, parties, active_consent, tmp_path):
    from typer.testing import CliRunner

    from app.cli import cli

    consent = active_consent()
    token = _artefact(client, parties, consent["id"]).text
    (tmp_path / "jwks.json").write_text(json.dumps(client.get("/.well-known/jwks.json").json()))
    (tmp_path / "good.jws").write_text(token)
    (tmp_path / "bad.jws").write_text(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])
    runner = CliRunner()
    args = ["consents", "verify-artefact", "--jwks", str(tmp_path / "jwks.json")]
    good = runner.invoke(cli, [*args, str(tmp_path / "good.jws")])
    assert good.exit_code == 0, good.output
    assert json.loads(good.output)["consentId"] == consent["id"]
    bad = runner.invoke(cli, [*args, str(tmp_path / "bad.jws")])
    assert bad.exit_code == 1
    missing = runner.invoke(cli, [*args, str(tmp_path / "absent.jws")])
    assert missing.exit_code == 2
