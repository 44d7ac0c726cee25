"""Residency rules: what may leave a jurisdiction, for where, and which rule says no."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.residency import ResidencyRuleError, Transfer, parse_rules

TD = "dcsa.transport-document"
INVOICE = "uncefact.cii.invoice"
SYNTAX = {TD: "json", INVOICE: "xml"}


def rules_file(*rules: dict[str, Any], jurisdiction: str = "CN") -> dict[str, Any]:
    return {"jurisdiction": jurisdiction, "version": "2026-01", "rules": list(rules)}


CUSTOMS_STAYS = {
    "id": "cn-invoice-local",
    "description": "commercial invoices stay onshore",
    "document_types": [INVOICE],
    "may_leave_to": [],
}
CONTACTS_TO_HK = {
    "id": "cn-personal-contacts",
    "description": "personal contact details go to Hong Kong only",
    "data_class": {
        "name": "personal-contact",
        "paths": {TD: ["/documentParties/shipper/partyContactDetails"]},
    },
    "may_leave_to": ["HK"],
}


def test_type_that_may_not_leave_is_refused_everywhere_abroad() -> None:
    rules = parse_rules(rules_file(CUSTOMS_STAYS), SYNTAX)
    for destination in ("HK", "SG", "us"):
        decision = rules.evaluate(Transfer(INVOICE, destination))
        assert not decision.allowed
        assert decision.rule == "cn-invoice-local"
        assert "may not leave CN" in decision.detail


def test_a_peer_in_the_same_jurisdiction_is_not_abroad() -> None:
    rules = parse_rules(rules_file(CUSTOMS_STAYS), SYNTAX)
    assert rules.evaluate(Transfer(INVOICE, "cn")).allowed


def test_types_no_rule_names_may_leave() -> None:
    rules = parse_rules(rules_file(CUSTOMS_STAYS), SYNTAX)
    assert rules.evaluate(Transfer(TD, "HK")).allowed


def test_data_class_goes_only_to_named_jurisdictions() -> None:
    rules = parse_rules(rules_file(CONTACTS_TO_HK), SYNTAX)
    holding = frozenset({"personal-contact"})
    assert rules.evaluate(Transfer(TD, "HK", holding)).allowed
    refused = rules.evaluate(Transfer(TD, "SG", holding))
    assert refused.rule == "cn-personal-contacts"
    assert "data class personal-contact may leave CN only for HK" in refused.detail


def test_document_without_the_data_class_is_not_caught_by_its_rule() -> None:
    rules = parse_rules(rules_file(CONTACTS_TO_HK), SYNTAX)
    assert rules.evaluate(Transfer(TD, "SG")).allowed


def test_every_blocking_rule_is_listed_first_in_file_order() -> None:
    td_stays = {
        "id": "cn-td-local",
        "description": "transport documents stay",
        "document_types": [TD],
        "may_leave_to": ["HK"],
    }
    rules = parse_rules(rules_file(CONTACTS_TO_HK, td_stays), SYNTAX)
    decision = rules.evaluate(Transfer(TD, "SG", frozenset({"personal-contact"})))
    assert decision.rule == "cn-personal-contacts"
    assert decision.rules == ("cn-personal-contacts", "cn-td-local")


def test_data_classes_for_a_type_name_only_the_classes_it_can_hold() -> None:
    rules = parse_rules(rules_file(CUSTOMS_STAYS, CONTACTS_TO_HK), SYNTAX)
    assert rules.data_classes_for(TD) == {
        "personal-contact": ("/documentParties/shipper/partyContactDetails",)
    }
    assert rules.data_classes_for(INVOICE) == {}


def test_restricts_type_answers_for_listings() -> None:
    rules = parse_rules(rules_file(CUSTOMS_STAYS, CONTACTS_TO_HK), SYNTAX)
    assert rules.restricts_type(INVOICE, "HK") == "cn-invoice-local"
    assert rules.restricts_type(INVOICE, "CN") is None
    assert rules.restricts_type(TD, "SG") is None


def test_empty_rule_list_restricts_nothing() -> None:
    rules = parse_rules(rules_file(), SYNTAX)
    assert rules.evaluate(Transfer(INVOICE, "US")).allowed


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"jurisdiction": "China"}, "jurisdiction"),
        ({"version": ""}, "version"),
        ({"rules": {"a": 1}}, "rules"),
        ({"namespaces": {"1bad": "urn:x"}}, "namespaces"),
    ],
)
def test_malformed_file_is_refused_with_its_place(change: dict[str, Any], where: str) -> None:
    data = {**rules_file(CUSTOMS_STAYS), **change}
    with pytest.raises(ResidencyRuleError) as caught:
        parse_rules(data, SYNTAX)
    assert caught.value.where == where


@pytest.mark.parametrize(
    ("rule", "where"),
    [
        ({**CUSTOMS_STAYS, "id": "Bad Id"}, "rules[0].id"),
        ({**CUSTOMS_STAYS, "description": " "}, "rules[0].description"),
        ({k: v for k, v in CUSTOMS_STAYS.items() if k != "may_leave_to"}, "rules[0]"),
        ({**CUSTOMS_STAYS, "may_leave_to": ["CN"]}, "rules[0].may_leave_to"),
        ({**CUSTOMS_STAYS, "may_leave_to": ["HKG"]}, "rules[0].may_leave_to"),
        ({**CUSTOMS_STAYS, "may_leave_to": ["HK", "HK"]}, "rules[0].may_leave_to"),
        ({**CUSTOMS_STAYS, "document_types": []}, "rules[0]"),
        ({**CUSTOMS_STAYS, "data_class": CONTACTS_TO_HK["data_class"]}, "rules[0]"),
        ({**CUSTOMS_STAYS, "redact": True}, "rules[0]"),
        (
            {**CONTACTS_TO_HK, "data_class": {"name": "x", "paths": {TD: ["no/slash"]}}},
            f"rules[0].data_class.paths.{TD}",
        ),
        ({**CONTACTS_TO_HK, "data_class": {"name": "x", "paths": {}}}, "rules[0].data_class.paths"),
    ],
)
def test_rule_that_says_nothing_clear_is_refused(rule: dict[str, Any], where: str) -> None:
    with pytest.raises(ResidencyRuleError) as caught:
        parse_rules(rules_file(rule), SYNTAX)
    assert caught.value.where == where


def test_rule_ids_and_data_class_names_are_unique() -> None:
    with pytest.raises(ResidencyRuleError, match="used twice"):
        parse_rules(rules_file(CUSTOMS_STAYS, CUSTOMS_STAYS), SYNTAX)
    other = {**CONTACTS_TO_HK, "id": "cn-other"}
    with pytest.raises(ResidencyRuleError, match="defined twice"):
        parse_rules(rules_file(CONTACTS_TO_HK, other), SYNTAX)
