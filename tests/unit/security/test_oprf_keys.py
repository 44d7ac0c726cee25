"""OPRF keys live in the key store, survive a reload and rotate like fingerprint secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.domain import oprf
from app.security.keys import KeyStore, KeyStoreError


def test_a_new_key_store_has_one_active_oprf_key_that_survives_a_reload(tmp_path: Path) -> None:
    store = KeyStore.generate(tmp_path / "keys.json")
    reloaded = KeyStore.load(tmp_path / "keys.json").oprf_keyring()
    assert reloaded.current == store.oprf_keyring().current
    assert reloaded.previous == ()
    # The same key evaluates the same: a peer's outputs stay comparable across restarts.
    assert oprf.evaluate(reloaded.current.secret, b"x") == oprf.evaluate(
        store.oprf_keyring().current.secret, b"x"
    )
    assert reloaded.current.kid not in json.dumps(store.public_jwks())


def test_rotation_keeps_the_old_oprf_key_answering_until_it_is_retired(tmp_path: Path) -> None:
    store = KeyStore.generate(tmp_path / "keys.json")
    old = store.oprf_keyring().current
    new_kid = store.rotate_oprf_key()
    store.save()
    reloaded = KeyStore.load(tmp_path / "keys.json")
    assert reloaded.oprf_keyring().current.kid == new_kid
    assert reloaded.oprf_keyring().previous == (old,)
    with pytest.raises(KeyStoreError, match="rotate before"):
        reloaded.retire(new_kid)
    reloaded.retire(old.kid)
    assert reloaded.oprf_keyring().previous == ()


def test_a_key_file_from_before_the_oprf_gains_a_key_in_development(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    KeyStore.generate(path)
    data = json.loads(path.read_text())
    data["keys"] = [k for k in data["keys"] if k.get("use") != "oprf"]
    path.write_text(json.dumps(data))
    with pytest.raises(KeyStoreError, match="no active OPRF key"):
        KeyStore.load(path).oprf_keyring()
    assert KeyStore.load_or_create(path).oprf_keyring().current.kid.startswith("oprf-")


def test_a_non_canonical_oprf_scalar_in_the_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    KeyStore.generate(path)
    data = json.loads(path.read_text())
    for key in data["keys"]:
        if key.get("use") == "oprf":
            key["k"] = "_" * 43  # 0xff... : above the group order
    path.write_text(json.dumps(data))
    with pytest.raises(KeyStoreError, match="unusable OPRF key"):
        KeyStore.load(path)
