"""The hub's keys: ES256 for tokens and artefacts, Ed25519 for the log and for witnessing other
logs, HMAC for fingerprints, a ristretto255 OPRF key for cross-border duplicate-financing
checks."""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc.jwk import ECKey, OKPKey

from app.domain.fingerprints import FingerprintKey, Keyring
from app.domain.oprf import OprfKey, OprfKeyring
from app.errors import SetupError
from app.settings import Settings

ACTIVE, RETIRING, RETIRED = "active", "retiring", "retired"
#: JWK ``use`` of the symmetric secrets that key document fingerprints.
FINGERPRINT_USE = "fingerprint"
#: JWK ``use`` of the OPRF scalars (RFC 9497, ristretto255-SHA512) peers evaluate under.
OPRF_USE = "oprf"
#: ``kid`` of the Ed25519 key that cosigns other logs' checkpoints (C2SP tlog-cosignature).
WITNESS_KID = "witness"


class KeyStoreError(SetupError):
    """The key file is missing, unreadable or holds no usable key."""


@dataclass
class StoredKey:
    key: ECKey
    status: str
    created: str

    @property
    def kid(self) -> str:
        return str(self.key.kid)


_Secret = TypeVar("_Secret", FingerprintKey, OprfKey)


@dataclass
class StoredSecret(Generic[_Secret]):
    """A fingerprint secret or an OPRF scalar (the scalar's 32 little-endian bytes), kept as
    an ``oct`` JWK whose ``use`` says which, with its rotation status."""

    key: _Secret
    use: str
    status: str
    created: str

    @property
    def kid(self) -> str:
        return self.key.kid

    def as_jwk(self) -> dict[str, str]:
        encoded = base64.urlsafe_b64encode(self.key.secret).rstrip(b"=").decode()
        return {"kty": "oct", "use": self.use, "kid": self.kid, "k": encoded}


class KeyStore:
    """Keys from a private JWKS file shared by every replica.

    The newest `active` ES256 key signs; `retiring` keys no longer sign but still verify
    (so tokens issued before a rotation stay valid until they expire); `retired` keys are
    gone from the JWKS. The Ed25519 log key signs checkpoints and never rotates silently,
    because verifiers pin it. The Ed25519 witness key (``kid`` "witness") cosigns other hubs'
    checkpoints; it is a key of its own because a cosignature/v1 message does not name its
    signer, so sharing the log key would let one signature pass for the other. Fingerprint
    secrets rotate the same way: the newest `active`
    one keys new fingerprints, `retiring` ones still match old registrations. OPRF keys
    too: peers are evaluated under the newest `active` one and every `retiring` one, until
    this hub's stored outputs are recomputed under the new key.
    """

    def __init__(
        self,
        signing: list[StoredKey],
        log_key: OKPKey,
        path: Path | None = None,
        fingerprint: list[StoredSecret[FingerprintKey]] | None = None,
        oprf: list[StoredSecret[OprfKey]] | None = None,
        witness_key: OKPKey | None = None,
    ):
        if not any(k.status == ACTIVE for k in signing):
            raise KeyStoreError("no active ES256 signing key")
        self._signing = signing
        self._log_key = log_key
        self._witness_key = witness_key
        self._fingerprint = fingerprint or []
        self._oprf = oprf or []
        self.path = path

    @classmethod
    def load(cls, path: Path) -> KeyStore:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise KeyStoreError(f"cannot read key file {path}: {exc}") from exc
        signing: list[StoredKey] = []
        fingerprint: list[StoredSecret[FingerprintKey]] = []
        oprf: list[StoredSecret[OprfKey]] = []
        log_key: OKPKey | None = None
        witness_key: OKPKey | None = None
        for entry in data.get("keys", []):
            meta = {k: entry.pop(k) for k in ("status", "created") if k in entry}
            if entry.get("kty") == "oct" and entry.get("use") == FINGERPRINT_USE:
                fingerprint.append(
                    StoredSecret(
                        _oct_key(entry, path, FingerprintKey, "fingerprint"),
                        FINGERPRINT_USE,
                        meta.get("status", ACTIVE),
                        meta.get("created", ""),
                    )
                )
            elif entry.get("kty") == "oct" and entry.get("use") == OPRF_USE:
                oprf.append(
                    StoredSecret(
                        _oct_key(entry, path, OprfKey, "OPRF"),
                        OPRF_USE,
                        meta.get("status", ACTIVE),
                        meta.get("created", ""),
                    )
                )
            elif entry.get("kty") == "OKP" and entry.get("crv") == "Ed25519":
                if entry.get("kid") == WITNESS_KID:
                    witness_key = OKPKey.import_key(entry)
                else:
                    log_key = OKPKey.import_key(entry)
            elif entry.get("kty") == "EC":
                signing.append(
                    StoredKey(
                        ECKey.import_key(entry), meta.get("status", ACTIVE), meta.get("created", "")
                    )
                )
        if log_key is None:
            raise KeyStoreError(f"{path} holds no Ed25519 log key")
        return cls(signing, log_key, path, fingerprint, oprf, witness_key)

    @classmethod
    def generate(cls, path: Path | None = None) -> KeyStore:
        store = cls(
            [_new_signing_key()],
            _new_log_key(),
            path,
            [_new_fingerprint_key()],
            [_new_oprf_key()],
            _new_witness_key(),
        )
        if path is not None:
            store.save()
        return store

    @classmethod
    def of(cls, settings: Settings) -> KeyStore:
        """The hub's keys: the configured file in production, else created on first use."""
        if settings.env == "production":
            if settings.keys_file is None:
                raise KeyStoreError("TRADEGATE_KEYS_FILE must be set in production")
            return cls.load(settings.keys_file)
        return cls.load_or_create(settings.effective_keys_file)

    @classmethod
    def load_or_create(cls, path: Path) -> KeyStore:
        """Development convenience: create a key file on first start, and give a file from
        before fingerprints (the OPRF, witnessing) existed its first fingerprint secret (OPRF
        key, witness key)."""
        if path.exists():
            store = cls.load(path)
            changed = False
            if not any(k.status == ACTIVE for k in store._fingerprint):
                store.rotate_fingerprint_key()
                changed = True
            if not any(k.status == ACTIVE for k in store._oprf):
                store.rotate_oprf_key()
                changed = True
            if store._witness_key is None:
                store.add_witness_key()
                changed = True
            if changed:
                store.save()
            return store
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls.generate(path)

    def save(self) -> None:
        if self.path is None:
            raise KeyStoreError("key store has no file")
        keys: list[dict[str, Any]] = [
            {**k.key.as_dict(private=True), "status": k.status, "created": k.created}
            for k in self._signing
        ]
        keys.extend(
            {**k.as_jwk(), "status": k.status, "created": k.created} for k in self._fingerprint
        )
        keys.extend({**k.as_jwk(), "status": k.status, "created": k.created} for k in self._oprf)
        keys.append(self._log_key.as_dict(private=True))
        if self._witness_key is not None:
            keys.append(self._witness_key.as_dict(private=True))
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"keys": keys}, fh, indent=2)
        tmp.replace(self.path)

    def current_signing_key(self) -> ECKey:
        active = [k for k in self._signing if k.status == ACTIVE]
        return max(active, key=lambda k: k.created).key

    def verification_key(self, kid: str) -> ECKey | None:
        for k in self._signing:
            if k.kid == kid and k.status in (ACTIVE, RETIRING):
                return k.key
        return None

    def public_jwks(self) -> dict[str, Any]:
        return {
            "keys": [
                k.key.as_dict(private=False)
                for k in self._signing
                if k.status in (ACTIVE, RETIRING)
            ]
        }

    def log_signing_key(self) -> Ed25519PrivateKey:
        key = self._log_key.private_key
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyStoreError("log key is not an Ed25519 private key")
        return key

    def witness_signing_key(self) -> Ed25519PrivateKey:
        """The key that cosigns the checkpoints of the logs this hub witnesses."""
        if self._witness_key is None:
            raise KeyStoreError(
                "the key file holds no witness key: run `tradegate keys add-witness-key`"
            )
        key = self._witness_key.private_key
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyStoreError("witness key is not an Ed25519 private key")
        return key

    @property
    def has_witness_key(self) -> bool:
        return self._witness_key is not None

    def add_witness_key(self) -> None:
        """Create the witness key; refused once there is one, because verifiers pin it."""
        if self._witness_key is not None:
            raise KeyStoreError("the key file already holds a witness key")
        self._witness_key = _new_witness_key()

    def rotate(self) -> str:
        """Add a new active key; the previous active keys keep verifying as `retiring`."""
        for k in self._signing:
            if k.status == ACTIVE:
                k.status = RETIRING
        new = _new_signing_key()
        self._signing.append(new)
        return new.kid

    def fingerprint_keyring(self) -> Keyring:
        """The newest active fingerprint secret, and the others that old fingerprints used."""
        usable = [k for k in self._fingerprint if k.status in (ACTIVE, RETIRING)]
        active = [k for k in usable if k.status == ACTIVE]
        if not active:
            raise KeyStoreError(
                "no active fingerprint key: run `tradegate keys rotate --fingerprint`"
            )
        current = max(active, key=lambda k: k.created)
        return Keyring(current.key, tuple(k.key for k in usable if k is not current))

    def rotate_fingerprint_key(self) -> str:
        """Add a new active fingerprint secret; the previous ones keep matching as `retiring`."""
        for k in self._fingerprint:
            if k.status == ACTIVE:
                k.status = RETIRING
        new = _new_fingerprint_key()
        self._fingerprint.append(new)
        return new.kid

    def oprf_keyring(self) -> OprfKeyring:
        """The newest active OPRF key, and the retiring ones peers are still answered under."""
        usable = [k for k in self._oprf if k.status in (ACTIVE, RETIRING)]
        active = [k for k in usable if k.status == ACTIVE]
        if not active:
            raise KeyStoreError("no active OPRF key: run `tradegate keys rotate --oprf`")
        current = max(active, key=lambda k: k.created)
        return OprfKeyring(current.key, tuple(k.key for k in usable if k is not current))

    def rotate_oprf_key(self) -> str:
        """Add a new active OPRF key; the previous ones keep answering peers as `retiring`."""
        for k in self._oprf:
            if k.status == ACTIVE:
                k.status = RETIRING
        new = _new_oprf_key()
        self._oprf.append(new)
        return new.kid

    def retire(self, kid: str) -> None:
        keys: list[StoredKey | StoredSecret[Any]] = [
            *self._signing,
            *self._fingerprint,
            *self._oprf,
        ]
        for k in keys:
            if k.kid == kid:
                if k.status == ACTIVE:
                    raise KeyStoreError("rotate before retiring the active key")
                k.status = RETIRED
                return
        raise KeyStoreError(f"no key {kid}")

    def describe(self) -> list[dict[str, str]]:
        groups: tuple[tuple[str, list[Any]], ...] = (
            ("sig", self._signing),
            (FINGERPRINT_USE, self._fingerprint),
            (OPRF_USE, self._oprf),
        )
        return [
            {"kid": k.kid, "use": use, "status": k.status, "created": k.created}
            for use, keys in groups
            for k in keys
        ]


def _new_signing_key() -> StoredKey:
    created = datetime.now(UTC).isoformat(timespec="microseconds")
    kid = f"es256-{created[:10]}-{secrets.token_hex(4)}"
    key = ECKey.generate_key("P-256", parameters={"kid": kid, "alg": "ES256", "use": "sig"})
    return StoredKey(key, ACTIVE, created)


def _oct_key(
    entry: dict[str, Any], path: Path, make: Callable[[str, bytes], _Secret], what: str
) -> _Secret:
    """The key an ``oct`` JWK of the key file holds, made (and checked) by ``make``."""
    try:
        secret = base64.urlsafe_b64decode(entry["k"] + "=" * (-len(entry["k"]) % 4))
        return make(str(entry["kid"]), secret)
    except (KeyError, ValueError) as exc:
        raise KeyStoreError(f"{path}: unusable {what} key: {exc}") from exc


def _new_fingerprint_key() -> StoredSecret[FingerprintKey]:
    created = datetime.now(UTC).isoformat(timespec="microseconds")
    kid = f"fp-{created[:10]}-{secrets.token_hex(4)}"
    key = FingerprintKey(kid, secrets.token_bytes(32))
    return StoredSecret(key, FINGERPRINT_USE, ACTIVE, created)


def _new_oprf_key() -> StoredSecret[OprfKey]:
    created = datetime.now(UTC).isoformat(timespec="microseconds")
    kid = f"oprf-{created[:10]}-{secrets.token_hex(4)}"
    return StoredSecret(OprfKey.generate(kid), OPRF_USE, ACTIVE, created)


def _new_log_key() -> OKPKey:
    return OKPKey.generate_key("Ed25519", parameters={"use": "sig", "kid": "log"})


def _new_witness_key() -> OKPKey:
    return OKPKey.generate_key("Ed25519", parameters={"use": "sig", "kid": WITNESS_KID})
