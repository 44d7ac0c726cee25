"""The witness key: its own Ed25519 key in the key file, added once, never the log key."""

import json

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from app.security.keys import WITNESS_KID, KeyStore, KeyStoreError


def _raw(key) -> bytes:  # noqa: ANN001
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_a_new_key_file_holds_a_witness_key_apart_from_the_log_key(tmp_path):
    path = tmp_path / "keys.json"
    store = KeyStore.generate(path)
    assert _raw(store.witness_signing_key()) != _raw(store.log_signing_key())
    reloaded = KeyStore.load(path)
    assert _raw(reloaded.witness_signing_key()) == _raw(store.witness_signing_key())
    assert _raw(reloaded.log_signing_key()) == _raw(store.log_signing_key())


def _without_witness_key(path) -> None:  # noqa: ANN001
    data = json.loads(path.read_text())
    data["keys"] = [k for k in data["keys"] if k.get("kid") != WITNESS_KID]
    path.write_text(json.dumps(data))


def test_an_older_key_file_gets_a_witness_key_in_development(tmp_path):
    path = tmp_path / "keys.json"
    log_key = _raw(KeyStore.generate(path).log_signing_key())
    _without_witness_key(path)
    store = KeyStore.load_or_create(path)
    assert store.has_witness_key
    assert _raw(store.log_signing_key()) == log_key
    assert KeyStore.load(path).has_witness_key


def test_a_production_file_without_witness_key_says_how_to_add_one(tmp_path):
    path = tmp_path / "keys.json"
    KeyStore.generate(path)
    _without_witness_key(path)
    store = KeyStore.load(path)
    with pytest.raises(KeyStoreError, match="tradegate keys add-witness-key"):
        store.witness_signing_key()
    store.add_witness_key()
    with pytest.raises(KeyStoreError, match="already holds a witness key"):
        store.add_witness_key()
