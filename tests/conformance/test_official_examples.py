"""Every official DCSA and UN/CEFACT example validates; warnings only where DCSA's own break."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import xmlschema

from app.validation import UndeterminedDocumentType, validate

# Known quirks of DCSA's examples (reference README): shipper without address or code,
# ISSUED without issueDate, to-order without notify party.
EXPECTED = {
    "dcsa/examples/TransportDocument_regularSTD_DRAFT.json": (
        "dcsa.transport-document",
        {"W02", "W03"},
    ),
    "dcsa/examples/TransportDocument_reefer_APPROVED.json": (
        "dcsa.transport-document",
        {"W02", "W03"},
    ),
    "dcsa/examples/TransportDocumentNotification_issuedFullStateTransfer.json": (
        "dcsa.transport-document",
        {"W01", "W02", "W03"},
    ),
    "dcsa/examples/IssuanceRequest_regularSTD.json": ("dcsa.transport-document", {"W02", "W03"}),
    "dcsa/examples/EblEnvelope_regularSTD.json": ("dcsa.pint.envelope", {"W02", "W03"}),
    "uncefact/examples/CII_example1.xml": ("uncefact.cii.invoice", set()),
    "uncefact/examples/CII_example2.xml": ("uncefact.cii.invoice", set()),
    "uncefact/examples/CII_example3.xml": ("uncefact.cii.invoice", set()),
    "uncefact/examples/CII_example4.xml": ("uncefact.cii.invoice", set()),
    "uncefact/examples/CII_example7.xml": ("uncefact.cii.invoice", set()),
}


def test_every_example_in_the_reference_is_covered(reference: Path) -> None:
    found = {str(p.relative_to(reference)) for p in reference.glob("*/examples/*")}
    assert found - set(EXPECTED) == {"dcsa/examples/SurrenderRequest_surrenderExample.json"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_official_example_is_valid(reference: Path, name: str) -> None:
    raw = (reference / name).read_bytes()
    report = validate(raw)
    doc_type, warnings = EXPECTED[name]
    assert report.doc_type == doc_type
    assert report.valid, [e.as_dict() for e in report.errors]
    assert {w.rule for w in report.warnings} == warnings
    assert report.sha256 == hashlib.sha256(raw).hexdigest()
    assert report.reference and report.document_date


def test_surrender_request_is_not_a_registered_type(reference: Path) -> None:
    with pytest.raises(UndeterminedDocumentType):
        validate((reference / "dcsa/examples/SurrenderRequest_surrenderExample.json").read_bytes())


def test_copied_xsds_are_byte_identical_to_the_reference(reference: Path) -> None:
    ours = Path(__file__).resolve().parents[2] / "schemas/uncefact/cii-d16b"
    theirs = reference / "uncefact/xsd/CII_D16B_uncoupled"
    names = sorted(p.name for p in theirs.glob("*.xsd"))
    assert names == sorted(p.name for p in ours.glob("*.xsd")) and len(names) == 4
    for name in names:
        assert (ours / name).read_bytes() == (theirs / name).read_bytes()


def test_cii_examples_agree_with_the_reference_xsd_library(reference: Path) -> None:
    schema = xmlschema.XMLSchema10(
        str(reference / "uncefact/xsd/CII_D16B_uncoupled/CrossIndustryInvoice_100pD16B.xsd")
    )
    for path in sorted((reference / "uncefact/examples").glob("*.xml")):
        assert (
            schema.is_valid(str(path), use_location_hints=False)
            == validate(path.read_bytes()).schema_valid
        )
