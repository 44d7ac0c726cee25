"""Fingerprints: equal-meaning variants give one fingerprint, keys make them unguessable."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from app.domain.fingerprints import (
    Definition,
    Field,
    FingerprintError,
    FingerprintKey,
    FingerprintSet,
    MatchKind,
    Part,
    fingerprint,
    normalise_amount,
    normalise_code,
    normalise_currency,
    normalise_date,
    normalise_name,
    normalise_reference,
)

KEY = FingerprintKey("fp-a", b"a" * 32)
OTHER_KEY = FingerprintKey("fp-b", b"b" * 32)

BL = FingerprintSet(
    name="test.bl",
    syntax="json",
    namespaces={},
    definitions=(
        Definition(
            "bl",
            MatchKind.DUPLICATE,
            (
                Field("carrier", "/carrier", "code"),
                Field("reference", "/reference", "reference"),
            ),
        ),
        Definition(
            "equipment-voyage",
            MatchKind.SIMILAR,
            (
                Field("equipment", "/equipment/*", "reference"),
                Field(
                    "voyage",
                    "/voyages/*",
                    parts=(Part("/vessel", "name"), Part("/voyage", "reference")),
                ),
            ),
        ),
    ),
)


@pytest.mark.parametrize(
    ("variants", "normaliser"),
    [
        (["MAEU", " maeu ", "Maeu", "M-A-E-U"], normalise_code),
        (["HHL71800000", "hhl71800000", " HHL 718 00000 ", "HHL-71800000"], normalise_reference),
        (["INV-000123", "inv 123", "INV/0123", "ＩＮＶ１２３"], normalise_reference),
        (["MSC Gülsün", "msc gulsun", " MSC  GÜLSÜN ", "MSC-Gulsun"], normalise_name),
        (["2026-11-07", "20261107", "2026-11-07T23:59:00+05:00", " 2026-11-07 "], normalise_date),
        (["1250.50", "1,250.5", "1250.500", "0001250.50", "1.2505E3"], normalise_amount),
        (["eur", "EUR", " Eur "], normalise_currency),
    ],
)
def test_equal_meaning_variants_normalise_to_one_value(variants, normaliser) -> None:  # type: ignore[no-untyped-def]
    assert len({normaliser(v) for v in variants}) == 1
    assert normaliser(variants[0]) is not None


@pytest.mark.parametrize(
    ("normaliser", "a", "b"),
    [
        (normalise_reference, "INV-10", "INV-100"),
        (normalise_reference, "A1B2", "A12B"),
        (normalise_date, "2026-11-07", "2026-11-08"),
        (normalise_amount, "1250.5", "1250.05"),
        (normalise_name, "MSC GULSUN", "MSC GULSUN II"),
    ],
)
def test_different_meanings_stay_different(normaliser, a, b) -> None:  # type: ignore[no-untyped-def]
    assert normaliser(a) != normaliser(b)


@pytest.mark.parametrize(
    ("normaliser", "text"),
    [
        (normalise_date, "07/11/2026"),
        (normalise_date, "2026-02-30"),
        (normalise_amount, "NaN"),
        (normalise_amount, "Infinity"),
        (normalise_amount, "twelve"),
        (normalise_currency, "EURO"),
        (normalise_code, " - "),
    ],
)
def test_unreadable_values_are_no_value(normaliser, text) -> None:  # type: ignore[no-untyped-def]
    assert normaliser(text) is None


def test_zero_has_one_form() -> None:
    assert {normalise_amount(v) for v in ("0", "-0", "0.00", "-0.0")} == {"0"}


def _raw(carrier: str, reference: str) -> dict[str, list[list[str | None]]]:
    return {
        "carrier": [[carrier]],
        "reference": [[reference]],
        "equipment": [["MSKU 000123-4"], ["TGHU1234567"]],
        "voyage": [["Maersk Kowloon", "0402E"], ["Maersk Kowloon", None]],
    }


def test_formatting_differences_give_the_same_fingerprints() -> None:
    first, _ = fingerprint(BL, _raw("MAEU", "HHL71800000"), [KEY])
    second, _ = fingerprint(BL, _raw(" maeu", "hhl-718-00000"), [KEY])
    assert first == second
    # Two containers on one voyage (the second voyage lacks its number): two pairs.
    assert [f.definition for f in first] == ["bl", "equipment-voyage", "equipment-voyage"]


def test_a_fingerprint_is_an_hmac_under_the_key_never_a_bare_hash() -> None:
    (bl, *_), _ = fingerprint(BL, _raw("MAEU", "HHL71800000"), [KEY])
    message = b'["tradegate-fingerprint/1","test.bl","bl","MAEU","HHL71800000"]'
    assert bl.value == hmac.new(KEY.secret, message, hashlib.sha256).hexdigest()
    assert bl.value != hashlib.sha256(message).hexdigest()
    assert bl.key_id == "fp-a"


def test_another_key_gives_other_fingerprints_with_its_key_id() -> None:
    under_a, _ = fingerprint(BL, _raw("MAEU", "HHL71800000"), [KEY])
    under_both, _ = fingerprint(BL, _raw("MAEU", "HHL71800000"), [KEY, OTHER_KEY])
    assert {f.key_id for f in under_both} == {"fp-a", "fp-b"}
    assert not {f.value for f in under_a} & {f.value for f in under_both if f.key_id == "fp-b"}


def test_a_definition_missing_a_field_is_reported_not_guessed() -> None:
    raw = _raw("MAEU", "HHL71800000")
    raw["equipment"] = []
    found, missing = fingerprint(BL, raw, [KEY])
    assert [f.definition for f in found] == ["bl"]
    assert missing == {"equipment-voyage": ("equipment",)}


def test_an_optional_part_may_be_absent() -> None:
    seller = Field(
        "seller",
        "/ids/*",
        parts=(Part("/scheme", "code", optional=True), Part("/id", "reference")),
    )
    invoice = FingerprintSet(
        "test.invoice", "json", (Definition("invoice", MatchKind.DUPLICATE, (seller,)),), {}
    )
    found, _ = fingerprint(
        invoice, {"seller": [[None, "DK16356706"], ["VA", "DK 1635 6706"]]}, [KEY]
    )
    assert len(found) == 2


def test_a_hostile_document_cannot_multiply_fingerprints_without_bound() -> None:
    raw = _raw("MAEU", "HHL71800000")
    raw["equipment"] = [[f"EQ{i}"] for i in range(100)]
    raw["voyage"] = [[f"V{i}", str(i)] for i in range(100)]
    found, _ = fingerprint(BL, raw, [KEY])
    assert len([f for f in found if f.definition == "equipment-voyage"]) == 256


def test_a_set_without_a_duplicate_definition_is_refused() -> None:
    with pytest.raises(FingerprintError, match="no duplicate"):
        FingerprintSet("x", "json", (Definition("d", MatchKind.SIMILAR, ()),), {})


def test_an_unknown_normaliser_is_refused() -> None:
    field = Field("f", "/f", "soundex")
    with pytest.raises(FingerprintError, match="soundex"):
        FingerprintSet("x", "json", (Definition("d", MatchKind.DUPLICATE, (field,)),), {})


def test_a_short_key_is_refused_and_never_printed() -> None:
    with pytest.raises(FingerprintError, match="32 bytes"):
        FingerprintKey("fp-short", b"short")
    assert "a" * 32 not in repr(KEY)
