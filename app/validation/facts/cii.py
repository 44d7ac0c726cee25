"""Facts of a CII invoice: invoice number, issue date, seller identifiers."""

from __future__ import annotations

import datetime as dt

from lxml import etree

from app.validation.report import Facts, OwnerIdentifier
from app.validation.rules.cii import select

#: ISO/IEC 6523 ICD values (EN 16931 ``schemeID`` of global ids) for well-known schemes.
_ICD_SCHEMES = {"0199": "LEI", "0060": "DUNS", "0088": "GLN"}
#: UN/CEFACT tax registration ``schemeID``: VA = VAT number, FC = fiscal (tax) number.
_TAX_SCHEMES = {"VA": "VAT", "FC": "TAX"}

_DOC = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument"
_SELLER = (
    "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction"
    "/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty"
)


def _date(element: etree._Element | None) -> dt.date | None:
    """``udt:DateTimeString`` in format 102 (CCYYMMDD), the only one EN 16931 allows."""
    if element is None or element.get("format", "102") != "102":
        return None
    text = (element.text or "").strip()
    try:
        if len(text) == 8 and text.isascii() and text.isdigit():
            # What strptime reads from eight digits, without its regular expressions.
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def extract(tree: etree._ElementTree) -> Facts:
    """Facts of a CII invoice document."""
    number = select(tree, _DOC + "/ram:ID")
    dates = select(tree, _DOC + "/ram:IssueDateTime/udt:DateTimeString")
    owners: list[OwnerIdentifier] = []
    for element in select(tree, _SELLER + "/ram:GlobalID"):
        icd = element.get("schemeID", "")
        owners.append(
            OwnerIdentifier(
                scheme=_ICD_SCHEMES.get(icd, f"ICD:{icd}"),
                value=(element.text or "").strip(),
                source=tree.getpath(element),
            )
        )
    for element in select(tree, _SELLER + "/ram:SpecifiedTaxRegistration/ram:ID"):
        scheme = element.get("schemeID", "")
        owners.append(
            OwnerIdentifier(
                scheme=_TAX_SCHEMES.get(scheme, "TAX"),
                value=(element.text or "").strip(),
                source=tree.getpath(element),
                kind=scheme or None,
            )
        )
    return Facts(
        reference=(number[0].text or "").strip() or None if number else None,
        document_date=_date(dates[0]) if dates else None,
        owner_identifiers=tuple(o for o in owners if o.value),
    )
