"""DCSA eBL 3.0.3 Transport Document rules the JSON Schema cannot express (R01-R22, W01-W05).

Each rule restates a condition written in the descriptions of DCSA's ``EBL_v3.0.3.yaml``;
``schemas/README.md`` maps every ``**Condition:**`` sentence there to its rule, or says why it
has none. W01-W03 are warnings because DCSA's own published examples break them; W04 and W05
because the specification itself leaves room (carriers may allow more lines; a document need
not name the mode of a pre- or on-carriage the carrier organises).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeGuard

from app.validation.report import Severity
from app.validation.rules.base import JsonPath, JsonRuleSet, Rule, Violation

TD = dict[str, Any]
#: What a rule gives: a list (or the shared empty tuple) when it complains at most once or
#: twice, a generator when it walks a list. A call that returns ``()`` costs a fraction of
#: creating and exhausting a generator, and most rules find nothing on most documents.
Hits = Iterable[Violation[JsonPath]]
_NONE: tuple[()] = ()

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


def _can_repeat(references: object) -> TypeGuard[list[Any]]:
    return isinstance(references, list) and len(references) > 1


def _objects(value: object) -> list[tuple[int, TD]]:
    """The objects of the list ``value``, each with its index in that list."""
    return [(i, v) for i, v in enumerate(_list(value)) if isinstance(v, dict)]


@dataclass(slots=True)
class TransportDocument:
    """A transport document read once for all the rules.

    Several rules visit the same lists (equipment, cargo items, parties); they are gathered
    here in one walk, so no rule walks the document again. Entries keep their indexes: paths
    are built only for a violation. Rules run only on schema-valid documents, yet a member of
    an unexpected type still reads as absent rather than failing the intake.
    """

    fields: TD
    parties: TD
    transports: TD
    #: ``(consignment item index, cargo item index, cargo item)`` for every cargo item.
    cargo_items: list[tuple[int, int, TD]]
    #: ``(index, utilized equipment, its equipment object)`` of each utilized equipment the
    #: reefer rules look at: one with a reefer ISO code or with reefer members (wrong on a dry
    #: container). Most shipments are dry containers without them: nothing left to walk.
    reefer_equipment: list[tuple[int, TD, TD]]
    #: ``(index, equipmentReference)`` of each utilized equipment that has one.
    equipment_references: list[tuple[int, str]]
    #: Every party object (shipper, notify parties, other parties' ``party``...) with its path.
    all_parties: list[tuple[JsonPath, TD]]
    #: ``(consignment item index, cargo item index, outer packaging, holds dangerous goods)``.
    packagings: list[tuple[int, int, TD, bool]]
    #: Every list of (countryCode, type) references long enough to repeat one, with its path:
    #: customs references (document, consignment items, equipment), then parties' tax and
    #: legal references.
    reference_lists: list[tuple[JsonPath, list[Any]]]

    @classmethod
    def read(cls, subject: object) -> TransportDocument:
        """Gather what the rules need from a parsed transport document, in one pass over its
        cargo and one over its equipment (plain loops: this runs on every document)."""
        td = _dict(subject)
        parties = _dict(td.get("documentParties"))
        references: list[tuple[JsonPath, list[Any]]] = []
        if _can_repeat(customs := td.get("customsReferences")):
            references.append((("customsReferences",), customs))
        cargo_items: list[tuple[int, int, TD]] = []
        packagings: list[tuple[int, int, TD, bool]] = []
        for i, item in enumerate(_list(td.get("consignmentItems"))):
            if not isinstance(item, dict):
                continue
            if _can_repeat(customs := item.get("customsReferences")):
                references.append((("consignmentItems", i, "customsReferences"), customs))
            cargos = item.get("cargoItems")
            if not isinstance(cargos, list):
                continue
            for j, cargo in enumerate(cargos):
                if not isinstance(cargo, dict):
                    continue
                cargo_items.append((i, j, cargo))
                packaging = cargo.get("outerPackaging")
                if not isinstance(packaging, dict):
                    packaging = {}
                dangerous = packaging.get("dangerousGoods")
                packagings.append(
                    (i, j, packaging, isinstance(dangerous, list) and bool(dangerous))
                )
        reefer_equipment: list[tuple[int, TD, TD]] = []
        equipment_references: list[tuple[int, str]] = []
        for i, ute in enumerate(_list(td.get("utilizedTransportEquipments"))):
            if not isinstance(ute, dict):
                continue
            unit = ute.get("equipment")
            if not isinstance(unit, dict):
                unit = {}
            if (
                "activeReeferSettings" in ute
                or "isNonOperatingReefer" in ute
                or (
                    isinstance(iso_code := unit.get("ISOEquipmentCode"), str)
                    and is_reefer_code(iso_code)
                )
            ):
                reefer_equipment.append((i, ute, unit))
            if isinstance(ref := unit.get("equipmentReference"), str):
                equipment_references.append((i, ref))
            if _can_repeat(customs := ute.get("customsReferences")):
                references.append((_equipment_path(i, "customsReferences"), customs))
        all_parties = list(_parties(parties))
        for path, party in all_parties:
            if _can_repeat(tax := party.get("taxLegalReferences")):
                references.append(((*path, "taxLegalReferences"), tax))
        return cls(
            fields=td,
            parties=parties,
            transports=_dict(td.get("transports")),
            cargo_items=cargo_items,
            reefer_equipment=reefer_equipment,
            equipment_references=equipment_references,
            all_parties=all_parties,
            packagings=packagings,
            reference_lists=references,
        )


def _parties(parties: TD) -> Iterator[tuple[JsonPath, TD]]:
    """Every party object of ``documentParties`` with its path."""
    for key, value in parties.items():
        if key == "notifyParties":
            for i, party in _objects(value):
                yield ("documentParties", key, i), party
        elif key == "other":
            for i, other in _objects(value):
                yield ("documentParties", key, i, "party"), _dict(other.get("party"))
        elif isinstance(value, dict):
            yield ("documentParties", key), value


def _cargo_path(item: int, cargo: int, *rest: str) -> JsonPath:
    return ("consignmentItems", item, "cargoItems", cargo, *rest)


def _equipment_path(index: int, *rest: str) -> JsonPath:
    return ("utilizedTransportEquipments", index, *rest)


def _is_bol(td: TD) -> bool:
    return td.get("transportDocumentTypeCode") == "BOL"


def _to_order_is_bol(doc: TransportDocument) -> Hits:
    td = doc.fields
    if td.get("isToOrder") is True and td.get("transportDocumentTypeCode") == "SWB":
        return [
            Violation(
                ("isToOrder",), "a Sea Waybill cannot be issued to order: use a Bill of Lading"
            )
        ]
    return _NONE


def _electronic_bol_one_original(doc: TransportDocument) -> Hits:
    td = doc.fields
    if td.get("isElectronic") is True and _is_bol(td):
        total = _count(td.get("numberOfOriginalsWithCharges")) + _count(
            td.get("numberOfOriginalsWithoutCharges")
        )
        if total > 1:
            return [
                Violation(
                    ("numberOfOriginalsWithCharges",),
                    f"an electronic Bill of Lading has at most one original, not {total}",
                )
            ]
    return _NONE


def _electronic_bol_no_copies(doc: TransportDocument) -> Hits:
    td = doc.fields
    if td.get("isElectronic") is True and _is_bol(td):
        return [
            Violation((key,), "an electronic Bill of Lading has no copies")
            for key in ("numberOfCopiesWithCharges", "numberOfCopiesWithoutCharges")
            if _count(td.get(key)) > 0
        ]
    return _NONE


def _swb_no_originals(doc: TransportDocument) -> Hits:
    td = doc.fields
    if td.get("transportDocumentTypeCode") == "SWB":
        return [
            Violation((key,), "a Sea Waybill has no originals")
            for key in ("numberOfOriginalsWithCharges", "numberOfOriginalsWithoutCharges")
            if _count(td.get(key)) > 0
        ]
    return _NONE


def _one_shipment_date(doc: TransportDocument) -> Hits:
    td = doc.fields
    shipped = "shippedOnBoardDate" in td
    received = "receivedForShipmentDate" in td
    if shipped and received:
        return [
            Violation(
                ("receivedForShipmentDate",),
                "give either shippedOnBoardDate or receivedForShipmentDate, not both",
            )
        ]
    if not (shipped or received) and td.get("transportDocumentStatus") in ISSUED_STATUSES:
        return [
            Violation(
                (),
                "an issued transport document needs shippedOnBoardDate or receivedForShipmentDate",
            )
        ]
    return _NONE


def _date_matches_board_type(doc: TransportDocument) -> Hits:
    td = doc.fields
    on_board = td.get("isShippedOnBoardType")
    if on_board is False and "shippedOnBoardDate" in td:
        return [
            Violation(
                ("shippedOnBoardDate",),
                "a received-for-shipment document (isShippedOnBoardType false) carries "
                "receivedForShipmentDate, not shippedOnBoardDate",
            )
        ]
    if on_board is True and "receivedForShipmentDate" in td:
        return [
            Violation(
                ("receivedForShipmentDate",),
                "a shipped-on-board document (isShippedOnBoardType true) carries "
                "shippedOnBoardDate, not receivedForShipmentDate",
            )
        ]
    return _NONE


def _both_or_neither(obj: dict[str, Any], path: JsonPath, value: str, unit: str) -> Hits:
    if (value in obj) != (unit in obj):
        present, missing = (value, unit) if value in obj else (unit, value)
        return [Violation((*path, present), f"{present} is given without {missing}")]
    return _NONE


def _declared_value_currency(doc: TransportDocument) -> Hits:
    return _both_or_neither(doc.fields, (), "declaredValue", "declaredValueCurrency")


def _straight_has_consignee(doc: TransportDocument) -> Hits:
    if doc.fields.get("isToOrder") is False and "consignee" not in doc.parties:
        return [
            Violation(
                ("documentParties",), "a straight (not to order) document must name its consignee"
            )
        ]
    return _NONE


def _straight_has_no_endorsee(doc: TransportDocument) -> Hits:
    if doc.fields.get("isToOrder") is False and "endorsee" in doc.parties:
        return [
            Violation(
                ("documentParties", "endorsee"),
                "a straight (not to order) document cannot have an endorsee",
            )
        ]
    return _NONE


def _cargo_equipment_known(doc: TransportDocument) -> Hits:
    known = {ref for _, ref in doc.equipment_references}
    for i, j, cargo in doc.cargo_items:
        ref = cargo.get("equipmentReference")
        if isinstance(ref, str) and ref not in known:
            yield Violation(
                _cargo_path(i, j, "equipmentReference"),
                f"cargo is stowed in equipment {ref!r}, which is not among "
                "utilizedTransportEquipments",
            )


def _equipment_unique(doc: TransportDocument) -> Hits:
    references = doc.equipment_references
    if len({ref for _, ref in references}) == len(references):
        return _NONE
    seen: set[str] = set()
    repeated: list[Violation[JsonPath]] = []
    for i, ref in references:
        if ref in seen:
            repeated.append(
                Violation(
                    _equipment_path(i, "equipment", "equipmentReference"),
                    f"equipment {ref!r} is listed more than once",
                )
            )
        seen.add(ref)
    return repeated


def _pre_carriage_place(doc: TransportDocument) -> Hits:
    if "preCarriageBy" in doc.transports and "placeOfReceipt" not in doc.transports:
        return [Violation(("transports", "preCarriageBy"), "pre-carriage needs a placeOfReceipt")]
    return _NONE


def _on_carriage_place(doc: TransportDocument) -> Hits:
    if "onCarriageBy" in doc.transports and "placeOfDelivery" not in doc.transports:
        return [Violation(("transports", "onCarriageBy"), "on-carriage needs a placeOfDelivery")]
    return _NONE


def _setpoint_units(doc: TransportDocument) -> Hits:
    for i, ute, _ in doc.reefer_equipment:
        settings = ute.get("activeReeferSettings")
        if isinstance(settings, dict):
            at = _equipment_path(i, "activeReeferSettings")
            yield from _both_or_neither(settings, at, "temperatureSetpoint", "temperatureUnit")
            yield from _both_or_neither(settings, at, "airExchangeSetpoint", "airExchangeUnit")


def is_reefer_code(iso_code: str) -> bool:
    """ISO 6346 size-type (``45R1``) or type-group (``45RT``) code of a thermal container."""
    return len(iso_code) == 4 and iso_code[2] == "R"


def _reefer_settings(doc: TransportDocument) -> Hits:
    # Equipment left out of reefer_equipment has a non-reefer code (or none) and neither
    # member: nothing below applies to it.
    for i, ute, unit in doc.reefer_equipment:
        iso_code = unit.get("ISOEquipmentCode")
        non_operating = ute.get("isNonOperatingReefer")
        has_settings = "activeReeferSettings" in ute
        if isinstance(iso_code, str) and not is_reefer_code(iso_code):
            for key in ("isNonOperatingReefer", "activeReeferSettings"):
                if key in ute:
                    yield Violation(
                        _equipment_path(i, key), f"{key} applies only to reefers, not to {iso_code}"
                    )
            continue
        if isinstance(iso_code, str) and non_operating is None:
            yield Violation(
                _equipment_path(i, "equipment", "ISOEquipmentCode"),
                f"reefer {iso_code} must state isNonOperatingReefer",
            )
        if non_operating is True and has_settings:
            yield Violation(
                _equipment_path(i, "activeReeferSettings"),
                "a non-operating reefer has no activeReeferSettings",
            )
        if non_operating is False and not has_settings:
            yield Violation(
                _equipment_path(i, "isNonOperatingReefer"),
                "an operating reefer needs activeReeferSettings",
            )


def _dangerous_goods_packaging(doc: TransportDocument) -> Hits:
    for i, j, packaging, dangerous in doc.packagings:
        if dangerous and not ("packageCode" in packaging or "imoPackagingCode" in packaging):
            yield Violation(
                _cargo_path(i, j, "outerPackaging"),
                "dangerous goods need a packageCode or an imoPackagingCode",
            )


def _party_functions_unique(doc: TransportDocument) -> Hits:
    others = _objects(doc.parties.get("other"))
    if len(others) < 2:
        return
    counts = Counter(other.get("partyFunction") for _, other in others)
    for i, other in others:
        function = other.get("partyFunction")
        if counts[function] > 1:
            counts[function] = 0
            yield Violation(
                ("documentParties", "other", i, "partyFunction"),
                f"party function {function!r} appears more than once",
            )


def _references_unique(doc: TransportDocument) -> Hits:
    for path, references in doc.reference_lists:
        seen: set[tuple[object, object]] = set()
        for i, reference in enumerate(references):
            key = (_dict(reference).get("countryCode"), _dict(reference).get("type"))
            if key in seen:
                yield Violation(
                    (*path, i), f"reference type {key[1]!r} for country {key[0]!r} is repeated"
                )
            seen.add(key)


def _consignee_or_endorsee(doc: TransportDocument) -> Hits:
    # On a straight document the endorsee is wrong by itself (R09); say it once.
    if (
        doc.fields.get("isToOrder") is not False
        and "consignee" in doc.parties
        and "endorsee" in doc.parties
    ):
        return [
            Violation(
                ("documentParties", "endorsee"),
                "consignee and endorsee are mutually exclusive: a to-order document names one "
                "or the other",
            )
        ]
    return _NONE


def _imo_packaging_only_for_dangerous_goods(doc: TransportDocument) -> Hits:
    for i, j, packaging, dangerous in doc.packagings:
        if "imoPackagingCode" in packaging and not dangerous:
            yield Violation(
                _cargo_path(i, j, "outerPackaging", "imoPackagingCode"),
                "an IMO packaging code applies only to dangerous goods: use packageCode",
            )


def _package_code_only_without_imo_code(doc: TransportDocument) -> Hits:
    for i, j, packaging, dangerous in doc.packagings:
        if dangerous and "imoPackagingCode" in packaging and "packageCode" in packaging:
            yield Violation(
                _cargo_path(i, j, "outerPackaging", "packageCode"),
                "dangerous goods with an imoPackagingCode take no packageCode",
            )


#: Locations whose description expects every way they are given to point at the same place,
#: with the member that holds their country code.
_LOCATIONS = (
    ("placeOfReceipt", "address"),
    ("portOfLoading", "city"),
    ("portOfDischarge", "city"),
    ("placeOfDelivery", "address"),
    ("onwardInlandRouting", "address"),
)
#: ISO 3166 user-assigned code DCSA allows when the country is unknown.
_UNKNOWN_COUNTRY = "ZZ"


def _location_country_agrees(doc: TransportDocument) -> Hits:
    found: list[Violation[JsonPath]] = []
    for name, holder in _LOCATIONS:
        location = doc.transports.get(name)
        if not isinstance(location, dict):
            continue
        code = location.get("UNLocationCode")
        country = _dict(location.get(holder)).get("countryCode")
        if (
            isinstance(code, str)
            and isinstance(country, str)
            and country != _UNKNOWN_COUNTRY
            and code[:2] != country
        ):
            found.append(
                Violation(
                    ("transports", name, holder, "countryCode"),
                    f"{name} is in {country} by its {holder} but in {code[:2]} by its "
                    f"UNLocationCode {code}",
                )
            )
    return found


def _issued_has_issue_date(doc: TransportDocument) -> Hits:
    td = doc.fields
    if td.get("transportDocumentStatus") in ISSUED_STATUSES and "issueDate" not in td:
        return [Violation(("transportDocumentStatus",), "an issued document should have issueDate")]
    return _NONE


def _to_order_has_notify_party(doc: TransportDocument) -> Hits:
    if doc.fields.get("isToOrder") is True and not _list(doc.parties.get("notifyParties")):
        return [
            Violation(("documentParties",), "a to-order Bill of Lading should name a notify party")
        ]
    return _NONE


#: Parties whose DCSA schema says "either the address or a party identifyingCode".
_ADDRESSABLE = frozenset({"shipper", "onBehalfOfShipper", "notifyParties", "other"})


def _party_identified(doc: TransportDocument) -> Hits:
    for path, party in doc.all_parties:
        if path[1] not in _ADDRESSABLE:
            continue
        if not ("address" in party or "addressLines" in party or party.get("identifyingCodes")):
            yield Violation(path, "the party should have an address or an identifying code")


#: Lines of a displayed address a paper document prints (an electronic one allows 6, which the
#: schema's ``maxItems`` already enforces).
_PAPER_ADDRESS_LINES = 2


def _paper_displayed_address(doc: TransportDocument) -> Hits:
    if doc.fields.get("isElectronic") is not False:
        return
    for path, party in doc.all_parties:
        lines = party.get("displayedAddress")
        if isinstance(lines, list) and len(lines) > _PAPER_ADDRESS_LINES:
            yield Violation(
                (*path, "displayedAddress"),
                f"a paper document displays at most {_PAPER_ADDRESS_LINES} address lines, "
                f"not {len(lines)}, unless the carrier allows more",
            )


def _carrier_haulage_places(doc: TransportDocument) -> Hits:
    return [
        Violation(
            ("transports", place),
            f"{place} is given only when the carrier organises the carriage, which "
            f"{carriage} would say",
        )
        for place, carriage in (
            ("placeOfReceipt", "preCarriageBy"),
            ("placeOfDelivery", "onCarriageBy"),
        )
        if place in doc.transports and carriage not in doc.transports
    ]


E, W = Severity.ERROR, Severity.WARNING

RULES: tuple[Rule[TransportDocument, JsonPath], ...] = (
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
    Rule("R19", E, "consignee and endorsee are mutually exclusive", _consignee_or_endorsee),
    Rule(
        "R20",
        E,
        "IMO packaging codes only for dangerous goods",
        _imo_packaging_only_for_dangerous_goods,
    ),
    Rule(
        "R21",
        E,
        "dangerous goods: packageCode only without an IMO code",
        _package_code_only_without_imo_code,
    ),
    Rule("R22", E, "a location's UN/LOCODE and country agree", _location_country_agrees),
    Rule("W01", W, "issued documents have an issueDate", _issued_has_issue_date),
    Rule("W02", W, "to-order BLs name a notify party", _to_order_has_notify_party),
    Rule("W03", W, "parties have an address or identifying code", _party_identified),
    Rule("W04", W, "paper documents display at most 2 address lines", _paper_displayed_address),
    Rule("W05", W, "places of receipt/delivery only with carrier haulage", _carrier_haulage_places),
)

RULE_SET = JsonRuleSet(read=TransportDocument.read, rules=RULES)
