"""RFC 9497 OPRF(ristretto255, SHA-512): the RFC's vectors, and refusals of hostile elements."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.domain import oprf

VECTORS: dict[str, Any] = json.loads(
    (
        Path(__file__).parents[2] / "data" / "oprf" / "rfc9497_ristretto255_sha512_oprf.json"
    ).read_text()
)
SECRET = bytes.fromhex(VECTORS["skSm"])
# Order of the ristretto255 group, little-endian: the smallest non-canonical scalar.
ORDER_LE = (2**252 + 27742317777372353535851937790883648493).to_bytes(32, "little")


def test_context_string_is_the_suites():
    assert oprf.CONTEXT == b"OPRFV1-\x00-ristretto255-SHA512"
    assert oprf.HASH_TO_GROUP_DST.hex() == (
        "48617368546f47726f75702d4f50524656312d002d72697374726574746f3235352d534841353132"
    )


@pytest.mark.parametrize("case", VECTORS["expand_message_xmd"], ids=lambda c: c["msg"])
def test_expand_message_xmd_matches_rfc_9380(case):
    out = oprf.expand_message_xmd(case["msg"].encode(), case["DST"].encode(), case["len_in_bytes"])
    assert out.hex() == case["uniform_bytes"]


def test_derive_key_pair_matches_rfc_9497():
    secret, public = oprf.derive_key_pair(
        bytes.fromhex(VECTORS["Seed"]), bytes.fromhex(VECTORS["KeyInfo"])
    )
    assert secret.hex() == VECTORS["skSm"]
    assert public == oprf.public_key(secret)


@pytest.mark.parametrize("case", VECTORS["vectors"], ids=lambda c: c["Input"][:8])
def test_blind_evaluate_finalize_match_rfc_9497(case):
    data = bytes.fromhex(case["Input"])
    blind, blinded = oprf.blind(data, bytes.fromhex(case["Blind"]))
    assert blinded.hex() == case["BlindedElement"]
    evaluated = oprf.blind_evaluate(SECRET, blinded)
    assert evaluated.hex() == case["EvaluationElement"]
    assert oprf.finalize(data, blind, evaluated).hex() == case["Output"]
    assert oprf.evaluate(SECRET, data).hex() == case["Output"]


def test_random_blinds_hide_the_input_and_finalize_to_the_same_output():
    key = oprf.OprfKey.generate("oprf-test")
    first_blind, first = oprf.blind(b"CARRIER|BL-1")
    second_blind, second = oprf.blind(b"CARRIER|BL-1")
    assert first != second
    out_1 = oprf.finalize(b"CARRIER|BL-1", first_blind, oprf.blind_evaluate(key.secret, first))
    out_2 = oprf.finalize(b"CARRIER|BL-1", second_blind, oprf.blind_evaluate(key.secret, second))
    assert out_1 == out_2 == oprf.evaluate(key.secret, b"CARRIER|BL-1")
    assert oprf.evaluate(oprf.OprfKey.generate("other").secret, b"CARRIER|BL-1") != out_1


@pytest.mark.parametrize(
    "element",
    [
        bytes(32),  # the identity
        b"\xff" * 32,  # not a canonical field element
        bytes.fromhex(VECTORS["vectors"][0]["BlindedElement"])[:31],  # short
        bytes.fromhex(VECTORS["vectors"][0]["BlindedElement"]) + b"\x00",  # long
        bytes.fromhex("01" + "00" * 31),  # negative field element: not a ristretto encoding
    ],
    ids=["identity", "non-canonical", "short", "long", "negative"],
)
def test_server_refuses_bytes_that_are_no_element(element):
    with pytest.raises(oprf.DeserializeError):
        oprf.blind_evaluate(SECRET, element)


@pytest.mark.parametrize(
    "scalar", [bytes(32), ORDER_LE, b"\xff" * 32, b"\x01" * 31], ids=["zero", "order", "max", "31"]
)
def test_keys_are_canonical_non_zero_scalars(scalar):
    with pytest.raises(oprf.OprfError):
        oprf.OprfKey("bad", scalar)


def test_oversize_input_is_refused():
    with pytest.raises(oprf.InvalidInputError):
        oprf.blind(b"x" * (oprf.MAX_INPUT_BYTES + 1))


def test_key_repr_hides_the_secret():
    key = oprf.OprfKey.generate("oprf-1")
    assert key.secret.hex() not in repr(key)
    ring = oprf.OprfKeyring(key, (oprf.OprfKey.generate("oprf-0"),))
    assert ring.by_id("oprf-0") is ring.previous[0]
    assert ring.by_id("nope") is None
