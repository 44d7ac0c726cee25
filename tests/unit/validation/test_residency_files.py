"""Residency rule files: the shipped ones load, broken ones are refused, data classes are found."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.domain.residency import Transfer
from app.services.crossings.residency import (
    DEFAULT_RESIDENCY_DIR,
    InvalidResidencyRules,
    load_rules,
)
from app.validation.data_classes import held_classes
from tests.support import REFERENCE, reefer_transport_document

TD = "dcsa.transport-document"
INVOICE = "uncefact.cii.invoice"


@pytest.mark.parametrize("code", ["CN", "HK"])
def test_shipped_rule_files_load(code: str) -> None:
    rules = load_rules(DEFAULT_RESIDENCY_DIR, code)
    assert rules is not None
    assert rules.jurisdiction == code
    assert rules.rules


def test_a_jurisdiction_without_a_file_has_no_rules(tmp_path: Path) -> None:
    assert load_rules(tmp_path, "SG") is None


def write(directory: Path, code: str, data: object) -> Path:
    (directory / f"{code}.json").write_text(json.dumps(data))
    return directory


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"jurisdiction": "SG", "version": "1"}, "'rules' is a required property"),
        ({"jurisdiction": "SG", "version": "1", "rules": [], "extra": 1}, "extra"),
        (
            {
                "jurisdiction": "SG",
                "version": "1",
                "rules": [{"id": "a", "description": "d", "may_leave_to": ["HK"]}],
            },
            "rules/0",
        ),
        ({"jurisdiction": "HK", "version": "1", "rules": []}, "holds the rules of HK"),
        (
            {
                "jurisdiction": "SG",
                "version": "1",
                "rules": [
                    {
                        "id": "x",
                        "description": "d",
                        "data_class": {"name": "c", "paths": {INVOICE: ["/rsm:A[("]}},
                        "may_leave_to": [],
                    }
                ],
            },
            "XPath",
        ),
    ],
)
def test_broken_files_are_refused_saying_where(tmp_path: Path, data: object, message: str) -> None:
    with pytest.raises(InvalidResidencyRules, match=re.escape(message)):
        load_rules(write(tmp_path, "SG", data), "SG")


def test_not_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / "SG.json").write_text("{")
    with pytest.raises(InvalidResidencyRules, match="not JSON"):
        load_rules(tmp_path, "SG")


def test_contacts_in_a_transport_document_are_found() -> None:
    rules = load_rules(DEFAULT_RESIDENCY_DIR, "CN")
    assert rules is not None
    classes = rules.data_classes_for(TD)
    td = reefer_transport_document("5493001KJTIIGC8Y1R12")
    raw = json.dumps(td).encode()
    held = held_classes(raw, "json", classes, rules.namespaces, max_depth=64)
    assert held == {"personal-contact"}
    assert not rules.evaluate(Transfer(TD, "SG", held)).allowed
    assert rules.evaluate(Transfer(TD, "HK", held)).allowed
    td.pop("partyContactDetails")
    for party in td["documentParties"].values():
        if isinstance(party, dict):
            party.pop("partyContactDetails", None)
            party.get("party", {}).pop("partyContactDetails", None)
        else:
            for other in party:
                other.get("party", {}).pop("partyContactDetails", None)
    bare = json.dumps(td).encode()
    assert held_classes(bare, "json", classes, rules.namespaces, max_depth=64) == frozenset()


def test_empty_values_hold_nothing() -> None:
    classes = {"contact": ("/a/*/b",)}
    empty = b'{"a": [{"b": ""}, {"b": []}, {"b": null}]}'
    assert held_classes(empty, "json", classes, {}, max_depth=8) == frozenset()
    zero = b'{"a": {"x": {"b": 0}}}'
    assert held_classes(zero, "json", classes, {}, max_depth=8) == {"contact"}


def test_trade_contacts_in_a_cii_invoice_are_found_by_xpath() -> None:
    rules = load_rules(DEFAULT_RESIDENCY_DIR, "HK")
    assert rules is not None
    classes = rules.data_classes_for(INVOICE)
    raw = (REFERENCE / "uncefact/examples/CII_example3.xml").read_bytes()
    assert held_classes(raw, "xml", classes, rules.namespaces, max_depth=64) == {"trade-contact"}
    start, end = raw.index(b"<ram:DefinedTradeContact>"), raw.index(b"</ram:DefinedTradeContact>")
    without = raw[:start] + raw[end + len(b"</ram:DefinedTradeContact>") :]
    assert held_classes(without, "xml", classes, rules.namespaces, max_depth=64) == frozenset()
