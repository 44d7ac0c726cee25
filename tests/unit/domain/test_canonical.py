"""RFC 8785 and Exclusive XML C14N: same content, same bytes, same hash."""

from __future__ import annotations

import hashlib
import json
import math
import random

import pytest
import rfc8785
from lxml import etree

from app.domain.canonical import (
    CanonicalizationError,
    canonical_json,
    canonical_xml,
    is_plain_float,
    repr_digest,
    sha256_hex,
)


def test_rfc8785_number_serialisation_follows_ecmascript() -> None:
    # Values from RFC 8785 appendix B.
    values = [
        0.0,
        -0.0,
        5e-324,
        1.7976931348623157e308,
        9007199254740992.0,
        1e21,
        1e-7,
        4.5,
        0.002,
        1e-27,
    ]
    expected = "[0,0,5e-324,1.7976931348623157e+308,9007199254740992,1e+21,1e-7,4.5,0.002,1e-27]"
    assert canonical_json(values) == expected.encode()


def test_rfc8785_sorts_keys_by_utf16_code_units() -> None:
    # RFC 8785 section 3.2.3 example: U+1F600 sorts before U+FB33 in UTF-16.
    value = {
        "\u20ac": "Euro",
        "\r": "CR",
        "\ufb33": "Hebrew",
        "1": "One",
        "\U0001f600": "Emoji",
        "\u0080": "Control",
        "\u00f6": "Latin",
    }
    keys = list(json.loads(canonical_json(value)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_non_finite_and_unsafe_numbers_have_no_canonical_form() -> None:
    with pytest.raises(CanonicalizationError):
        canonical_json({"a": float("nan")})
    with pytest.raises(CanonicalizationError):
        canonical_json({"a": 2**60})


def _random_plain_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(7 if depth < 4 else 4)
    if kind == 0:
        return rng.randint(-(2**53) + 1, 2**53 - 1)
    if kind == 1:
        while not is_plain_float(f := rng.uniform(-1e6, 1e6) / rng.choice([1, 7, 1000])):
            pass
        return f
    if kind == 2:
        return "".join(
            chr(rng.choice([rng.randrange(0, 0x80), rng.randrange(0x80, 0xD800)]))
            for _ in range(rng.randrange(8))
        )
    if kind == 3:
        return rng.choice([True, False, None])
    if kind in (4, 5):
        return {
            f"k{rng.randrange(99)}\u00e9": _random_plain_value(rng, depth + 1)
            for _ in range(rng.randrange(5))
        }
    return [_random_plain_value(rng, depth + 1) for _ in range(rng.randrange(5))]


def test_fast_encoder_equals_rfc8785_on_plain_values() -> None:
    rng = random.Random(8785)
    for _ in range(300):
        value = _random_plain_value(rng)
        assert canonical_json(value, plain=True) == rfc8785.dumps(value)


def test_fast_encoder_prints_plain_floats_of_every_magnitude_like_ecmascript() -> None:
    rng = random.Random(16)
    magnitudes = [10 ** rng.uniform(-4, 16) for _ in range(20_000)]
    edges = [math.nextafter(10.0**e, side) for e in range(-4, 17) for side in (0, math.inf)]
    plain = [sign * f for f in magnitudes + edges for sign in (1, -1) if is_plain_float(f)]
    assert canonical_json(plain, plain=True) == rfc8785.dumps(plain)


def test_fast_encoder_escapes_strings_like_rfc8785() -> None:
    text = "".join(map(chr, range(0x80))) + "\u2028\u2029\u00e9\ufeff\uffff"
    assert canonical_json({text: text}, plain=True) == rfc8785.dumps({text: text})


def test_fast_encoder_refuses_integers_beyond_2_to_the_53() -> None:
    assert (
        canonical_json([2**53 - 1, -(2**53) + 1], plain=True)
        == b"[9007199254740991,-9007199254740991]"
    )
    with pytest.raises(CanonicalizationError):
        canonical_json({"a": 2**53}, plain=True)


def test_transport_document_hash_is_dcsa_checksum_definition(reference) -> None:  # noqa: ANN001
    """DCSA: SHA-256 over the RFC 8785 form of the transport document (PINT, ISS manifests)."""
    envelope = json.loads((reference / "dcsa/examples/EblEnvelope_regularSTD.json").read_bytes())
    td = envelope["transportDocument"]
    reordered = json.loads(json.dumps(td, indent=4, sort_keys=True))
    checksum = hashlib.sha256(rfc8785.dumps(td)).hexdigest()
    assert sha256_hex(canonical_json(reordered, plain=True)) == checksum
    assert len(checksum) == 64


def test_exclusive_c14n_ignores_attribute_order_quotes_and_unused_namespaces() -> None:
    a = etree.fromstring(b'<r xmlns:u="urn:unused" b="2" a=\'1\'><x   /></r>')
    b = etree.fromstring(b'<r a="1" b="2"><x></x></r>')
    assert canonical_xml(a) == canonical_xml(b) == b'<r a="1" b="2"><x></x></r>'


def test_repr_digest_is_rfc9530_structured_sha256() -> None:
    assert repr_digest(b"") == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
