"""Data life ends, a receipt falls due; bad ones are refused, a good one is anchored and checked
offline; an overdue receipt blocks new consents until it is filed."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from joserfc.jwk import ECKey, RSAKey
from typer.testing import CliRunner

from app.cli import cli
from app.container import Container
from app.tasks.ledger import anchor, sequence
from tests.integration.consents.receipts_support import bank_receipt, file_receipt, request_nonce
from tests.integration.ledger.conftest import local_tsa  # noqa: F401  (fixture)
from tests.receipt_signing import sign_receipt
from tests.support import both_backends

pytestmark = [pytest.mark.integration]


@pytest.fixture
def container(settings, clock, local_tsa) -> Iterator[Container]:  # noqa: F811
    """A hub that anchors its log with a local RFC 3161 timestamp authority."""
    anchored = settings.model_copy(
        update={
            "ledger_anchor_urls": ["rfc3161+" + local_tsa.url],
            "ledger_tsa_roots": local_tsa.directory / "ca.crt",
        }
    )
    c = Container(anchored, clock=clock)
    yield c
    c.close()


@both_backends
def test_receipts_are_refused_with_reasons_until_a_correct_one_is_filed_and_anchored(
    client, container, clock, parties, bank_key, ended_consent, consent_body, tmp_path
):
    consent, documents = ended_consent
    fetched, never_fetched = documents[:2], documents[2]
    bank, owner = parties.h("bank_a"), parties.h("owner")
    assert client.get("/v1/deletion-receipts/overdue", headers=bank).json() == {"items": []}

    clock.advance(days=7, seconds=1)
    (owed,) = client.get("/v1/deletion-receipts/overdue", headers=owner).json()["items"]
    assert owed["consent_id"] == consent["id"] and owed["documents"] == 2
    assert owed["blocks_new_consents"] is False
    clock.advance(hours=72)
    blocked = client.post("/v1/consents", json=consent_body(), headers=bank)
    assert blocked.status_code == 409, blocked.text
    assert blocked.json()["type"] == "/problems/deletion-receipt-overdue"
    assert blocked.json()["consent_id"] == consent["id"]

    nonce = request_nonce(client, parties, consent["id"])

    def receipt(**overrides):
        return bank_receipt(clock, parties, consent, fetched, **{"nonce": nonce, **overrides})

    forger = ECKey.generate_key("P-256", parameters={"kid": bank_key.kid})
    other_bank = RSAKey.generate_key(2048, parameters={"kid": "bank-b-1"})
    before_fetch = min(d.received_at for d in fetched)
    refusals = {
        "bad_signature": sign_receipt(receipt(), forger),
        "unknown_key": sign_receipt(receipt(), other_bank, "PS256"),
        "document_not_fetched": sign_receipt(
            bank_receipt(clock, parties, consent, [*fetched, never_fetched], nonce=nonce), bank_key
        ),
        "deleted_before_fetch": sign_receipt(receipt(deleted_at=before_fetch), bank_key),
        "nonce_unknown": sign_receipt(receipt(nonce="made-up"), bank_key),
    }
    for reason, token in refusals.items():
        answer = file_receipt(client, parties, consent["id"], token)
        assert answer.status_code == 422, (reason, answer.text)
        assert answer.json()["type"] == "/problems/deletion-receipt-rejected"
        assert answer.json()["reason"] == reason
    clock.advance(minutes=11)
    stale = file_receipt(client, parties, consent["id"], sign_receipt(receipt(), bank_key))
    assert stale.status_code == 422 and stale.json()["reason"] == "nonce_stale"

    nonce = request_nonce(client, parties, consent["id"])
    token = sign_receipt(receipt(), bank_key)
    filed = file_receipt(client, parties, consent["id"], token)
    assert filed.status_code == 201, filed.text
    assert filed.json()["method"] == "CRYPTO_ERASE"
    again = file_receipt(client, parties, consent["id"], token)
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/deletion-receipt-already-filed"
    assert client.post("/v1/consents", json=consent_body(), headers=bank).status_code == 201
    assert client.get("/v1/deletion-receipts/overdue", headers=owner).json() == {"items": []}

    (held,) = client.get(f"/v1/consents/{consent['id']}/deletion-receipts", headers=owner).json()
    assert held["jws"] == token
    sequence(container)
    assert anchor(container).errors == {}
    bundle = client.get(
        f"/v1/consents/{consent['id']}/deletion-receipts/{held['id']}/proof", headers=owner
    )
    assert bundle.status_code == 200, bundle.text
    assert bundle.json()["event"]["payload"]["jws"] == token
    bundle_file, jwks_file = tmp_path / "receipt.json", tmp_path / "bank.jwks"
    bundle_file.write_text(bundle.text)
    jwks_file.write_text(json.dumps({"keys": [held["public_jwk"]]}))
    checkpoint = client.get("/v1/ledger/checkpoint", headers={"Accept": "application/json"})
    result = CliRunner().invoke(
        cli,
        [
            "consents",
            "verify-receipt",
            str(bundle_file),
            "--jwks",
            str(jwks_file),
            "--log-key",
            checkpoint.json()["log_key"],
            "--trust",
            str(container.settings.ledger_tsa_roots),
            "--at",
            clock.now.isoformat(),
        ],
    )
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    assert verdict["valid"] is True and verdict["ledger"]["verified"] is True
    assert verdict["claims"]["consent_id"] == consent["id"]
    assert {d["id"] for d in verdict["claims"]["documents"]} == {str(d.id) for d in fetched}
