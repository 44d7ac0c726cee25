"""Fingerprint definitions are registry data; real documents yield them, variants match."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from app.domain.fingerprints import FingerprintKey
from app.validation import RegistryError, load_registry
from app.validation.fingerprints import document_fingerprints
from app.validation.registry import DEFAULT_SCHEMAS_DIR, Registry, default_registry

KEY = FingerprintKey("fp-test", bytes(range(32)))
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


def _values(raw: bytes, type_id: str, registry: Registry | None = None) -> dict[str, set[str]]:
    registry = registry or default_registry()
    found = document_fingerprints(raw, registry.by_id(type_id), [KEY], registry)
    assert found is not None
    values: dict[str, set[str]] = {}
    for f in found.fingerprints:
        values.setdefault(f.definition, set()).add(f.value)
    return values


def _json(document: Any) -> bytes:
    return json.dumps(document).encode()


def test_every_registered_type_declares_fingerprints() -> None:
    registry = default_registry()
    assert {t.id: t.fingerprints and t.fingerprints.name for t in registry.types} == {
        "dcsa.transport-document": "dcsa.transport-document",
        "dcsa.pint.envelope": "dcsa.transport-document",
        "uncefact.cii.invoice": "uncefact.cii.invoice",
    }


def test_a_transport_document_pushed_with_trivial_differences_has_the_same_fingerprints(
    regular_td: dict[str, Any],
) -> None:
    original = _values(_json(regular_td), "dcsa.transport-document")
    regular_td["carrierCode"] = regular_td["carrierCode"].lower()
    regular_td["transportDocumentReference"] = "  " + regular_td["transportDocumentReference"]
    equipment = regular_td["utilizedTransportEquipments"][0]["equipment"]
    equipment["equipmentReference"] = equipment["equipmentReference"].lower()
    voyage = regular_td["transports"]["vesselVoyages"][0]
    voyage["vesselName"] = voyage["vesselName"].upper().replace("Ü", "U")
    reformatted = json.dumps(regular_td, indent=4, sort_keys=True).encode()
    assert _values(reformatted, "dcsa.transport-document") == original
    assert set(original) == {"transport-document", "equipment-voyage"}


def test_the_transport_document_inside_a_pint_envelope_matches_the_bare_one(
    reference: Path,
) -> None:
    examples = reference / "dcsa" / "examples"
    bare = _values(
        (examples / "TransportDocument_regularSTD_DRAFT.json").read_bytes(),
        "dcsa.transport-document",
    )
    enveloped = _values(
        (examples / "EblEnvelope_regularSTD.json").read_bytes(), "dcsa.pint.envelope"
    )
    assert enveloped == bare


def test_another_bl_for_the_same_container_and_voyage_shares_only_the_similar_fingerprint(
    regular_td: dict[str, Any],
) -> None:
    original = _values(_json(regular_td), "dcsa.transport-document")
    regular_td["transportDocumentReference"] = "OTHERBL0001"
    other = _values(_json(regular_td), "dcsa.transport-document")
    assert other["equipment-voyage"] == original["equipment-voyage"]
    assert other["transport-document"] != original["transport-document"]


def _invoice(raw: bytes, **changes: str) -> bytes:
    tree = etree.fromstring(raw)
    for path, text in changes.items():
        (element,) = tree.xpath(path.replace("__", "/"), namespaces=NS)
        element.text = text
    return etree.tostring(tree)


NUMBER = "rsm:ExchangedDocument__ram:ID"
DATE = "rsm:ExchangedDocument__ram:IssueDateTime__udt:DateTimeString"
TOTAL = (
    "rsm:SupplyChainTradeTransaction__ram:ApplicableHeaderTradeSettlement"
    "__ram:SpecifiedTradeSettlementHeaderMonetarySummation__ram:GrandTotalAmount"
)
VAT = (
    "rsm:SupplyChainTradeTransaction__ram:ApplicableHeaderTradeAgreement"
    "__ram:SellerTradeParty__ram:SpecifiedTaxRegistration__ram:ID"
)


def test_an_invoice_with_reformatted_identifiers_has_the_same_fingerprints(
    cii_example1: bytes,
) -> None:
    original = _values(cii_example1, "uncefact.cii.invoice")
    variant = _invoice(
        cii_example1, **{NUMBER: " 0012115118 ", TOTAL: "250.330", VAT: "nl 8200 98 395 b01"}
    )
    assert _values(variant, "uncefact.cii.invoice") == original
    assert set(original) == {"invoice-total", "invoice", "invoice-number"}


def test_an_invoice_with_another_amount_or_date_keeps_only_the_looser_fingerprints(
    cii_example1: bytes,
) -> None:
    original = _values(cii_example1, "uncefact.cii.invoice")
    other_amount = _values(_invoice(cii_example1, **{TOTAL: "2503.30"}), "uncefact.cii.invoice")
    assert other_amount["invoice"] == original["invoice"]
    assert other_amount["invoice-total"] != original["invoice-total"]
    other_date = _values(_invoice(cii_example1, **{DATE: "20150110"}), "uncefact.cii.invoice")
    assert other_date["invoice-number"] == original["invoice-number"]
    assert other_date["invoice"] != original["invoice"]


def test_a_document_missing_identifying_fields_says_which(regular_td: dict[str, Any]) -> None:
    del regular_td["transportDocumentReference"]
    registry = default_registry()
    found = document_fingerprints(
        _json(regular_td), registry.by_id("dcsa.transport-document"), [KEY], registry
    )
    assert found is not None and not found.identifying
    assert found.missing == {"transport-document": ("reference",)}


@pytest.fixture
def schemas_copy(tmp_path: Path) -> Path:
    target = tmp_path / "schemas"
    shutil.copytree(DEFAULT_SCHEMAS_DIR, target)
    return target


def _edit(schemas: Path, change: Any) -> None:
    path = schemas / "registry.json"
    registry = json.loads(path.read_text())
    change(registry)
    path.write_text(json.dumps(registry))


def test_a_new_fingerprint_is_registry_data_not_code(
    schemas_copy: Path, regular_td: dict[str, Any]
) -> None:
    def add_booking(registry: dict[str, Any]) -> None:
        registry["fingerprints"]["dcsa.transport-document"]["definitions"].append(
            {
                "name": "shipper-booking",
                "match": "similar",
                "fields": [
                    {"name": "carrier", "at": "/carrierCode", "normalise": "code"},
                    {
                        "name": "booking",
                        "at": "/consignmentItems/*/carrierBookingReference",
                        "normalise": "reference",
                    },
                ],
            }
        )

    _edit(schemas_copy, add_booking)
    registry = load_registry(schemas_copy)
    assert "shipper-booking" in _values(_json(regular_td), "dcsa.transport-document", registry)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["types"][0].update(fingerprints="nowhere"), "unknown fingerprint set"),
        (lambda r: r["types"][2].update(fingerprints="dcsa.transport-document"), "is not xml"),
        (
            lambda r: r["fingerprints"]["uncefact.cii.invoice"]["definitions"][0]["fields"][
                4
            ].update(at="/rsm:[broken"),
            "XPath",
        ),
        (
            lambda r: r["fingerprints"]["dcsa.transport-document"]["definitions"][0]["fields"][
                0
            ].update(normalise="soundex"),
            "soundex",
        ),
        (
            lambda r: r["fingerprints"]["dcsa.transport-document"]["definitions"][0].update(
                match="maybe"
            ),
            "malformed",
        ),
    ],
)
def test_a_broken_fingerprint_definition_stops_the_registry_from_loading(
    schemas_copy: Path, change: Any, message: str
) -> None:
    _edit(schemas_copy, change)
    with pytest.raises(RegistryError, match=message):
        load_registry(schemas_copy)
