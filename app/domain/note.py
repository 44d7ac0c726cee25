"""C2SP signed-note: Ed25519 key ids, verifier keys, signing, parsing and opening, byte-exact."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519_TYPE = 0x01
SIGNATURE_PREFIX = "\u2014 "
MAX_SIGNATURES = 100
_HEX_KEY_ID = re.compile(r"[0-9a-f]{8}")


class NoteError(ValueError):
    """A note, key or signature is malformed or does not verify."""


class UnverifiedNoteError(NoteError):
    """No signature from a trusted key verified: the text must be ignored."""


def b64decode_strict(value: str) -> bytes:
    """Decode standard padded base64 and refuse anything that does not re-encode identically."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"invalid base64: {value!r}") from exc
    if base64.b64encode(raw).decode("ascii") != value:
        raise NoteError(f"non-canonical base64: {value!r}")
    return raw


def check_key_name(name: str) -> None:
    """Key names are non-empty and hold no Unicode space and no '+'."""
    if not name or "+" in name or any(ch.isspace() for ch in name) or not _printable(name):
        raise NoteError(f"invalid key name {name!r}")


def _printable(text: str) -> bool:
    return all(ch == "\n" or ord(ch) >= 0x20 for ch in text)


def ed25519_key_id(name: str, public_key: bytes) -> bytes:
    """Key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]."""
    check_key_name(name)
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519_TYPE]) + public_key).digest()[:4]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class NoteVerifier:
    """A trusted Ed25519 key: name, 4-byte key id and public key."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    @classmethod
    def from_public_key(cls, name: str, public_key: Ed25519PublicKey) -> NoteVerifier:
        """Derive the key id from the name and key as the spec recommends."""
        return cls(name, ed25519_key_id(name, _raw_public(public_key)), public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse ``name+hex(key id)+base64(0x01 ‖ public key)`` and check the id matches the key."""
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise NoteError("verifier key must be name+keyid+key")
        name, hex_id, encoded = parts
        check_key_name(name)
        if not _HEX_KEY_ID.fullmatch(hex_id):
            raise NoteError("verifier key id must be 8 lowercase hex digits")
        raw = b64decode_strict(encoded)
        if len(raw) != 33 or raw[0] != ED25519_TYPE:
            raise NoteError("verifier key is not an Ed25519 key")
        key_id = bytes.fromhex(hex_id)
        if ed25519_key_id(name, raw[1:]) != key_id:
            raise NoteError("verifier key id does not match the key")
        return cls(name, key_id, Ed25519PublicKey.from_public_bytes(raw[1:]))

    @property
    def vkey(self) -> str:
        """The verifier key string to hand to third parties."""
        material = base64.b64encode(bytes([ED25519_TYPE]) + _raw_public(self.public_key))
        return f"{self.name}+{self.key_id.hex()}+{material.decode('ascii')}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        """True when ``signature`` is this key's Ed25519 signature over ``text``."""
        try:
            self.public_key.verify(signature, text)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class NoteSigner:
    """An Ed25519 signing key under a key name."""

    name: str
    private_key: Ed25519PrivateKey

    @classmethod
    def from_skey(cls, skey: str) -> NoteSigner:
        """Parse the ``PRIVATE+KEY+name+hex(key id)+base64(0x01 ‖ seed)`` form used by Go tools."""
        prefix = "PRIVATE+KEY+"
        if not skey.startswith(prefix):
            raise NoteError("signer key must start with PRIVATE+KEY+")
        parts = skey[len(prefix) :].split("+", 2)
        if len(parts) != 3:
            raise NoteError("signer key must be PRIVATE+KEY+name+keyid+key")
        name, hex_id, encoded = parts
        raw = b64decode_strict(encoded)
        if len(raw) != 33 or raw[0] != ED25519_TYPE:
            raise NoteError("signer key is not an Ed25519 key")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if not _HEX_KEY_ID.fullmatch(hex_id) or signer.verifier().key_id.hex() != hex_id:
            raise NoteError("signer key id does not match the key")
        return signer

    def verifier(self) -> NoteVerifier:
        """The matching verifier."""
        return NoteVerifier.from_public_key(self.name, self.private_key.public_key())

    def sign(self, text: bytes) -> bytes:
        """Ed25519 signature over the note text."""
        return self.private_key.sign(text)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, key id and raw signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """The signature line, em dash first, newline last."""
        blob = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{SIGNATURE_PREFIX}{self.name} {blob}\n"


@dataclass(frozen=True)
class Note:
    """A note text (ending in a newline) and its signature lines."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def encode(self) -> bytes:
        """Text, blank line, signature lines: the bytes that travel."""
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode()


def check_text(text: str) -> None:
    """Note text ends in a newline and carries no control character but newline."""
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if not _printable(text):
        raise NoteError("note text must not contain control characters")


def sign_note(text: str, signers: Sequence[NoteSigner]) -> bytes:
    """Sign ``text`` with every signer and return the encoded signed note."""
    check_text(text)
    if not signers:
        raise NoteError("a signed note needs at least one signer")
    raw = text.encode()
    signatures = tuple(NoteSignature(s.name, s.verifier().key_id, s.sign(raw)) for s in signers)
    return Note(text, signatures).encode()


def parse_note(message: bytes | str) -> Note:
    """Split a signed note into text and signature lines without trusting anything yet."""
    if isinstance(message, bytes):
        try:
            message = message.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError("note is not valid UTF-8") from exc
    if not _printable(message):
        raise NoteError("note must not contain control characters")
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    text, block = message[: split + 1], message[split + 2 :]
    if not block.endswith("\n"):
        raise NoteError("signature block must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    return Note(text, tuple(_parse_signature_line(line) for line in lines))


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError("signature line must start with an em dash and a space")
    name, sep, blob = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not sep:
        raise NoteError("signature line must be '— name signature'")
    check_key_name(name)
    raw = b64decode_strict(blob)
    if len(raw) < 5:
        raise NoteError("signature is too short")
    return NoteSignature(name, raw[:4], raw[4:])


def open_note(message: bytes | str, verifiers: Iterable[NoteVerifier]) -> tuple[Note, list[str]]:
    """Parse and verify; return the note and the names of the trusted keys that signed it.

    Signatures from unknown keys are ignored; a known key whose signature fails rejects the
    whole note; at least one known key must have signed.
    """
    note = parse_note(message)
    known = {(v.name, v.key_id): v for v in verifiers}
    raw = note.text.encode()
    signed_by: list[str] = []
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verify(raw, sig.signature):
            raise NoteError(f"signature by {sig.name} does not verify")
        signed_by.append(sig.name)
    if not signed_by:
        raise UnverifiedNoteError("no signature from a trusted key")
    return note, signed_by
