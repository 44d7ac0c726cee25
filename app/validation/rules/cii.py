"""EN 16931 rules on UN/CEFACT CII D16B invoices that matter to a lender.

Mandatory identification (BR-02, BR-03), parties (BR-06, BR-07), currency (BR-05, BR-CL-04),
totals present (BR-12 to BR-15) and totals that add up (BR-CO-10, BR-CO-13, BR-CO-15,
BR-CO-16), evaluated like the CEN/TC 434 Schematron: decimals, sums rounded to two places.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from lxml import etree

from app.validation.report import Severity
from app.validation.rules.base import Rule, Violation, XmlRuleSet
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


_DOC = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument"
_RAM = "{" + NS["ram"] + "}"


@dataclass(frozen=True, slots=True)
class Invoice:
    """An invoice read once for all the rules.

    Every header path the rules name goes through the same few ancestors (the exchanged
    document, the header agreement and settlement, the monetary summation): each is found
    once, and the rules look their children up instead of evaluating absolute paths again
    (each one scans the transaction's line items). Rules run on schema-valid invoices only,
    where each of these ancestors occurs at most once, so the first child under the one
    ancestor is the first match of the absolute path.
    """

    tree: etree._ElementTree
    document: etree._Element | None
    agreement: etree._Element | None
    settlement: etree._Element | None
    #: The first child of each name (``{ns}local``) of the header monetary summation.
    totals: dict[str, etree._Element]
    #: Every ``ram:TaxTotalAmount`` of the summation, in document order.
    tax_totals: list[etree._Element]

    @classmethod
    def read(cls, tree: etree._ElementTree) -> Invoice:
        """Find the header ancestors and the monetary summation's amounts."""
        summation = _first(tree, _TOTALS)
        totals: dict[str, etree._Element] = {}
        tax_totals: list[etree._Element] = []
        for child in summation if summation is not None else ():
            tag = child.tag
            if isinstance(tag, str):
                totals.setdefault(tag, child)
                if tag == _RAM + "TaxTotalAmount":
                    tax_totals.append(child)
        return cls(
            tree=tree,
            document=_first(tree, _DOC),
            agreement=_first(tree, _AGREEMENT),
            settlement=_first(tree, _SETTLEMENT),
            totals=totals,
            tax_totals=tax_totals,
        )

    def under(self, parent: etree._Element | None, path: str) -> etree._Element | None:
        """The first element the relative ``path`` selects below ``parent``."""
        if parent is None:
            return None
        found = compiled(path)(parent)
        return found[0] if isinstance(found, list) and found else None

    def total(self, name: str) -> etree._Element | None:
        """The header monetary summation amount ``ram:<name>``, if given."""
        return self.totals.get(_RAM + name)

    def currency(self) -> etree._Element | None:
        """The invoice currency code element (BT-5)."""
        return self.under(self.settlement, "ram:InvoiceCurrencyCode")


Check = Callable[[Invoice], Hits]
Find = Callable[[Invoice], "etree._Element | None"]


def _required(find: Find, anchor: Find, what: str) -> Check:
    """A check that the element ``find`` gives exists and is not blank."""

    def check(invoice: Invoice) -> Hits:
        if not _text(find(invoice)):
            at = anchor(invoice)
            yield Violation(at if at is not None else invoice.tree.getroot(), f"{what} is missing")

    return check


def _currency_code(invoice: Invoice) -> Hits:
    element = invoice.currency()
    code = _text(element)
    if element is not None and code and code not in CURRENCY_CODES:
        yield Violation(element, f"{code!r} is not an ISO 4217 alpha-3 currency code")


def _total(invoice: Invoice, name: str) -> Decimal:
    """The header monetary summation amount ``ram:<name>`` (absent counts as zero)."""
    return _amount(invoice.total(name))


def _adds_up(name: str, bt: str, how: str, expected: Callable[[Invoice], Decimal]) -> Check:
    """A check that the total ``ram:<name>``, when present, equals ``expected(invoice)``."""

    def check(invoice: Invoice) -> Hits:
        element = invoice.total(name)
        if element is None:
            return
        want, actual = expected(invoice), _amount(element)
        if actual != want:
            yield Violation(element, f"{bt} is {actual} but {how} gives {want}")

    return check


def _line_net_sum(invoice: Invoice) -> Decimal:
    lines = select(invoice.tree, _LINE_NET)
    return xpath_round2(sum((_amount(e) for e in lines), Decimal(0)))


def _total_without_vat(invoice: Invoice) -> Decimal:
    return xpath_round2(
        _total(invoice, "LineTotalAmount")
        - _total(invoice, "AllowanceTotalAmount")
        + _total(invoice, "ChargeTotalAmount")
    )


def _total_with_vat(invoice: Invoice) -> Decimal:
    currency = _text(invoice.currency())
    vat = [e for e in invoice.tax_totals if e.get("currencyID") == currency]
    return xpath_round2(
        _total(invoice, "TaxBasisTotalAmount") + (_amount(vat[0]) if vat else Decimal(0))
    )


def _amount_due(invoice: Invoice) -> Decimal:
    return (
        _total(invoice, "GrandTotalAmount")
        - _total(invoice, "TotalPrepaidAmount")
        + _total(invoice, "RoundingAmount")
    )


def _document(invoice: Invoice) -> etree._Element | None:
    return invoice.document


def _agreement(invoice: Invoice) -> etree._Element | None:
    return invoice.agreement


def _settlement(invoice: Invoice) -> etree._Element | None:
    return invoice.settlement


def _in(anchor: Find, path: str) -> Find:
    """The first element ``path`` selects below the ancestor ``anchor`` gives."""
    return lambda invoice: invoice.under(anchor(invoice), path)


def _summed(name: str) -> Find:
    return lambda invoice: invoice.total(name)


E = Severity.ERROR

RULES: tuple[Rule[Invoice, etree._Element], ...] = (
    Rule(
        "BR-02",
        E,
        "invoice number",
        _required(_in(_document, "ram:ID"), _document, "invoice number (BT-1)"),
    ),
    Rule(
        "BR-03",
        E,
        "invoice issue date",
        _required(
            _in(_document, "ram:IssueDateTime/udt:DateTimeString"),
            _document,
            "invoice issue date (BT-2)",
        ),
    ),
    Rule(
        "BR-05",
        E,
        "invoice currency code",
        _required(Invoice.currency, _settlement, "invoice currency code (BT-5)"),
    ),
    Rule(
        "BR-06",
        E,
        "seller name",
        _required(
            _in(_agreement, "ram:SellerTradeParty/ram:Name"), _agreement, "seller name (BT-27)"
        ),
    ),
    Rule(
        "BR-07",
        E,
        "buyer name",
        _required(
            _in(_agreement, "ram:BuyerTradeParty/ram:Name"), _agreement, "buyer name (BT-44)"
        ),
    ),
    Rule(
        "BR-12",
        E,
        "sum of invoice line net amounts",
        _required(
            _summed("LineTotalAmount"), _settlement, "sum of invoice line net amount (BT-106)"
        ),
    ),
    Rule(
        "BR-13",
        E,
        "invoice total without VAT",
        _required(
            _summed("TaxBasisTotalAmount"), _settlement, "invoice total amount without VAT (BT-109)"
        ),
    ),
    Rule(
        "BR-14",
        E,
        "invoice total with VAT",
        _required(
            _summed("GrandTotalAmount"), _settlement, "invoice total amount with VAT (BT-112)"
        ),
    ),
    Rule(
        "BR-15",
        E,
        "amount due for payment",
        _required(_summed("DuePayableAmount"), _settlement, "amount due for payment (BT-115)"),
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

RULE_SET = XmlRuleSet(read=Invoice.read, rules=RULES)
