"""Artefacts are ES256 compact JWS over canonical JSON, verifiable with the public JWKS only."""

from __future__ import annotations

import base64
import json

import pytest
from joserfc import jws

from app.domain.hashing import jcs
from app.security.keys import KeyStore
from app.services.consents.artefacts import (
    InvalidArtefact,
    artefact_sha256,
    sign_artefact,
    verify_artefact,
)

PAYLOAD = {"consentId": "c-1", "purpose": {"code": "FRAUD_CHECK", "text": "Fraud"}, "n": 1}


@pytest.fixture(scope="module")
def keys():
    return KeyStore.generate()


def _segment(token, index):
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_signed_artefact_verifies_and_carries_kid_and_type(keys):
    token = sign_artefact(keys, PAYLOAD)
    header = _segment(token, 0)
    assert header == {
        "alg": "ES256",
        "typ": "tradegate-consent+jws",
        "kid": keys.current_signing_key().kid,
    }
    assert verify_artefact(token, keys.public_jwks()) == PAYLOAD


def test_payload_bytes_are_the_canonical_json(keys):
    token = sign_artefact(keys, PAYLOAD)
    part = token.split(".")[1]
    assert base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)) == jcs(PAYLOAD)


def test_digest_is_over_the_compact_serialisation(keys):
    import hashlib

    token = sign_artefact(keys, PAYLOAD)
    assert artefact_sha256(token) == hashlib.sha256(token.encode()).hexdigest()


def test_rotated_key_still_verifies_earlier_artefacts(keys):
    store = KeyStore.generate()
    token = sign_artefact(store, PAYLOAD)
    store.rotate()
    assert verify_artefact(token, store.public_jwks()) == PAYLOAD


@pytest.mark.parametrize(
    "token",
    ["", "a.b", "a.b.c.d", "####.####.####", "eyJhbGciOiJub25lIn0.e30."],
)
def test_malformed_tokens_are_invalid(keys, token):
    with pytest.raises(InvalidArtefact):
        verify_artefact(token, keys.public_jwks())


def test_a_jws_of_another_type_is_not_an_artefact(keys):
    key = keys.current_signing_key()
    other = jws.serialize_compact({"alg": "ES256", "kid": key.kid, "typ": "JWT"}, b"{}", key)
    with pytest.raises(InvalidArtefact, match="not a consent artefact"):
        verify_artefact(other, keys.public_jwks())


def test_non_canonical_base64_padding_bits_are_refused(keys):
    token = sign_artefact(keys, PAYLOAD)
    head, body, signature = token.split(".")
    # 64 signature bytes leave 4 unused bits in the last character; flipping one of them
    # still decodes to the same bytes, so only a canonical-encoding check can notice.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    twin = signature[:-1] + alphabet[last ^ 1]
    assert base64.urlsafe_b64decode(twin + "==") == base64.urlsafe_b64decode(signature + "==")
    with pytest.raises(InvalidArtefact, match="canonical"):
        verify_artefact(f"{head}.{body}.{twin}", keys.public_jwks())
