"""RFC 9497 OPRF, mode 0x00, suite ristretto255-SHA512, on libsodium's ristretto255 group.

A hub that holds a key ``k`` lets a peer learn ``F(k, x)`` for inputs ``x`` of the peer's
choosing without learning ``x`` (the peer sends ``r * H(x)`` for a random ``r``) and without
the peer learning ``k``. The group arithmetic is libsodium's (1.0.18 or later, through
pysodium: PyNaCl does not bind ristretto255); this module adds only what RFC 9497 and
RFC 9380 define on top of it: expand_message_xmd, the domain separation tags,
DeriveKeyPair, Blind, BlindEvaluate, Finalize and Evaluate.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pysodium as sodium

MODE_OPRF = 0x00
IDENTIFIER = b"ristretto255-SHA512"
CONTEXT = b"OPRFV1-" + bytes([MODE_OPRF]) + b"-" + IDENTIFIER
HASH_TO_GROUP_DST = b"HashToGroup-" + CONTEXT
HASH_TO_SCALAR_DST = b"HashToScalar-" + CONTEXT
DERIVE_KEY_PAIR_DST = b"DeriveKeyPair" + CONTEXT
#: Serialized element, serialized scalar and output lengths (Ne, Ns, Nh).
ELEMENT_BYTES = 32
SCALAR_BYTES = 32
OUTPUT_BYTES = 64
#: Inputs are length-prefixed with two bytes in Finalize.
MAX_INPUT_BYTES = 0xFFFF

_IDENTITY = bytes(ELEMENT_BYTES)
_ZERO_SCALAR = bytes(SCALAR_BYTES)
_SHA512_BLOCK = 128
_SHA512_OUT = 64


class OprfError(ValueError):
    """An OPRF operation refused its input; ``code`` is stable for clients."""

    code = "oprf_error"


class DeserializeError(OprfError):
    """Bytes that are not the canonical encoding of a non-identity group element or scalar."""

    code = "invalid_element"


class InvalidInputError(OprfError):
    """An input that hashes to the identity, or longer than Finalize can frame."""

    code = "invalid_input"


def expand_message_xmd(msg: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 section 5.3.1 with SHA-512: ``length`` uniform bytes from ``msg`` under ``dst``."""
    ell = -(-length // _SHA512_OUT)
    if ell > 255 or length > 0xFFFF or len(dst) > 255:
        raise ValueError("expand_message_xmd: requested length or DST too long")
    dst_prime = dst + bytes([len(dst)])
    b0 = hashlib.sha512(
        bytes(_SHA512_BLOCK) + msg + length.to_bytes(2, "big") + b"\x00" + dst_prime
    ).digest()
    blocks = [hashlib.sha512(b0 + b"\x01" + dst_prime).digest()]
    for i in range(2, ell + 1):
        mixed = bytes(a ^ b for a, b in zip(b0, blocks[-1], strict=True))
        blocks.append(hashlib.sha512(mixed + bytes([i]) + dst_prime).digest())
    return b"".join(blocks)[:length]


def hash_to_group(msg: bytes) -> bytes:
    """hash_to_ristretto255 (RFC 9380 appendix B) with the suite's HashToGroup DST."""
    uniform = expand_message_xmd(msg, HASH_TO_GROUP_DST, 64)
    return bytes(sodium.crypto_core_ristretto255_from_hash(uniform))


def hash_to_scalar(msg: bytes, dst: bytes = HASH_TO_SCALAR_DST) -> bytes:
    """64 uniform bytes reduced modulo the group order (little-endian, as the RFC says)."""
    uniform = expand_message_xmd(msg, dst, 64)
    return bytes(sodium.crypto_core_ristretto255_scalar_reduce(uniform))


def deserialize_element(buf: bytes) -> bytes:
    """A peer's element, checked: canonical ristretto255 encoding and not the identity."""
    if len(buf) != ELEMENT_BYTES:
        raise DeserializeError(f"an element is {ELEMENT_BYTES} bytes, not {len(buf)}")
    if hmac.compare_digest(buf, _IDENTITY) or not sodium.crypto_core_ristretto255_is_valid_point(
        buf
    ):
        raise DeserializeError("not a valid ristretto255 element")
    return bytes(buf)


def deserialize_scalar(buf: bytes) -> bytes:
    """A key scalar, checked: 32 bytes, canonical (below the group order) and not zero."""
    if len(buf) != SCALAR_BYTES:
        raise DeserializeError(f"a scalar is {SCALAR_BYTES} bytes, not {len(buf)}")
    # Reducing a canonical scalar changes nothing; a non-canonical one changes.
    reduced = bytes(sodium.crypto_core_ristretto255_scalar_reduce(buf + bytes(32)))
    if not hmac.compare_digest(reduced, buf) or hmac.compare_digest(buf, _ZERO_SCALAR):
        raise DeserializeError("not a canonical non-zero ristretto255 scalar")
    return bytes(buf)


def _scalar_mult(scalar: bytes, element: bytes) -> bytes:
    try:
        return bytes(sodium.crypto_scalarmult_ristretto255(scalar, element))
    except ValueError as exc:  # libsodium refuses a result that is the identity
        raise DeserializeError("the product is the identity element") from exc


def public_key(secret: bytes) -> bytes:
    """pkS = ScalarMultGen(skS); kept by nobody in mode 0x00, shown to identify a key."""
    return bytes(sodium.crypto_scalarmult_ristretto255_base(deserialize_scalar(secret)))


def derive_key_pair(seed: bytes, info: bytes) -> tuple[bytes, bytes]:
    """RFC 9497 section 3.2.1 DeriveKeyPair: a deterministic (skS, pkS) from a seed."""
    if len(seed) != SCALAR_BYTES:
        raise ValueError(f"the seed is {SCALAR_BYTES} bytes")
    if len(info) > 0xFFFF:
        raise ValueError("the key info is too long")
    derive_input = seed + len(info).to_bytes(2, "big") + info
    for counter in range(256):
        secret = hash_to_scalar(derive_input + bytes([counter]), DERIVE_KEY_PAIR_DST)
        if not hmac.compare_digest(secret, _ZERO_SCALAR):
            return secret, public_key(secret)
    raise OprfError("DeriveKeyPair found no non-zero scalar")  # pragma: no cover


def random_scalar() -> bytes:
    """A uniformly random non-zero scalar (libsodium never returns zero)."""
    return bytes(sodium.crypto_core_ristretto255_scalar_random())


def _input_element(data: bytes) -> bytes:
    if len(data) > MAX_INPUT_BYTES:
        raise InvalidInputError(f"an input is at most {MAX_INPUT_BYTES} bytes")
    element = hash_to_group(data)
    if hmac.compare_digest(element, _IDENTITY):
        raise InvalidInputError("the input hashes to the identity element")
    return element


def blind(data: bytes, blind_scalar: bytes | None = None) -> tuple[bytes, bytes]:
    """Client Blind: (blind, blindedElement). ``blind_scalar`` is for test vectors only."""
    r = random_scalar() if blind_scalar is None else deserialize_scalar(blind_scalar)
    return r, _scalar_mult(r, _input_element(data))


def blind_evaluate(secret: bytes, blinded_element: bytes) -> bytes:
    """Server BlindEvaluate: skS * blindedElement, after checking the element."""
    return _scalar_mult(secret, deserialize_element(blinded_element))


def _finish(data: bytes, unblinded: bytes) -> bytes:
    return hashlib.sha512(
        len(data).to_bytes(2, "big")
        + data
        + len(unblinded).to_bytes(2, "big")
        + unblinded
        + b"Finalize"
    ).digest()


def finalize(data: bytes, blind_scalar: bytes, evaluated_element: bytes) -> bytes:
    """Client Finalize: Hash(input, blind^-1 * evaluatedElement), the PRF output."""
    element = deserialize_element(evaluated_element)
    inverse = bytes(sodium.crypto_core_ristretto255_scalar_invert(blind_scalar))
    return _finish(data, _scalar_mult(inverse, element))


def evaluate(secret: bytes, data: bytes) -> bytes:
    """Server Evaluate: the PRF output a client would finalize, computed from the input."""
    return _finish(data, _scalar_mult(secret, _input_element(data)))


@dataclass(frozen=True, slots=True)
class OprfKey:
    """A hub's OPRF secret scalar and its id; peers name the key they were evaluated under."""

    kid: str
    secret: bytes = b""

    def __post_init__(self) -> None:
        try:
            deserialize_scalar(self.secret)
        except DeserializeError as exc:
            raise OprfError(f"OPRF key {self.kid!r}: {exc}") from exc

    @classmethod
    def generate(cls, kid: str) -> OprfKey:
        """A fresh key, derived (RFC 9497 DeriveKeyPair) from 32 random bytes."""
        secret, _ = derive_key_pair(secrets.token_bytes(32), b"tradegate financing federation")
        return cls(kid, secret)

    def __repr__(self) -> str:
        return f"OprfKey(kid={self.kid!r})"


@dataclass(frozen=True, slots=True)
class OprfKeyring:
    """The key new outputs are computed under, and retiring keys still answered for."""

    current: OprfKey
    previous: tuple[OprfKey, ...] = ()

    @property
    def all(self) -> tuple[OprfKey, ...]:
        return (self.current, *self.previous)

    def by_id(self, kid: str) -> OprfKey | None:
        return next((k for k in self.all if k.kid == kid), None)
