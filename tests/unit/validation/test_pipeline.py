"""The validate() entry point: detection, schema findings, hashes, facts, provenance."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest

from app.validation import (
    DocumentTooLarge,
    UndeterminedDocumentType,
    UnparsableDocument,
    UnsupportedMediaType,
    default_registry,
    validate,
)

TD_MEDIA = "application/vnd.dcsa.transport-document+json; version=3.0.3"


def _raw(value: Any, **dumps: Any) -> bytes:
    return json.dumps(value, **dumps).encode()


def test_transport_document_is_detected_from_its_shape(reefer_td: dict) -> None:
    report = validate(_raw(reefer_td), media_type="application/json")
    assert (report.doc_type, report.version, report.shape) == (
        "dcsa.transport-document",
        "3.0.3",
        "transport-document",
    )
    assert report.media_type == TD_MEDIA


def test_issuance_request_wraps_the_document(reefer_td: dict) -> None:
    request = {"document": reefer_td, "issueTo": {"partyName": "Bank", "sendToPlatform": "BOLE"}}
    report = validate(_raw(request))
    assert report.shape == "issuance-request"
    assert report.reference == reefer_td["transportDocumentReference"]


def test_registered_media_type_selects_the_type(reefer_td: dict) -> None:
    report = validate(
        _raw(reefer_td), media_type='Application/VND.dcsa.transport-document+json;version="3.0.3"'
    )
    assert report.doc_type == "dcsa.transport-document"


def test_media_type_with_other_version_is_unsupported(reefer_td: dict) -> None:
    with pytest.raises(UnsupportedMediaType):
        validate(
            _raw(reefer_td),
            media_type="application/vnd.dcsa.transport-document+json; version=2.0.0",
        )


@pytest.mark.parametrize(
    "media_type", ["text/plain", "application/pdf", "application/vnd.acme+json"]
)
def test_unknown_media_type_is_415(media_type: str, reefer_td: dict) -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        validate(_raw(reefer_td), media_type=media_type)
    assert caught.value.status == 415
    assert TD_MEDIA in caught.value.extensions["candidates"]


def test_unknown_explicit_type_is_415_with_candidates(reefer_td: dict) -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        validate(_raw(reefer_td), declared_type="dcsa.booking")
    assert "dcsa.transport-document@3.0.3" in caught.value.extensions["candidates"]


def test_json_media_type_cannot_carry_an_xml_type(cii_example1: bytes) -> None:
    with pytest.raises(UnsupportedMediaType):
        validate(cii_example1, declared_type="uncefact.cii.invoice", media_type="application/json")


def test_unrecognised_json_is_422_with_candidates() -> None:
    with pytest.raises(UndeterminedDocumentType) as caught:
        validate(b'{"hello": "world"}')
    assert caught.value.status == 422
    assert "dcsa.transport-document@3.0.3" in caught.value.extensions["candidates"]


def test_json_matching_two_types_is_ambiguous(reefer_td: dict) -> None:
    both = dict(reefer_td, transportDocument=reefer_td, envelopeManifestSignedContent="a.b.c")
    with pytest.raises(UndeterminedDocumentType) as caught:
        validate(_raw(both))
    assert caught.value.reason == "ambiguous-type"
    assert set(caught.value.extensions["candidates"]) == {
        "dcsa.transport-document@3.0.3",
        "dcsa.pint.envelope@3.0.0",
    }


def test_unknown_xml_root_is_422() -> None:
    with pytest.raises(UndeterminedDocumentType):
        validate(b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>")


def test_schema_errors_are_all_reported_with_pointer_line_and_keyword(reefer_td: dict) -> None:
    del reefer_td["transports"]
    reefer_td["transportDocumentTypeCode"] = "XYZ"
    reefer_td["issueDate"] = "2023-02-30"
    text = json.dumps(reefer_td, indent=2)
    report = validate(text.encode())
    assert not report.valid and not report.schema_valid
    found = {(e.keyword, e.location) for e in report.errors}
    assert found == {
        ("required", ""),
        ("enum", "/transportDocumentTypeCode"),
        ("format", "/issueDate"),
    }
    for error in report.errors:
        assert error.rule == f"schema:{error.keyword}" and error.message
    enum = next(e for e in report.errors if e.keyword == "enum")
    assert '"transportDocumentTypeCode": "XYZ"' in text.splitlines()[enum.line - 1]


@pytest.mark.parametrize(
    ("value", "valid"),
    [("2023-12-20T10:00:00Z", True), ("2023-12-20T25:00:00Z", False), ("yesterday", False)],
)
def test_date_time_format_is_checked(reefer_td: dict, value: str, valid: bool) -> None:
    packaging = reefer_td["consignmentItems"][0]["cargoItems"][0]["outerPackaging"]
    packaging["dangerousGoods"] = [
        {
            "UNNumber": "3082",
            "properShippingName": "Hazardous",
            "imoClass": "9",
            "fumigationDateTime": value,
        }
    ]
    report = validate(_raw(reefer_td))
    assert report.schema_valid is valid
    if not valid:
        (error,) = report.errors
        assert (error.keyword, error.location) == (
            "format",
            "/consignmentItems/0/cargoItems/0/outerPackaging/dangerousGoods/0/fumigationDateTime",
        )


def test_numeric_bounds_are_checked_inside_a_notification(reefer_td: dict) -> None:
    notification = {"specversion": "1.0", "data": {"transportDocument": reefer_td}}
    reefer_td["consignmentItems"][0]["cargoItems"][0]["cargoGrossWeight"]["value"] = 0
    report = validate(_raw(notification))
    assert [(e.keyword, e.location) for e in report.errors] == [
        (
            "exclusiveMinimum",
            "/data/transportDocument/consignmentItems/0/cargoItems/0/cargoGrossWeight/value",
        )
    ]


def test_errors_are_capped_at_100(reefer_td: dict) -> None:
    reefer_td["consignmentItems"] = [
        dict(reefer_td["consignmentItems"][0], HSCodes=["x"]) for _ in range(150)
    ]
    report = validate(_raw(reefer_td))
    assert len(report.errors) == 100
    assert report.truncated


def test_canonical_hash_ignores_formatting_and_key_order(reefer_td: dict) -> None:
    compact = validate(_raw(reefer_td, separators=(",", ":")))
    pretty = validate(_raw(reefer_td, indent=3, sort_keys=True))
    assert compact.sha256 != pretty.sha256
    assert compact.canonical_sha256 == pretty.canonical_sha256
    assert compact.sha256 == hashlib.sha256(_raw(reefer_td, separators=(",", ":"))).hexdigest()


def test_floats_and_astral_keys_still_get_rfc8785_hashes(reefer_td: dict) -> None:
    import rfc8785

    reefer_td["declaredValue"] = 1e-7
    reefer_td["declaredValueCurrency"] = "EUR"
    reefer_td["\U0001f600"] = 1.50
    report = validate(_raw(reefer_td))
    assert report.canonical == rfc8785.dumps(json.loads(_raw(reefer_td)))


def test_wrapped_document_keeps_dcsa_checksum_of_the_transport_document(reefer_td: dict) -> None:
    bare = validate(_raw(reefer_td))
    wrapped = validate(_raw({"specversion": "1.0", "data": {"transportDocument": reefer_td}}))
    assert wrapped.subject_sha256 == bare.canonical_sha256 == bare.subject_sha256
    assert wrapped.canonical_sha256 != bare.canonical_sha256


def test_xml_canonical_hash_ignores_attribute_order(cii_example1: bytes) -> None:
    swapped = cii_example1.replace(
        b'<udt:DateTimeString format="102">20150109',
        b'<udt:DateTimeString  format = "102" >20150109',
        1,
    )
    assert validate(swapped).canonical_sha256 == validate(cii_example1).canonical_sha256


def test_facts_come_from_the_document(reefer_td: dict) -> None:
    shipper = reefer_td["documentParties"]["shipper"]
    shipper["identifyingCodes"] = [
        {"codeListProvider": "GLEIF", "partyCode": "5493001KJTIIGC8Y1R12"},
        {"codeListProvider": "DNB", "codeListName": "DUNS", "partyCode": "150483782"},
    ]
    shipper["taxLegalReferences"] = [{"type": "EORI", "countryCode": "NL", "value": "NL123456789"}]
    reefer_td["issueDate"] = "2023-12-21"
    report = validate(_raw(reefer_td))
    assert report.reference == "D8931B95625E4B339F2A"
    assert report.document_date == dt.date(2023, 12, 21)
    assert [(o.scheme, o.value) for o in report.owner_identifiers] == [
        ("LEI", "5493001KJTIIGC8Y1R12"),
        ("DUNS", "150483782"),
        ("EORI", "NL123456789"),
    ]


def test_invoice_facts_are_number_date_and_seller_ids(cii_example1: bytes) -> None:
    report = validate(cii_example1)
    assert (report.reference, report.document_date) == ("12115118", dt.date(2015, 1, 9))
    assert [(o.scheme, o.value, o.kind) for o in report.owner_identifiers] == [
        ("VAT", "NL8200.98.395.B.01", "VA")
    ]


def test_provenance_names_type_version_schema_digests_and_ruleset(cii_example1: bytes) -> None:
    provenance = validate(cii_example1).provenance
    entry = default_registry().by_id("uncefact.cii.invoice")
    assert provenance["doc_type"] == "uncefact.cii.invoice" and provenance["version"] == "D16B"
    assert provenance["schemas"] == dict(entry.schema_digests) and len(provenance["schemas"]) == 4
    assert provenance["ruleset"] == "en16931.cii" and provenance["ruleset_version"]


def test_size_cap_is_checked_before_parsing() -> None:
    with pytest.raises(DocumentTooLarge) as caught:
        validate(b"{" * 2000, max_bytes=1000)
    assert caught.value.status == 413


def test_integers_beyond_ijson_range_are_refused(reefer_td: dict) -> None:
    reefer_td["declaredValue"] = 2**60
    reefer_td["declaredValueCurrency"] = "EUR"
    with pytest.raises(UnparsableDocument) as caught:
        validate(_raw(reefer_td))
    assert caught.value.reason == "not-i-json"


def test_utf8_byte_order_mark_is_tolerated(reefer_td: dict) -> None:
    assert validate(b"\xef\xbb\xbf" + _raw(reefer_td)).valid


def test_syntax_error_reports_its_line() -> None:
    with pytest.raises(UnparsableDocument) as caught:
        validate(b'{\n"a": 1,\n"b": }')
    assert caught.value.status == 400 and caught.value.extensions["line"] == 3


def test_neither_json_nor_xml_is_400() -> None:
    with pytest.raises(UnparsableDocument):
        validate(b"%PDF-1.7")
