"""DCSA eBL 3.0.3 Transport Document rules the JSON Schema cannot express (R01-R18, W01-W03).

Each rule restates a condition written in the descriptions of DCSA's ``EBL_v3.0.3.yaml``.
W01-W03 are warnings because DCSA's own published examples break them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from app.validation.report import Severity
from app.validation.rules.base import JsonPath, JsonRule, Rule, Violation

TD = dict[str, Any]
Hits = Iterator[Violation[JsonPath]]

#: Statuses of a transport document that has been issued (and possibly surrendered since).
ISSUED_STATUSES = frozenset(
    {
        "ISSUED",
        "PENDING_SURRENDER_FOR_AMENDMENT",
        "SURRENDERED_FOR_AMENDMENT",
        "PENDING_SURRENDER_FOR_DELIVERY",
        "SURRENDERED_FOR_DELIVERY",
    }
)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _is_bol(td: TD) -> bool:
    return td.get("transportDocumentTypeCode") == "BOL"


def _to_order_is_bol(td: TD) -> Hits:
    if td.get("isToOrder") is True and td.get("transportDocumentTypeCode") == "SWB":
        yield Violation(
            ("isToOrder",), "a Sea Waybill cannot be issued to order: use a Bill of Lading"
        )


def _electronic_bol_one_original(td: TD) -> Hits:
    if td.get("isElectronic") is True and _is_bol(td):
        total = _count(td.get("numberOfOriginalsWithCharges")) + _count(
            td.get("numberOfOriginalsWithoutCharges")
        )
        if total > 1:
            yield Violation(
                ("numberOfOriginalsWithCharges",),
                f"an electronic Bill of Lading has at most one original, not {total}",
            )


def _electronic_bol_no_copies(td: TD) -> Hits:
    if td.get("isElectronic") is True and _is_bol(td):
        for key in ("numberOfCopiesWithCharges", "numberOfCopiesWithoutCharges"):
            if _count(td.get(key)) > 0:
                yield Violation((key,), "an electronic Bill of Lading has no copies")


def _swb_no_originals(td: TD) -> Hits:
    if td.get("transportDocumentTypeCode") == "SWB":
        for key in ("numberOfOriginalsWithCharges", "numberOfOriginalsWithoutCharges"):
            if _count(td.get(key)) > 0:
                yield Violation((key,), "a Sea Waybill has no originals")


def _one_shipment_date(td: TD) -> Hits:
    shipped = "shippedOnBoardDate" in td
    received = "receivedForShipmentDate" in td
    if shipped and received:
        yield Violation(
            ("receivedForShipmentDate",),
            "give either shippedOnBoardDate or receivedForShipmentDate, not both",
        )
    elif not (shipped or received) and td.get("transportDocumentStatus") in ISSUED_STATUSES:
        yield Violation(
            (),
            "an issued transport document needs shippedOnBoardDate or receivedForShipmentDate",
        )


def _date_matches_board_type(td: TD) -> Hits:
    on_board = td.get("isShippedOnBoardType")
    if on_board is False and "shippedOnBoardDate" in td:
        yield Violation(
            ("shippedOnBoardDate",),
            "a received-for-shipment document (isShippedOnBoardType false) carries "
            "receivedForShipmentDate, not shippedOnBoardDate",
        )
    if on_board is True and "receivedForShipmentDate" in td:
        yield Violation(
            ("receivedForShipmentDate",),
            "a shipped-on-board document (isShippedOnBoardType true) carries "
            "shippedOnBoardDate, not receivedForShipmentDate",
        )


def _both_or_neither(obj: dict[str, Any], path: JsonPath, value: str, unit: str) -> Hits:
    if (value in obj) != (unit in obj):
        present, missing = (value, unit) if value in obj else (unit, value)
        yield Violation((*path, present), f"{present} is given without {missing}")


def _declared_value_currency(td: TD) -> Hits:
    yield from _both_or_neither(td, (), "declaredValue", "declaredValueCurrency")


def _straight_has_consignee(td: TD) -> Hits:
    parties = _dict(td.get("documentParties"))
    if td.get("isToOrder") is False and "consignee" not in parties:
        yield Violation(
            ("documentParties",), "a straight (not to order) document must name its consignee"
        )


def _straight_has_no_endorsee(td: TD) -> Hits:
    parties = _dict(td.get("documentParties"))
    if td.get("isToOrder") is False and "endorsee" in parties:
        yield Violation(
            ("documentParties", "endorsee"),
            "a straight (not to order) document cannot have an endorsee",
        )


def _equipment_references(td: TD) -> list[tuple[JsonPath, str]]:
    return [
        (("utilizedTransportEquipments", i, "equipment", "equipmentReference"), ref)
        for i, ute in enumerate(_list(td.get("utilizedTransportEquipments")))
        if isinstance(ref := _dict(_dict(ute).get("equipment")).get("equipmentReference"), str)
    ]


def _cargo_equipment_known(td: TD) -> Hits:
    known = {ref for _, ref in _equipment_references(td)}
    for i, item in enumerate(_list(td.get("consignmentItems"))):
        for j, cargo in enumerate(_list(_dict(item).get("cargoItems"))):
            ref = _dict(cargo).get("equipmentReference")
            if isinstance(ref, str) and ref not in known:
                yield Violation(
                    ("consignmentItems", i, "cargoItems", j, "equipmentReference"),
                    f"cargo is stowed in equipment {ref!r}, which is not among "
                    "utilizedTransportEquipments",
                )


def _equipment_unique(td: TD) -> Hits:
    seen: set[str] = set()
    for path, ref in _equipment_references(td):
        if ref in seen:
            yield Violation(path, f"equipment {ref!r} is listed more than once")
        seen.add(ref)


def _pre_carriage_place(td: TD) -> Hits:
    transports = _dict(td.get("transports"))
    if "preCarriageBy" in transports and "placeOfReceipt" not in transports:
        yield Violation(("transports", "preCarriageBy"), "pre-carriage needs a placeOfReceipt")


def _on_carriage_place(td: TD) -> Hits:
    transports = _dict(td.get("transports"))
    if "onCarriageBy" in transports and "placeOfDelivery" not in transports:
        yield Violation(("transports", "onCarriageBy"), "on-carriage needs a placeOfDelivery")


def _setpoint_units(td: TD) -> Hits:
    for i, ute in enumerate(_list(td.get("utilizedTransportEquipments"))):
        settings = _dict(_dict(ute).get("activeReeferSettings"))
        path: JsonPath = ("utilizedTransportEquipments", i, "activeReeferSettings")
        yield from _both_or_neither(settings, path, "temperatureSetpoint", "temperatureUnit")
        yield from _both_or_neither(settings, path, "airExchangeSetpoint", "airExchangeUnit")


def is_reefer_code(iso_code: str) -> bool:
    """ISO 6346 size-type (``45R1``) or type-group (``45RT``) code of a thermal container."""
    return len(iso_code) == 4 and iso_code[2] == "R"


def _reefer_settings(td: TD) -> Hits:
    for i, raw in enumerate(_list(td.get("utilizedTransportEquipments"))):
        ute = _dict(raw)
        path: JsonPath = ("utilizedTransportEquipments", i)
        iso_code = _dict(ute.get("equipment")).get("ISOEquipmentCode")
        non_operating = ute.get("isNonOperatingReefer")
        has_settings = "activeReeferSettings" in ute
        if isinstance(iso_code, str) and not is_reefer_code(iso_code):
            for key in ("isNonOperatingReefer", "activeReeferSettings"):
                if key in ute:
                    yield Violation(
                        (*path, key), f"{key} applies only to reefers, not to {iso_code}"
                    )
            continue
        if isinstance(iso_code, str) and non_operating is None:
            yield Violation(
                (*path, "equipment", "ISOEquipmentCode"),
                f"reefer {iso_code} must state isNonOperatingReefer",
            )
        if non_operating is True and has_settings:
            yield Violation(
                (*path, "activeReeferSettings"),
                "a non-operating reefer has no activeReeferSettings",
            )
        if non_operating is False and not has_settings:
            yield Violation(
                (*path, "isNonOperatingReefer"), "an operating reefer needs activeReeferSettings"
            )


def _dangerous_goods_packaging(td: TD) -> Hits:
    for i, item in enumerate(_list(td.get("consignmentItems"))):
        for j, cargo in enumerate(_list(_dict(item).get("cargoItems"))):
            packaging = _dict(_dict(cargo).get("outerPackaging"))
            if _list(packaging.get("dangerousGoods")) and not (
                "packageCode" in packaging or "imoPackagingCode" in packaging
            ):
                yield Violation(
                    ("consignmentItems", i, "cargoItems", j, "outerPackaging"),
                    "dangerous goods need a packageCode or an imoPackagingCode",
                )


def _party_functions_unique(td: TD) -> Hits:
    others = _list(_dict(td.get("documentParties")).get("other"))
    counts = Counter(_dict(o).get("partyFunction") for o in others)
    for i, other in enumerate(others):
        function = _dict(other).get("partyFunction")
        if counts[function] > 1:
            counts[function] = 0
            yield Violation(
                ("documentParties", "other", i, "partyFunction"),
                f"party function {function!r} appears more than once",
            )


def _reference_lists(td: TD) -> Iterator[tuple[JsonPath, list[Any]]]:
    """Every list of (countryCode, type) references: customs and tax/legal references."""
    yield ("customsReferences",), _list(td.get("customsReferences"))
    for i, item in enumerate(_list(td.get("consignmentItems"))):
        yield (
            ("consignmentItems", i, "customsReferences"),
            _list(_dict(item).get("customsReferences")),
        )
    for i, ute in enumerate(_list(td.get("utilizedTransportEquipments"))):
        yield (
            ("utilizedTransportEquipments", i, "customsReferences"),
            _list(_dict(ute).get("customsReferences")),
        )
    for path, party in _parties(td):
        yield (*path, "taxLegalReferences"), _list(party.get("taxLegalReferences"))


def _references_unique(td: TD) -> Hits:
    for path, references in _reference_lists(td):
        seen: set[tuple[object, object]] = set()
        for i, reference in enumerate(references):
            key = (_dict(reference).get("countryCode"), _dict(reference).get("type"))
            if key in seen:
                yield Violation(
                    (*path, i), f"reference type {key[1]!r} for country {key[0]!r} is repeated"
                )
            seen.add(key)


def _parties(td: TD) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    """Every party object of the document with its path."""
    parties = _dict(td.get("documentParties"))
    for key, value in parties.items():
        if key == "notifyParties":
            for i, party in enumerate(_list(value)):
                yield ("documentParties", key, i), _dict(party)
        elif key == "other":
            for i, other in enumerate(_list(value)):
                yield ("documentParties", key, i, "party"), _dict(_dict(other).get("party"))
        elif isinstance(value, dict):
            yield ("documentParties", key), value


def _issued_has_issue_date(td: TD) -> Hits:
    if td.get("transportDocumentStatus") in ISSUED_STATUSES and "issueDate" not in td:
        yield Violation(("transportDocumentStatus",), "an issued document should have issueDate")


def _to_order_has_notify_party(td: TD) -> Hits:
    if td.get("isToOrder") is True and not _list(
        _dict(td.get("documentParties")).get("notifyParties")
    ):
        yield Violation(
            ("documentParties",), "a to-order Bill of Lading should name a notify party"
        )


#: Parties whose DCSA schema says "either the address or a party identifyingCode".
_ADDRESSABLE = frozenset({"shipper", "onBehalfOfShipper", "notifyParties", "other"})


def _party_identified(td: TD) -> Hits:
    for path, party in _parties(td):
        if path[1] not in _ADDRESSABLE:
            continue
        if not ({"address", "addressLines"} & party.keys() or party.get("identifyingCodes")):
            yield Violation(path, "the party should have an address or an identifying code")


E, W = Severity.ERROR, Severity.WARNING

RULES: tuple[JsonRule, ...] = (
    Rule("R01", E, "to-order documents are Bills of Lading, not Sea Waybills", _to_order_is_bol),
    Rule("R02", E, "electronic BL: at most one original", _electronic_bol_one_original),
    Rule("R03", E, "electronic BL: no copies", _electronic_bol_no_copies),
    Rule("R04", E, "Sea Waybill: no originals", _swb_no_originals),
    Rule("R05", E, "exactly one shipment date on an issued BL", _one_shipment_date),
    Rule("R06", E, "shipment date matches isShippedOnBoardType", _date_matches_board_type),
    Rule("R07", E, "declaredValue if and only if its currency", _declared_value_currency),
    Rule("R08", E, "straight BL names its consignee", _straight_has_consignee),
    Rule("R09", E, "straight BL has no endorsee", _straight_has_no_endorsee),
    Rule("R10", E, "cargo equipment is a utilized equipment", _cargo_equipment_known),
    Rule("R11", E, "utilized equipment references are unique", _equipment_unique),
    Rule("R12", E, "pre-carriage needs a place of receipt", _pre_carriage_place),
    Rule("R13", E, "on-carriage needs a place of delivery", _on_carriage_place),
    Rule("R14", E, "reefer setpoints come with their units", _setpoint_units),
    Rule("R15", E, "reefer settings agree with the ISO code", _reefer_settings),
    Rule("R16", E, "dangerous goods have a package code", _dangerous_goods_packaging),
    Rule("R17", E, "party functions are unique", _party_functions_unique),
    Rule("R18", E, "(countryCode, type) references are unique", _references_unique),
    Rule("W01", W, "issued documents have an issueDate", _issued_has_issue_date),
    Rule("W02", W, "to-order BLs name a notify party", _to_order_has_notify_party),
    Rule("W03", W, "parties have an address or identifying code", _party_identified),
)
