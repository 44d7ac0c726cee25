"""`tradegate consents verify-receipt` checks a receipt offline with the consumer's keys alone."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from joserfc.jwk import ECKey
from typer.testing import CliRunner

from app.cli import cli
from tests.receipt_signing import receipt_claims, sign_receipt

NOW = datetime.now(UTC)


@pytest.fixture
def key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": "bank-1"})


@pytest.fixture
def token(key) -> str:
    claims = receipt_claims(
        consumer_id=uuid.uuid4(),
        audience="https://hub.example",
        consent_id=uuid.uuid4(),
        nonce="n",
        documents=[(uuid.uuid4(), "d" * 64)],
        deleted_at=NOW - timedelta(hours=1),
        issued_at=NOW,
    )
    return sign_receipt(claims, key)


def _run(*args: str):
    return CliRunner().invoke(cli, ["consents", "verify-receipt", *args])


def test_a_receipt_as_the_api_returns_it_verifies_with_a_single_jwk(tmp_path, key, token):
    receipt, jwk = tmp_path / "receipt.json", tmp_path / "bank.jwk"
    receipt.write_text(json.dumps({"id": str(uuid.uuid4()), "jws": token}))
    jwk.write_text(json.dumps(key.as_dict(private=False)))
    result = _run(str(receipt), "--jwks", str(jwk))
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    assert verdict["valid"] is True and verdict["algorithm"] == "ES256"
    assert verdict["key_thumbprint"] == key.thumbprint()


def test_a_receipt_signed_by_another_key_is_invalid(tmp_path, token):
    receipt, jwks = tmp_path / "r.jws", tmp_path / "k.jwks"
    receipt.write_text(token)
    other = ECKey.generate_key("P-256", parameters={"kid": "bank-1"})
    jwks.write_text(json.dumps({"keys": [other.as_dict(private=False)]}))
    result = _run(str(receipt), "--jwks", str(jwks))
    assert result.exit_code == 1
    assert "bad_signature" in result.output


def test_a_receipt_judged_before_it_was_signed_is_invalid(tmp_path, key, token):
    receipt, jwk = tmp_path / "r.jws", tmp_path / "bank.jwk"
    receipt.write_text(token)
    jwk.write_text(json.dumps(key.as_dict(private=False)))
    earlier = (NOW - timedelta(days=1)).isoformat()
    result = _run(str(receipt), "--jwks", str(jwk), "--at", earlier)
    assert result.exit_code == 1
    assert "issued_in_future" in result.output


def test_unreadable_keys_are_a_usage_error(tmp_path, token):
    receipt, jwks = tmp_path / "r.jws", tmp_path / "k.jwks"
    receipt.write_text(token)
    jwks.write_text("[1, 2]")
    assert _run(str(receipt), "--jwks", str(jwks)).exit_code == 2
