"""Facts of a DCSA transport document: reference, document date, shipper identifiers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.validation.locations import pointer
from app.validation.report import Facts, OwnerIdentifier

#: DCSA ``codeListProvider`` values whose codes are a well-known identifier scheme.
_PROVIDER_SCHEMES = {"GLEIF": "LEI", "DNB": "DUNS", "W3C": "DID"}


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


#: The dates a transport document is dated by, the preferred first.
_DATE_KEYS = ("issueDate", "shippedOnBoardDate", "receivedForShipmentDate")


def _document_date(subject: dict[str, Any]) -> dt.date | None:
    for key in _DATE_KEYS:
        if (date := _date(subject.get(key))) is not None:
            return date
    return None


def _identifiers(shipper: dict[str, Any], at: str) -> list[OwnerIdentifier]:
    found: list[OwnerIdentifier] = []
    for i, code in enumerate(shipper.get("identifyingCodes") or ()):
        if not isinstance(code, dict) or not isinstance(code.get("partyCode"), str):
            continue
        provider = str(code.get("codeListProvider", ""))
        scheme = str(code.get("codeListName") or _PROVIDER_SCHEMES.get(provider) or provider)
        found.append(
            OwnerIdentifier(
                scheme=scheme.upper(),
                value=code["partyCode"],
                source=pointer(at, ("identifyingCodes", i)),
            )
        )
    for i, ref in enumerate(shipper.get("taxLegalReferences") or ()):
        if not isinstance(ref, dict) or not isinstance(ref.get("value"), str):
            continue
        kind = str(ref.get("type", "")).upper()
        found.append(
            OwnerIdentifier(
                scheme="EORI" if kind == "EORI" else "TAX",
                value=ref["value"],
                source=pointer(at, ("taxLegalReferences", i)),
                country=ref.get("countryCode") if isinstance(ref.get("countryCode"), str) else None,
                kind=kind or None,
            )
        )
    return found


def extract(subject: Any, *, at: str) -> Facts:
    """Facts of the transport document ``subject`` found at JSON Pointer ``at``."""
    if not isinstance(subject, dict):
        return Facts()
    reference = subject.get("transportDocumentReference")
    parties = subject.get("documentParties")
    shipper = parties.get("shipper") if isinstance(parties, dict) else None
    owners = (
        _identifiers(shipper, pointer(at, ("documentParties", "shipper")))
        if isinstance(shipper, dict)
        else []
    )
    return Facts(
        reference=reference if isinstance(reference, str) else None,
        document_date=_document_date(subject),
        owner_identifiers=tuple(owners),
    )
