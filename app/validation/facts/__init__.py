"""Facts extractors (reference, date, owner identifiers) by the name the registry gives them."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from app.validation.facts import cii, dcsa
from app.validation.report import Facts

JSON_FACTS: dict[str, Callable[..., Facts]] = {"dcsa.transport-document": dcsa.extract}
XML_FACTS: dict[str, Callable[[etree._ElementTree], Facts]] = {"uncefact.cii.invoice": cii.extract}
