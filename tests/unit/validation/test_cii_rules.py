"""Each EN 16931 rule id has an invoice that breaks exactly that rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from lxml import etree

from app.validation import validate
from app.validation.facts import cii as cii_facts
from app.validation.rules.cii import RULES, xpath_round2

SETTLEMENT_TOTALS = "ram:SpecifiedTradeSettlementHeaderMonetarySummation"


def _replace(raw: bytes, old: bytes, new: bytes) -> bytes:
    assert old in raw, old
    return raw.replace(old, new, 1)


def _drop(raw: bytes, start: bytes, end: bytes) -> bytes:
    """Remove the first element from ``start`` to ``end`` inclusive."""
    i = raw.index(start)
    j = raw.index(end, i) + len(end)
    return raw[:i] + raw[j:]


MUTATIONS = {
    "BR-02": lambda x: _replace(x, b"<ram:ID>12115118</ram:ID>", b"<ram:ID> </ram:ID>"),
    "BR-05": lambda x: _drop(x, b"<ram:InvoiceCurrencyCode>", b"</ram:InvoiceCurrencyCode>"),
    "BR-06": lambda x: _drop(x, b"<ram:Name>De Koksmaat</ram:Name>", b"</ram:Name>"),
    "BR-07": lambda x: _drop(x, b"<ram:Name>ODIN 59</ram:Name>", b"</ram:Name>"),
    "BR-CL-04": lambda x: _replace(
        x, b"<ram:InvoiceCurrencyCode>EUR<", b"<ram:InvoiceCurrencyCode>EUX<"
    ),
}


def test_official_example_breaks_no_rule(cii_example1: bytes) -> None:
    report = validate(cii_example1)
    assert report.valid and not report.warnings


def _rules(raw: bytes) -> set[str]:
    report = validate(raw)
    assert report.schema_valid, [e.message for e in report.errors]
    return {e.rule for e in report.errors}


def _totals(raw: bytes) -> dict[str, str]:
    from lxml import etree

    from app.validation.rules.cii import NS

    tree = etree.fromstring(raw)
    (totals,) = tree.iter(f"{{{NS['ram']}}}SpecifiedTradeSettlementHeaderMonetarySummation")
    return {etree.QName(e).localname: e.text for e in totals}


def _set_total(raw: bytes, name: str, value: str) -> bytes:
    totals = _totals(raw)
    start = raw.index(b"<ram:" + SETTLEMENT_TOTALS.split(":")[1].encode())
    head, tail = raw[:start], raw[start:]
    old = f">{totals[name]}</ram:{name}>".encode()
    return head + tail.replace(old, f">{value}</ram:{name}>".encode(), 1)


def test_missing_seller_name_breaks_br_06(cii_example1: bytes) -> None:
    assert _rules(MUTATIONS["BR-06"](cii_example1)) == {"BR-06"}


def test_missing_invoice_number_breaks_br_02(cii_example1: bytes) -> None:
    assert _rules(MUTATIONS["BR-02"](cii_example1)) == {"BR-02"}


def test_missing_currency_breaks_br_05(cii_example1: bytes) -> None:
    assert "BR-05" in _rules(MUTATIONS["BR-05"](cii_example1))


def test_unknown_currency_breaks_br_cl_04(cii_example1: bytes) -> None:
    # The VAT total is in the invoice currency, so BR-CO-15 also loses its VAT amount.
    assert "BR-CL-04" in _rules(MUTATIONS["BR-CL-04"](cii_example1))


def test_missing_buyer_name_breaks_br_07(cii_example1: bytes) -> None:
    assert _rules(MUTATIONS["BR-07"](cii_example1)) == {"BR-07"}


@pytest.mark.parametrize(
    ("total", "rule"),
    [
        ("LineTotalAmount", "BR-12"),
        ("TaxBasisTotalAmount", "BR-13"),
        ("GrandTotalAmount", "BR-14"),
        ("DuePayableAmount", "BR-15"),
    ],
)
def test_missing_document_total_breaks_its_br_rule(
    cii_example1: bytes, total: str, rule: str
) -> None:
    start = cii_example1.index(
        f"<ram:{total}".encode(), cii_example1.index(b"HeaderMonetarySummation")
    )
    end = cii_example1.index(f"</ram:{total}>".encode(), start) + len(f"</ram:{total}>")
    assert rule in _rules(cii_example1[:start] + cii_example1[end:])


@pytest.mark.parametrize(
    ("total", "rule"),
    [
        ("LineTotalAmount", "BR-CO-10"),
        ("TaxBasisTotalAmount", "BR-CO-13"),
        ("GrandTotalAmount", "BR-CO-15"),
        ("DuePayableAmount", "BR-CO-16"),
    ],
)
def test_total_that_does_not_add_up_breaks_its_co_rule(
    cii_example1: bytes, total: str, rule: str
) -> None:
    wrong = str(Decimal(_totals(cii_example1)[total]) + Decimal("0.01"))
    rules = _rules(_set_total(cii_example1, total, wrong))
    assert rule in rules


def test_co_rule_finding_locates_the_total_with_its_line(cii_example1: bytes) -> None:
    wrong = str(Decimal(_totals(cii_example1)["DuePayableAmount"]) + 1)
    report = validate(_set_total(cii_example1, "DuePayableAmount", wrong))
    (error,) = report.errors
    assert error.rule == "BR-CO-16"
    assert error.location.endswith(
        "/ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount"
    )
    assert b"DuePayableAmount" in cii_example1.splitlines()[error.line - 1]


def test_every_rule_id_has_a_negative_test() -> None:
    tested = {
        "BR-02",
        "BR-03",
        "BR-05",
        "BR-06",
        "BR-07",
        "BR-12",
        "BR-13",
        "BR-14",
        "BR-15",
        "BR-CL-04",
        "BR-CO-10",
        "BR-CO-13",
        "BR-CO-15",
        "BR-CO-16",
    }
    assert {rule.id for rule in RULES} == tested


def test_blank_issue_date_breaks_br_03(cii_example1: bytes) -> None:
    raw = _replace(
        cii_example1,
        b'<udt:DateTimeString format="102">20150109</udt:DateTimeString>',
        b'<udt:DateTimeString format="102"> </udt:DateTimeString>',
    )
    assert _rules(raw) == {"BR-03"}


@pytest.mark.parametrize(
    ("value", "rounded"),
    [("2.345", "2.35"), ("-2.345", "-2.34"), ("1.004", "1.00"), ("10", "10.00")],
)
def test_xpath_round_takes_halves_towards_positive_infinity(value: str, rounded: str) -> None:
    assert xpath_round2(Decimal(value)) == Decimal(rounded)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20240229", dt.date(2024, 2, 29)),
        (" 20241231 ", dt.date(2024, 12, 31)),
        ("20230229", None),
        ("20241301", None),
        ("20240010", None),
        ("2024-01-01", None),
        ("2024111", dt.date(2024, 11, 1)),
        ("\uff12\uff10\uff12\uff14\uff10\uff11\uff10\uff11", None),
        ("", None),
    ],
)
def test_issue_dates_in_format_102_read_as_strptime_reads_them(
    text: str, expected: dt.date | None
) -> None:
    element = etree.Element("DateTimeString", format="102")
    element.text = text
    assert cii_facts._date(element) == expected
    try:
        reference = dt.datetime.strptime(text.strip(), "%Y%m%d").date()
    except ValueError:
        reference = None
    assert reference == expected
