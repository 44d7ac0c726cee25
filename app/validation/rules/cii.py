"""EN 16931 rules on UN/CEFACT CII D16B invoices that matter to a lender.

Mandatory identification (BR-02, BR-03), parties (BR-06, BR-07), currency (BR-05, BR-CL-04),
totals present (BR-12 to BR-15) and totals that add up (BR-CO-10, BR-CO-13, BR-CO-15,
BR-CO-16), evaluated like the CEN/TC 434 Schematron: decimals, sums rounded to two places.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from lxml import etree

from app.validation.report import Severity
from app.validation.rules.base import Rule, Violation, XmlRule
from app.validation.rules.iso4217 import CURRENCY_CODES

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
_TRANSACTION = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction"
_AGREEMENT = _TRANSACTION + "/ram:ApplicableHeaderTradeAgreement"
_SETTLEMENT = _TRANSACTION + "/ram:ApplicableHeaderTradeSettlement"
_TOTALS = _SETTLEMENT + "/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
_LINE_NET = (
    _TRANSACTION + "/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement"
    "/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
)

Hits = Iterator[Violation[etree._Element]]


@functools.cache
def compiled(path: str) -> etree.XPath:
    """``path`` compiled once: compiling cost more than evaluating, on every invoice.

    lxml serialises concurrent calls of one XPath object, so request threads may share it.
    """
    return etree.XPath(path, namespaces=NS)


def select(tree: etree._ElementTree, path: str) -> list[etree._Element]:
    """The elements ``path`` selects in ``tree``."""
    found = compiled(path)(tree)
    return [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []


def _first(tree: etree._ElementTree, path: str) -> etree._Element | None:
    found = compiled(path)(tree)
    return found[0] if isinstance(found, list) and found else None


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _amount(element: etree._Element | None) -> Decimal:
    """``xs:decimal`` value of an amount element; absent counts as zero, as in the Schematron."""
    try:
        return Decimal(_text(element)) if _text(element) else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def xpath_round2(value: Decimal) -> Decimal:
    """``round(value * 100) div 100``: XPath ``round`` takes halves towards positive infinity."""
    return (value * 100 + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR) / 100


def _root(tree: etree._ElementTree) -> etree._Element:
    return tree.getroot()


Check = Callable[[etree._ElementTree], Hits]


def _required(path: str, parent: str, what: str) -> Check:
    """A check that the element at ``path`` exists and is not blank."""

    def check(tree: etree._ElementTree) -> Hits:
        if not _text(_first(tree, path)):
            anchor = _first(tree, parent)
            yield Violation(anchor if anchor is not None else _root(tree), f"{what} is missing")

    return check


def _currency_code(tree: etree._ElementTree) -> Hits:
    element = _first(tree, _SETTLEMENT + "/ram:InvoiceCurrencyCode")
    code = _text(element)
    if element is not None and code and code not in CURRENCY_CODES:
        yield Violation(element, f"{code!r} is not an ISO 4217 alpha-3 currency code")


def _total(tree: etree._ElementTree, name: str) -> Decimal:
    """The header monetary summation amount ``ram:<name>`` (absent counts as zero)."""
    return _amount(_first(tree, _TOTALS + "/ram:" + name))


def _adds_up(
    name: str, bt: str, how: str, expected: Callable[[etree._ElementTree], Decimal]
) -> Check:
    """A check that the total ``ram:<name>``, when present, equals ``expected(tree)``."""

    def check(tree: etree._ElementTree) -> Hits:
        element = _first(tree, _TOTALS + "/ram:" + name)
        if element is None:
            return
        want, actual = expected(tree), _amount(element)
        if actual != want:
            yield Violation(element, f"{bt} is {actual} but {how} gives {want}")

    return check


def _line_net_sum(tree: etree._ElementTree) -> Decimal:
    lines = select(tree, _LINE_NET)
    return xpath_round2(sum((_amount(e) for e in lines), Decimal(0)))


def _total_without_vat(tree: etree._ElementTree) -> Decimal:
    return xpath_round2(
        _total(tree, "LineTotalAmount")
        - _total(tree, "AllowanceTotalAmount")
        + _total(tree, "ChargeTotalAmount")
    )


def _total_with_vat(tree: etree._ElementTree) -> Decimal:
    currency = _text(_first(tree, _SETTLEMENT + "/ram:InvoiceCurrencyCode"))
    vat = [
        e for e in select(tree, _TOTALS + "/ram:TaxTotalAmount") if e.get("currencyID") == currency
    ]
    return xpath_round2(
        _total(tree, "TaxBasisTotalAmount") + (_amount(vat[0]) if vat else Decimal(0))
    )


def _amount_due(tree: etree._ElementTree) -> Decimal:
    return (
        _total(tree, "GrandTotalAmount")
        - _total(tree, "TotalPrepaidAmount")
        + _total(tree, "RoundingAmount")
    )


_DOC = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument"
E = Severity.ERROR

RULES: tuple[XmlRule, ...] = (
    Rule("BR-02", E, "invoice number", _required(_DOC + "/ram:ID", _DOC, "invoice number (BT-1)")),
    Rule(
        "BR-03",
        E,
        "invoice issue date",
        _required(
            _DOC + "/ram:IssueDateTime/udt:DateTimeString", _DOC, "invoice issue date (BT-2)"
        ),
    ),
    Rule(
        "BR-05",
        E,
        "invoice currency code",
        _required(
            _SETTLEMENT + "/ram:InvoiceCurrencyCode", _SETTLEMENT, "invoice currency code (BT-5)"
        ),
    ),
    Rule(
        "BR-06",
        E,
        "seller name",
        _required(_AGREEMENT + "/ram:SellerTradeParty/ram:Name", _AGREEMENT, "seller name (BT-27)"),
    ),
    Rule(
        "BR-07",
        E,
        "buyer name",
        _required(_AGREEMENT + "/ram:BuyerTradeParty/ram:Name", _AGREEMENT, "buyer name (BT-44)"),
    ),
    Rule(
        "BR-12",
        E,
        "sum of invoice line net amounts",
        _required(
            _TOTALS + "/ram:LineTotalAmount", _SETTLEMENT, "sum of invoice line net amount (BT-106)"
        ),
    ),
    Rule(
        "BR-13",
        E,
        "invoice total without VAT",
        _required(
            _TOTALS + "/ram:TaxBasisTotalAmount",
            _SETTLEMENT,
            "invoice total amount without VAT (BT-109)",
        ),
    ),
    Rule(
        "BR-14",
        E,
        "invoice total with VAT",
        _required(
            _TOTALS + "/ram:GrandTotalAmount", _SETTLEMENT, "invoice total amount with VAT (BT-112)"
        ),
    ),
    Rule(
        "BR-15",
        E,
        "amount due for payment",
        _required(
            _TOTALS + "/ram:DuePayableAmount", _SETTLEMENT, "amount due for payment (BT-115)"
        ),
    ),
    Rule("BR-CL-04", E, "ISO 4217 invoice currency", _currency_code),
    Rule(
        "BR-CO-10",
        E,
        "line net amounts add up",
        _adds_up(
            "LineTotalAmount",
            "sum of line net amounts (BT-106)",
            "the invoice lines (BT-131)",
            _line_net_sum,
        ),
    ),
    Rule(
        "BR-CO-13",
        E,
        "total without VAT adds up",
        _adds_up(
            "TaxBasisTotalAmount",
            "invoice total without VAT (BT-109)",
            "BT-106 - allowances (BT-107) + charges (BT-108)",
            _total_without_vat,
        ),
    ),
    Rule(
        "BR-CO-15",
        E,
        "total with VAT adds up",
        _adds_up(
            "GrandTotalAmount",
            "invoice total with VAT (BT-112)",
            "BT-109 + VAT total in invoice currency (BT-110)",
            _total_with_vat,
        ),
    ),
    Rule(
        "BR-CO-16",
        E,
        "amount due adds up",
        _adds_up(
            "DuePayableAmount",
            "amount due for payment (BT-115)",
            "BT-112 - paid amount (BT-113) + rounding amount (BT-114)",
            _amount_due,
        ),
    ),
)
