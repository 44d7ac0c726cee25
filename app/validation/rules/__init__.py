"""Business-rule sets by the name the registry gives them."""

from __future__ import annotations

from app.validation.rules import cii, dcsa
from app.validation.rules.base import JsonRule, XmlRule

JSON_RULESETS: dict[str, tuple[JsonRule, ...]] = {"dcsa.ebl.v3": dcsa.RULES}
XML_RULESETS: dict[str, tuple[XmlRule, ...]] = {"en16931.cii": cii.RULES}
