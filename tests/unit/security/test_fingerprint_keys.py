"""Fingerprint secrets live in the key store and rotate like signing keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.security.keys import KeyStore, KeyStoreError


def test_a_new_key_store_has_one_active_fingerprint_secret(tmp_path: Path) -> None:
    store = KeyStore.generate(tmp_path / "keys.json")
    keyring = KeyStore.load(tmp_path / "keys.json").fingerprint_keyring()
    assert keyring.current == store.fingerprint_keyring().current
    assert keyring.previous == ()
    assert len(keyring.current.secret) == 32


def test_the_secret_never_reaches_the_public_jwks(tmp_path: Path) -> None:
    store = KeyStore.generate(tmp_path / "keys.json")
    kid = store.fingerprint_keyring().current.kid
    assert kid not in json.dumps(store.public_jwks())


def test_rotation_keeps_the_old_secret_for_matching_until_it_is_retired(tmp_path: Path) -> None:
    store = KeyStore.generate(tmp_path / "keys.json")
    old = store.fingerprint_keyring().current
    new_kid = store.rotate_fingerprint_key()
    store.save()
    reloaded = KeyStore.load(tmp_path / "keys.json")
    keyring = reloaded.fingerprint_keyring()
    assert keyring.current.kid == new_kid
    assert keyring.previous == (old,)
    with pytest.raises(KeyStoreError, match="rotate before"):
        reloaded.retire(new_kid)
    reloaded.retire(old.kid)
    assert reloaded.fingerprint_keyring().previous == ()
    assert {k["use"] for k in reloaded.describe()} == {"sig", "fingerprint", "oprf"}


def test_a_key_file_from_before_fingerprints_gains_a_secret_in_development(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    KeyStore.generate(path)
    data = json.loads(path.read_text())
    data["keys"] = [k for k in data["keys"] if k.get("use") != "fingerprint"]
    path.write_text(json.dumps(data))
    with pytest.raises(KeyStoreError, match="no active fingerprint key"):
        KeyStore.load(path).fingerprint_keyring()
    assert KeyStore.load_or_create(path).fingerprint_keyring().current.kid.startswith("fp-")
    assert KeyStore.load(path).fingerprint_keyring()
