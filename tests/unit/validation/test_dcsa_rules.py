"""Each DCSA rule id has a document that breaks exactly that rule."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from app.validation import validate
from app.validation.rules.dcsa import RULES, is_reefer_code

TD = dict[str, Any]
PARTY = {
    "partyName": "Acme Trading",
    "identifyingCodes": [
        {"codeListProvider": "GLEIF", "codeListName": "LEI", "partyCode": "5493001KJTIIGC8Y1R12"}
    ],
}


def _straight(td: TD) -> TD:
    td["isToOrder"] = False
    td["documentParties"]["consignee"] = dict(PARTY)
    return td


def _swb(td: TD) -> TD:
    td["transportDocumentTypeCode"] = "SWB"
    return _straight(td)


def _dg(packaging: TD) -> TD:
    packaging["dangerousGoods"] = [
        {"UNNumber": "3082", "properShippingName": "Environmentally hazardous", "imoClass": "9"}
    ]
    return packaging


def r01(td: TD) -> None:
    td["transportDocumentTypeCode"] = "SWB"


def r02(td: TD) -> None:
    td["numberOfOriginalsWithCharges"] = 1
    td["numberOfOriginalsWithoutCharges"] = 1


def r03(td: TD) -> None:
    td["numberOfCopiesWithoutCharges"] = 2


def r04(td: TD) -> None:
    _swb(td)["numberOfOriginalsWithCharges"] = 1


def r05(td: TD) -> None:
    td["transportDocumentStatus"] = "ISSUED"
    td["issueDate"] = "2023-12-21"
    del td["shippedOnBoardDate"]


def r06(td: TD) -> None:
    td["isShippedOnBoardType"] = False


def r07(td: TD) -> None:
    td["declaredValue"] = 1000


def r08(td: TD) -> None:
    td["isToOrder"] = False


def r09(td: TD) -> None:
    _straight(td)["documentParties"]["endorsee"] = dict(PARTY)


def r10(td: TD) -> None:
    td["consignmentItems"][0]["cargoItems"][0]["equipmentReference"] = "MSCU1234565"


def r11(td: TD) -> None:
    td["utilizedTransportEquipments"].append(
        json.loads(json.dumps(td["utilizedTransportEquipments"][0]))
    )


def r12(td: TD) -> None:
    td["transports"]["preCarriageBy"] = "TRUCK"


def r13(td: TD) -> None:
    td["transports"]["onCarriageBy"] = "RAIL"


def r14(td: TD) -> None:
    del td["utilizedTransportEquipments"][0]["activeReeferSettings"]["temperatureUnit"]


def r14_air(td: TD) -> None:
    td["utilizedTransportEquipments"][0]["activeReeferSettings"]["airExchangeUnit"] = "MQH"


def r15(td: TD) -> None:
    td["utilizedTransportEquipments"][0]["isNonOperatingReefer"] = True


def r15_dry_with_settings(td: TD) -> None:
    td["utilizedTransportEquipments"][0]["equipment"]["ISOEquipmentCode"] = "22G1"
    del td["utilizedTransportEquipments"][0]["isNonOperatingReefer"]


def r15_reefer_says_nothing(td: TD) -> None:
    # A reefer code alone (no reefer member at all) still makes the equipment a reefer.
    del td["utilizedTransportEquipments"][0]["isNonOperatingReefer"]
    del td["utilizedTransportEquipments"][0]["activeReeferSettings"]


def r15_no_code_operating_without_settings(td: TD) -> None:
    del td["utilizedTransportEquipments"][0]["equipment"]["ISOEquipmentCode"]
    del td["utilizedTransportEquipments"][0]["activeReeferSettings"]


def r16(td: TD) -> None:
    packaging = td["consignmentItems"][0]["cargoItems"][0]["outerPackaging"]
    del _dg(packaging)["packageCode"]


def r17(td: TD) -> None:
    td["documentParties"]["other"] = [
        {"party": dict(PARTY, partyName="Forwarder A"), "partyFunction": "DDR"},
        {"party": dict(PARTY, partyName="Forwarder B"), "partyFunction": "DDR"},
    ]


def r18(td: TD) -> None:
    td["customsReferences"] = [
        {"type": "UCR", "countryCode": "NL", "values": ["1"]},
        {"type": "UCR", "countryCode": "NL", "values": ["2"]},
    ]


def r19(td: TD) -> None:
    td["documentParties"]["consignee"] = dict(PARTY)
    td["documentParties"]["endorsee"] = dict(PARTY, partyName="Bank of Holders")


def _packaging(td: TD) -> TD:
    packaging: TD = td["consignmentItems"][0]["cargoItems"][0]["outerPackaging"]
    return packaging


def r20(td: TD) -> None:
    _packaging(td)["imoPackagingCode"] = "1A1"


def r21(td: TD) -> None:
    _dg(_packaging(td))["imoPackagingCode"] = "1A1"


def r22(td: TD) -> None:
    td["transports"]["portOfLoading"]["city"] = {"city": "Aarhus", "countryCode": "DE"}


def r22_place(td: TD) -> None:
    td["transports"]["onCarriageBy"] = "TRUCK"
    td["transports"]["placeOfDelivery"] = {
        "UNLocationCode": "DEHAM",
        "address": {"street": "Dammtorwall", "city": "Hamburg", "countryCode": "NL"},
    }


def w01(td: TD) -> None:
    td["transportDocumentStatus"] = "ISSUED"


def w04(td: TD) -> None:
    td["isElectronic"] = False
    td["documentParties"]["shipper"]["displayedAddress"] = [
        "DCSA CTK",
        "Strawinskylaan 4117",
        "1077 ZX Amsterdam",
    ]


def w05(td: TD) -> None:
    td["transports"]["placeOfReceipt"] = {"UNLocationCode": "DKAAR"}


def w05_delivery(td: TD) -> None:
    td["transports"]["placeOfDelivery"] = {"UNLocationCode": "DEBRV"}


def _no_warnings_baseline(td: TD) -> TD:
    """The reefer example made to satisfy every rule, warnings included."""
    td["documentParties"]["notifyParties"] = [dict(PARTY)]
    td["documentParties"]["shipper"]["identifyingCodes"] = PARTY["identifyingCodes"]
    return td


NEGATIVE: list[tuple[str, Callable[[TD], None]]] = [
    ("R01", r01),
    ("R02", r02),
    ("R03", r03),
    ("R04", r04),
    ("R05", r05),
    ("R06", r06),
    ("R07", r07),
    ("R08", r08),
    ("R09", r09),
    ("R10", r10),
    ("R11", r11),
    ("R12", r12),
    ("R13", r13),
    ("R14", r14),
    ("R14", r14_air),
    ("R15", r15),
    ("R15", r15_dry_with_settings),
    ("R15", r15_reefer_says_nothing),
    ("R15", r15_no_code_operating_without_settings),
    ("R16", r16),
    ("R17", r17),
    ("R18", r18),
    ("R19", r19),
    ("R20", r20),
    ("R21", r21),
    ("R22", r22),
    ("R22", r22_place),
    ("W01", w01),
    ("W04", w04),
    ("W05", w05),
    ("W05", w05_delivery),
]


def _findings(td: TD) -> tuple[set[str], set[str]]:
    report = validate(json.dumps(td).encode())
    assert report.schema_valid, [e.message for e in report.errors]
    return {e.rule for e in report.errors}, {w.rule for w in report.warnings}


def test_baseline_document_breaks_no_rule(reefer_td: TD) -> None:
    assert _findings(_no_warnings_baseline(reefer_td)) == (set(), set())


@pytest.mark.parametrize(("rule_id", "mutate"), NEGATIVE, ids=[f.__name__ for _, f in NEGATIVE])
def test_breaking_a_rule_reports_exactly_that_rule(
    rule_id: str, mutate: Callable[[TD], None], reefer_td: TD
) -> None:
    td = _no_warnings_baseline(reefer_td)
    mutate(td)
    errors, warnings = _findings(td)
    if rule_id.startswith("W"):
        assert (errors, warnings) == (set(), {rule_id})
    else:
        assert errors == {rule_id}


def test_both_shipment_dates_break_r05_and_the_date_type_match(reefer_td: TD) -> None:
    td = _no_warnings_baseline(reefer_td)
    td["receivedForShipmentDate"] = "2023-12-19"
    assert _findings(td) == ({"R05", "R06"}, set())


def test_draft_without_shipment_date_is_accepted(reefer_td: TD) -> None:
    td = _no_warnings_baseline(reefer_td)
    td["transportDocumentStatus"] = "DRAFT"
    del td["shippedOnBoardDate"]
    assert _findings(td) == (set(), set())


def test_to_order_without_notify_party_is_only_a_warning(reefer_td: TD) -> None:
    td = _no_warnings_baseline(reefer_td)
    del td["documentParties"]["notifyParties"]
    report = validate(json.dumps(td).encode())
    assert report.valid
    assert [w.rule for w in report.warnings] == ["W02"]


def test_party_without_address_or_code_is_only_a_warning(reefer_td: TD) -> None:
    td = _no_warnings_baseline(reefer_td)
    del td["documentParties"]["shipper"]["identifyingCodes"]
    report = validate(json.dumps(td).encode())
    assert report.valid
    assert [(w.rule, w.location) for w in report.warnings] == [("W03", "/documentParties/shipper")]


def test_every_rule_id_has_a_negative_test() -> None:
    tested = {rule_id for rule_id, _ in NEGATIVE} | {"W02", "W03"}
    assert {rule.id for rule in RULES} == tested


def test_rule_ids_are_unique_and_stable() -> None:
    ids = [rule.id for rule in RULES]
    assert ids == [f"R{n:02d}" for n in range(1, 23)] + [f"W{n:02d}" for n in range(1, 6)]


def test_rule_finding_points_at_the_offending_value_with_its_line(reefer_td: TD) -> None:
    td = _no_warnings_baseline(reefer_td)
    r10(td)
    text = json.dumps(td, indent=2)
    report = validate(text.encode())
    (error,) = report.errors
    assert error.location == "/consignmentItems/0/cargoItems/0/equipmentReference"
    assert (
        text.splitlines()[error.line - 1].strip().startswith('"equipmentReference": "MSCU1234565"')
    )


def test_rules_apply_inside_a_notification(reefer_td: TD) -> None:
    td = _no_warnings_baseline(reefer_td)
    r07(td)
    notification = {
        "specversion": "1.0",
        "type": "org.dcsa.transport-document.v3",
        "data": {"transportDocument": td},
    }
    report = validate(json.dumps(notification).encode())
    assert report.shape == "notification"
    assert [(e.rule, e.location) for e in report.errors] == [
        ("R07", "/data/transportDocument/declaredValue")
    ]


def test_to_order_document_may_name_its_consignee(reefer_td: TD) -> None:
    td = _no_warnings_baseline(reefer_td)
    td["documentParties"]["consignee"] = dict(PARTY)
    assert _findings(td) == (set(), set())


def test_straight_document_with_endorsee_is_reported_once(reefer_td: TD) -> None:
    td = _no_warnings_baseline(reefer_td)
    r09(td)
    report = validate(json.dumps(td).encode())
    assert [(e.rule, e.location) for e in report.errors] == [("R09", "/documentParties/endorsee")]


def test_dangerous_goods_with_only_an_imo_packaging_code_are_accepted(reefer_td: TD) -> None:
    td = _no_warnings_baseline(reefer_td)
    packaging = _dg(_packaging(td))
    del packaging["packageCode"]
    packaging["imoPackagingCode"] = "1A1"
    assert _findings(td) == (set(), set())


@pytest.mark.parametrize("country", ["DK", "ZZ"])
def test_location_country_that_agrees_or_is_unknown_is_accepted(
    country: str, reefer_td: TD
) -> None:
    td = _no_warnings_baseline(reefer_td)
    td["transports"]["portOfLoading"]["city"] = {"city": "Aarhus", "countryCode": country}
    assert _findings(td) == (set(), set())


def test_location_mismatch_points_at_the_country_code(reefer_td: TD) -> None:
    td = _no_warnings_baseline(reefer_td)
    r22(td)
    report = validate(json.dumps(td).encode())
    assert [(e.rule, e.location) for e in report.errors] == [
        ("R22", "/transports/portOfLoading/city/countryCode")
    ]
    assert "DKAAR" in report.errors[0].message


def test_places_with_carrier_haulage_are_accepted(reefer_td: TD) -> None:
    td = _no_warnings_baseline(reefer_td)
    td["transports"] |= {
        "preCarriageBy": "TRUCK",
        "placeOfReceipt": {"UNLocationCode": "DKAAR"},
        "onCarriageBy": "RAIL",
        "placeOfDelivery": {"UNLocationCode": "DEBRV"},
    }
    assert _findings(td) == (set(), set())


def test_electronic_document_may_display_six_address_lines(reefer_td: TD) -> None:
    td = _no_warnings_baseline(reefer_td)
    td["documentParties"]["shipper"]["displayedAddress"] = [f"line {n}" for n in range(6)]
    assert _findings(td) == (set(), set())


@pytest.mark.parametrize(
    ("code", "reefer"),
    [("45R1", True), ("22RT", True), ("22G1", False), ("45GP", False), ("R", False)],
)
def test_reefer_codes_follow_iso_6346_type_group(code: str, reefer: bool) -> None:
    assert is_reefer_code(code) is reefer


def test_dry_container_without_reefer_members_breaks_no_rule(reefer_td: TD) -> None:
    td = _no_warnings_baseline(reefer_td)
    equipment = td["utilizedTransportEquipments"][0]
    equipment["equipment"]["ISOEquipmentCode"] = "22G1"
    del equipment["isNonOperatingReefer"], equipment["activeReeferSettings"]
    assert _findings(td) == (set(), set())
