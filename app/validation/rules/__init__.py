"""Business-rule sets by the name the registry gives them."""

from __future__ import annotations

from typing import Any

from app.validation.rules import cii, dcsa
from app.validation.rules.base import JsonRuleSet, XmlRuleSet

JSON_RULESETS: dict[str, JsonRuleSet[Any]] = {"dcsa.ebl.v3": dcsa.RULE_SET}
XML_RULESETS: dict[str, XmlRuleSet[Any]] = {"en16931.cii": cii.RULE_SET}
