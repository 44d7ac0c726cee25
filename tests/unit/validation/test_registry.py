"""The registry is data: digests are verified at load, a new standard is a new entry."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.validation import RegistryError, load_registry, validate
from app.validation.registry import DEFAULT_SCHEMAS_DIR


@pytest.fixture
def schemas_copy(tmp_path: Path) -> Path:
    target = tmp_path / "schemas"
    shutil.copytree(DEFAULT_SCHEMAS_DIR, target)
    return target


def test_registry_lists_the_three_supported_types() -> None:
    registry = load_registry()
    assert registry.type_ids() == [
        "dcsa.transport-document@3.0.3",
        "dcsa.pint.envelope@3.0.0",
        "uncefact.cii.invoice@D16B",
    ]
    assert registry.max_depth == 64


def test_tampered_schema_file_stops_the_registry_from_loading(schemas_copy: Path) -> None:
    xsd = schemas_copy / "uncefact/cii-d16b/CrossIndustryInvoice_QualifiedDataType_100pD16B.xsd"
    xsd.write_bytes(xsd.read_bytes() + b"\n")
    with pytest.raises(RegistryError, match="SHA-256"):
        load_registry(schemas_copy)


def test_schema_file_outside_the_folder_is_refused(schemas_copy: Path) -> None:
    registry = json.loads((schemas_copy / "registry.json").read_text())
    registry["types"][0]["schema"]["files"] = {"../../etc/passwd": "0" * 64}
    (schemas_copy / "registry.json").write_text(json.dumps(registry))
    with pytest.raises(RegistryError, match="outside"):
        load_registry(schemas_copy)


def test_a_new_standard_is_a_registry_entry_plus_files(schemas_copy: Path) -> None:
    schema = json.dumps(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "required": ["certificateNumber"],
            "properties": {"certificateNumber": {"type": "string"}},
        }
    ).encode()
    (schemas_copy / "acme").mkdir()
    (schemas_copy / "acme" / "origin-1.0.schema.json").write_bytes(schema)
    registry = json.loads((schemas_copy / "registry.json").read_text())
    registry["types"].append(
        {
            "id": "acme.certificate-of-origin",
            "version": "1.0",
            "syntax": "json",
            "media_types": ["application/vnd.acme.origin+json; version=1.0"],
            "schema": {
                "root": "acme/origin-1.0.schema.json",
                "files": {
                    "acme/origin-1.0.schema.json": __import__("hashlib").sha256(schema).hexdigest()
                },
            },
            "shapes": [{"name": "certificate", "match_all": ["/certificateNumber"]}],
            "ruleset": None,
            "facts": None,
            "licence": "CC0-1.0",
        }
    )
    (schemas_copy / "registry.json").write_text(json.dumps(registry))
    loaded = load_registry(schemas_copy)
    report = validate(b'{"certificateNumber": "CO-1"}', registry=loaded)
    assert (report.doc_type, report.valid) == ("acme.certificate-of-origin", True)
    assert report.media_type == "application/vnd.acme.origin+json; version=1.0"
