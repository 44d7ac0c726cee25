"""C2SP tlog-cosignature ``cosignature/v1``: timestamped Ed25519 witness signatures on checkpoints.

A cosignature is a signed-note signature line whose key id uses algorithm byte 0x04 and
whose signature is ``u64 timestamp ‖ Ed25519 signature`` over ``cosignature/v1\\n``,
``time <timestamp>\\n`` and the whole checkpoint text. The message does not name the
cosigner, so one Ed25519 key must serve as one cosigner only.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from app.domain.note import (
    Note,
    NoteError,
    NoteSignature,
    b64decode_strict,
    check_key_name,
    check_text,
    parse_note,
)

COSIGNATURE_V1_TYPE = 0x04
HEADER = b"cosignature/v1\n"
#: Length of the signature part of a cosignature line: 8-byte timestamp, 64-byte signature.
SIGNATURE_LENGTH = 8 + 64
MAX_TIMESTAMP = 2**63 - 1
_HEX_KEY_ID = re.compile(r"[0-9a-f]{8}")


def cosignature_key_id(name: str, public_key: bytes) -> bytes:
    """Key ID = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte public key)[:4]."""
    check_key_name(name)
    material = name.encode() + b"\n" + bytes([COSIGNATURE_V1_TYPE]) + public_key
    return hashlib.sha256(material).digest()[:4]


def signed_message(text: str, timestamp: int) -> bytes:
    """The bytes a cosigner signs: header line, time line, then the checkpoint text."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"cosignature timestamp {timestamp} is out of range")
    check_text(text)
    return HEADER + f"time {timestamp}\n".encode() + text.encode()


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Cosignature:
    """A verified cosignature: who, when (POSIX seconds), and its signature line."""

    name: str
    timestamp: int
    line: str


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness a verifier trusts: name, key id (type 0x04) and Ed25519 public key."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    @classmethod
    def from_public_key(cls, name: str, public_key: Ed25519PublicKey) -> CosignatureVerifier:
        return cls(name, cosignature_key_id(name, _raw(public_key)), public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        """Parse ``name+hex(key id)+base64(0x04 ‖ public key)`` and check the id matches."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("witness key must be name+keyid+key")
        name, hex_id, encoded = parts
        check_key_name(name)
        if not _HEX_KEY_ID.fullmatch(hex_id):
            raise NoteError("witness key id must be 8 lowercase hex digits")
        raw = b64decode_strict(encoded)
        if len(raw) != 33 or raw[0] != COSIGNATURE_V1_TYPE:
            raise NoteError("witness key is not an Ed25519 cosignature/v1 key (type 0x04)")
        if cosignature_key_id(name, raw[1:]) != bytes.fromhex(hex_id):
            raise NoteError("witness key id does not match the key")
        return cls(name, bytes.fromhex(hex_id), Ed25519PublicKey.from_public_bytes(raw[1:]))

    @property
    def vkey(self) -> str:
        material = base64.b64encode(bytes([COSIGNATURE_V1_TYPE]) + _raw(self.public_key))
        return f"{self.name}+{self.key_id.hex()}+{material.decode('ascii')}"

    def matches(self, signature: NoteSignature) -> bool:
        """True when the line claims to come from this witness (name and key id)."""
        return signature.name == self.name and signature.key_id == self.key_id

    def verify(self, text: str, signature: bytes) -> int | None:
        """The timestamp when ``signature`` is this witness's cosignature on ``text``, else None."""
        if len(signature) != SIGNATURE_LENGTH:
            return None
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return None
        try:
            self.public_key.verify(signature[8:], signed_message(text, timestamp))
        except (InvalidSignature, NoteError):
            return None
        return timestamp


@dataclass(frozen=True)
class CosignatureSigner:
    """A witness's Ed25519 key under its cosigner name."""

    name: str
    private_key: Ed25519PrivateKey

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier.from_public_key(self.name, self.private_key.public_key())

    def cosign(self, text: str, timestamp: int) -> NoteSignature:
        """The cosignature on checkpoint ``text`` at ``timestamp`` (POSIX seconds)."""
        signature = self.private_key.sign(signed_message(text, timestamp))
        return NoteSignature(
            self.name, self.verifier().key_id, timestamp.to_bytes(8, "big") + signature
        )


def cosignatures_of(
    note: Note | bytes | str, verifiers: Iterable[CosignatureVerifier]
) -> dict[str, Cosignature]:
    """The valid cosignatures on a note, by witness name (other lines are ignored).

    A line that claims a trusted witness's name and key id but does not verify is ignored
    too: the witness did not vouch for this text, and the caller decides what is missing.
    """
    parsed = note if isinstance(note, Note) else parse_note(note)
    found: dict[str, Cosignature] = {}
    for verifier in verifiers:
        for signature in parsed.signatures:
            if not verifier.matches(signature):
                continue
            timestamp = verifier.verify(parsed.text, signature.signature)
            if timestamp is not None:
                found[verifier.name] = Cosignature(verifier.name, timestamp, signature.line())
                break
    return found


def add_signature_lines(note: str, lines: Iterable[str]) -> str:
    """Append signature lines to a signed note, skipping any it already carries.

    Signed-note allows any number of signature lines after the first; a verifier ignores
    the ones from keys it does not know, so appending cosignatures keeps the note valid.
    """
    existing = set(note.splitlines(keepends=True))
    extra = [line for line in lines if line not in existing]
    for line in extra:
        if not line.startswith("\u2014 ") or not line.endswith("\n") or line.count("\n") != 1:
            raise NoteError(f"not a signature line: {line!r}")
    return note + "".join(dict.fromkeys(extra))
