"""W3C XML Schema validation: libxml2 (lxml) decides, ``xmlschema`` explains failures."""

from __future__ import annotations

import threading
from itertools import islice
from pathlib import Path

import xmlschema
from lxml import etree

from app.validation.report import Finding, Severity


class XmlSchemaValidator:
    """An XSD set compiled once from its root file; imports resolve next to it, never online.

    Instance ``xsi:schemaLocation`` hints are ignored by both engines: the registry's schema
    is the only one a document is judged by.
    """

    def __init__(self, root: Path) -> None:
        parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
        self._fast = etree.XMLSchema(etree.parse(str(root), parser=parser))
        self._reference = xmlschema.XMLSchema10(str(root), allow="sandbox", defuse="always")
        # One libxml2 validation context and error log per schema object: serialise use.
        self._lock = threading.Lock()

    def is_valid(self, tree: etree._ElementTree) -> bool:
        """The compiled verdict."""
        with self._lock:
            return bool(self._fast.validate(tree))

    def explain(self, tree: etree._ElementTree, *, limit: int) -> tuple[list[Finding], bool]:
        """All schema errors, at most ``limit`` (and whether more were cut off)."""
        errors = list(
            islice(
                self._reference.iter_errors(
                    xmlschema.XMLResource(tree, allow="none"), use_location_hints=False
                ),
                limit + 1,
            )
        )
        findings = [
            Finding(
                rule="xsd:" + type(e).__name__.removeprefix("XMLSchema").removesuffix("Error"),
                severity=Severity.ERROR,
                location=e.path or "/",
                line=e.sourceline,
                keyword=type(e.validator).__name__,
                message=e.reason or e.message,
            )
            for e in errors[:limit]
        ]
        if not findings:
            # The engines disagree; libxml2's own error log still explains the failure.
            with self._lock:
                self._fast.validate(tree)
                log = list(islice(self._fast.error_log, limit))
            findings = [
                Finding(
                    rule="xsd:" + entry.type_name.lower(),
                    severity=Severity.ERROR,
                    location=entry.path or "/",
                    line=entry.line,
                    keyword=entry.type_name,
                    message=entry.message,
                )
                for entry in log
            ]
        return findings, len(errors) > limit
