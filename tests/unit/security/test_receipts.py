"""Receipt signatures: ES256, PS256 and RS256 with a registered key; nothing else gets through."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jws
from joserfc.jwk import ECKey, OKPKey, RSAKey

from app.domain.deletion_receipt import RECEIPT_TYP, ReceiptRejected, RejectReason
from app.security.receipts import verify_receipt_signature
from tests.receipt_signing import receipt_claims, sign_receipt

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ec_key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": "bank-ec"})


@pytest.fixture(scope="module")
def rsa_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "bank-rsa"})


@pytest.fixture
def claims():
    return receipt_claims(
        consumer_id=uuid.uuid4(),
        audience="https://hub.example",
        consent_id=uuid.uuid4(),
        nonce="n-1",
        documents=[(uuid.uuid4(), "c" * 64)],
        deleted_at=NOW - timedelta(hours=1),
        issued_at=NOW,
    )


def _public(key) -> dict:
    return key.as_dict(private=False)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(algorithm: str, claims) -> tuple[str, str]:
    """Header and payload segments of a receipt claiming `algorithm`, for forged signatures."""
    header = _b64(json.dumps({"alg": algorithm, "typ": RECEIPT_TYP}).encode())
    return header, _b64(json.dumps(claims.as_claims()).encode())


@pytest.mark.parametrize(
    ("algorithm", "key_name"), [("ES256", "ec_key"), ("PS256", "rsa_key"), ("RS256", "rsa_key")]
)
def test_each_allowed_algorithm_verifies_with_the_registered_key(
    request, claims, algorithm, key_name
):
    key = request.getfixturevalue(key_name)
    signed = verify_receipt_signature(sign_receipt(claims, key, algorithm), [_public(key)])
    assert signed.claims == claims
    assert signed.algorithm == algorithm
    assert signed.key_thumbprint == key.thumbprint()


def test_a_key_without_kid_is_tried_by_type(claims):
    key = ECKey.generate_key("P-256")
    assert verify_receipt_signature(sign_receipt(claims, key), [_public(key)]).claims == claims


def test_a_kid_may_be_the_keys_thumbprint(claims):
    key = ECKey.generate_key("P-256")
    token = sign_receipt(claims, key, kid=key.thumbprint())
    assert verify_receipt_signature(token, [_public(key)]).claims == claims


def test_a_key_of_someone_else_is_unknown(claims, ec_key):
    stranger = ECKey.generate_key("P-256", parameters={"kid": "other-bank"})
    with pytest.raises(ReceiptRejected) as raised:
        verify_receipt_signature(sign_receipt(claims, stranger), [_public(ec_key)])
    assert raised.value.reason is RejectReason.UNKNOWN_KEY


def test_a_forged_signature_under_a_known_kid_is_a_bad_signature(claims, ec_key):
    forger = ECKey.generate_key("P-256", parameters={"kid": ec_key.kid})
    with pytest.raises(ReceiptRejected) as raised:
        verify_receipt_signature(sign_receipt(claims, forger), [_public(ec_key)])
    assert raised.value.reason is RejectReason.BAD_SIGNATURE


def test_a_tampered_payload_is_a_bad_signature(claims, ec_key):
    header, _, signature = sign_receipt(claims, ec_key).split(".")
    changed = _b64(json.dumps({**claims.as_claims(), "method": "CLEAR"}).encode())
    with pytest.raises(ReceiptRejected) as raised:
        verify_receipt_signature(f"{header}.{changed}.{signature}", [_public(ec_key)])
    assert raised.value.reason is RejectReason.BAD_SIGNATURE


def test_hmac_with_the_public_key_as_secret_is_refused_before_any_key(claims, rsa_key):
    header, payload = _unsigned("HS256", claims)
    secret = json.dumps(_public(rsa_key)).encode()
    mac = _b64(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    with pytest.raises(ReceiptRejected) as raised:
        verify_receipt_signature(f"{header}.{payload}.{mac}", [_public(rsa_key)])
    assert raised.value.reason is RejectReason.ALGORITHM_NOT_ALLOWED


@pytest.mark.parametrize("algorithm", ["none", "ES384", "RS512", "EdDSA"])
def test_algorithms_outside_the_allow_list_are_refused(claims, ec_key, algorithm):
    header, payload = _unsigned(algorithm, claims)
    with pytest.raises(ReceiptRejected) as raised:
        verify_receipt_signature(f"{header}.{payload}.c2ln", [_public(ec_key)])
    assert raised.value.reason is RejectReason.ALGORITHM_NOT_ALLOWED


def test_an_rsa_key_cannot_vouch_for_an_es256_header(claims, rsa_key):
    with pytest.raises(ReceiptRejected) as raised:
        verify_receipt_signature(
            sign_receipt(claims, ECKey.generate_key("P-256"), kid=rsa_key.kid), [_public(rsa_key)]
        )
    assert raised.value.reason is RejectReason.UNKNOWN_KEY


def test_a_registered_key_pinned_to_another_algorithm_is_not_used(claims, rsa_key):
    pinned = {**_public(rsa_key), "alg": "PS256"}
    with pytest.raises(ReceiptRejected) as raised:
        verify_receipt_signature(sign_receipt(claims, rsa_key, "RS256"), [pinned])
    assert raised.value.reason is RejectReason.UNKNOWN_KEY


@pytest.mark.filterwarnings("ignore:Key size should be")
def test_a_short_rsa_key_is_not_trusted(claims):
    weak = RSAKey.generate_key(1024, parameters={"kid": "weak"}, private=True)
    with pytest.raises(ReceiptRejected) as raised:
        verify_receipt_signature(sign_receipt(claims, weak, "RS256"), [_public(weak)])
    assert raised.value.reason is RejectReason.UNKNOWN_KEY


def test_an_ed25519_registration_serves_no_receipt(claims):
    okp = OKPKey.generate_key("Ed25519")
    header, payload = _unsigned("ES256", claims)
    with pytest.raises(ReceiptRejected) as raised:
        verify_receipt_signature(f"{header}.{payload}.c2ln", [_public(okp)])
    assert raised.value.reason is RejectReason.UNKNOWN_KEY


def test_a_token_of_another_type_is_not_a_receipt(claims, ec_key):
    with pytest.raises(ReceiptRejected) as raised:
        verify_receipt_signature(sign_receipt(claims, ec_key, typ="JWT"), [_public(ec_key)])
    assert raised.value.reason is RejectReason.MALFORMED


@pytest.mark.parametrize("token", ["", "a.b", "not.a.jws", "...."])
def test_garbage_is_malformed(token, ec_key):
    with pytest.raises(ReceiptRejected) as raised:
        verify_receipt_signature(token, [_public(ec_key)])
    assert raised.value.reason is RejectReason.MALFORMED


def test_a_signed_payload_that_is_not_an_object_is_malformed(ec_key):
    token = jws.serialize_compact(
        {"alg": "ES256", "typ": RECEIPT_TYP, "kid": ec_key.kid}, b"[1, 2]", ec_key
    )
    with pytest.raises(ReceiptRejected) as raised:
        verify_receipt_signature(token, [_public(ec_key)])
    assert raised.value.reason is RejectReason.MALFORMED


def test_a_signature_respelled_in_its_padding_bits_is_malformed(claims, ec_key):
    header, payload, signature = sign_receipt(claims, ec_key).split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelled = signature[:-1] + alphabet[alphabet.index(signature[-1]) ^ 1]
    assert base64.urlsafe_b64decode(respelled + "==") == base64.urlsafe_b64decode(signature + "==")
    with pytest.raises(ReceiptRejected) as raised:
        verify_receipt_signature(f"{header}.{payload}.{respelled}", [_public(ec_key)])
    assert raised.value.reason is RejectReason.MALFORMED
