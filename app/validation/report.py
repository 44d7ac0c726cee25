"""The result of validating one document: findings, hashes, extracted facts, provenance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """An ``error`` rejects the document; a ``warning`` is reported and the document accepted."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One schema violation or business-rule outcome.

    ``rule`` is a stable id (``R07``, ``BR-CO-10``, ``schema:required``, ``xsd:...``);
    ``location`` is a JSON Pointer (JSON) or an XPath (XML) into the received document.
    """

    rule: str
    severity: Severity
    location: str
    message: str
    line: int | None = None
    keyword: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form used by the API problem details and the CLI."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "location": self.location,
            "line": self.line,
            "keyword": self.keyword,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class OwnerIdentifier:
    """An identifier of the data owner found in the document (e.g. LEI, DUNS, VAT).

    ``scheme`` is normalised (LEI, DUNS, GLN, VAT, TAX, EORI...); ``kind`` keeps the
    document's own qualifier (a DCSA tax reference type, a CII tax scheme id) and ``country``
    the issuing country when the document gives one. ``source`` locates it in the document.
    """

    scheme: str
    value: str
    source: str
    country: str | None = None
    kind: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """Plain JSON-ready form."""
        return {
            "scheme": self.scheme,
            "value": self.value,
            "country": self.country,
            "kind": self.kind,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Facts:
    """What the gateway needs to know about a document beyond its validity."""

    reference: str | None = None
    document_date: dt.date | None = None
    owner_identifiers: tuple[OwnerIdentifier, ...] = ()


@dataclass(slots=True)
class ValidationReport:
    """Everything :func:`app.validation.validate` learned about one input."""

    doc_type: str
    version: str
    media_type: str
    shape: str
    schema_valid: bool
    errors: list[Finding]
    warnings: list[Finding]
    sha256: str
    canonical_sha256: str
    canonical: bytes = field(repr=False)
    subject_sha256: str
    facts: Facts
    provenance: dict[str, Any]
    truncated: bool = False
    #: The parsed JSON value (``None`` for XML): callers reuse it instead of parsing again.
    value: Any = field(default=None, repr=False)
    #: Whether the fast RFC 8785 encoder applies to ``value`` and every part of it.
    plain: bool = False

    @property
    def valid(self) -> bool:
        """A document is valid when it has no error-severity finding."""
        return not self.errors

    @property
    def reference(self) -> str | None:
        """Transport document reference or invoice number."""
        return self.facts.reference

    @property
    def document_date(self) -> dt.date | None:
        """Issue / shipped-on-board / received-for-shipment date, or invoice issue date."""
        return self.facts.document_date

    @property
    def owner_identifiers(self) -> tuple[OwnerIdentifier, ...]:
        """Identifiers of the data owner (shipper / seller) found in the document."""
        return self.facts.owner_identifiers

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (no canonical bytes) shared by the CLI and the API."""
        return {
            "type": self.doc_type,
            "version": self.version,
            "media_type": self.media_type,
            "shape": self.shape,
            "valid": self.valid,
            "errors": [f.as_dict() for f in self.errors],
            "warnings": [f.as_dict() for f in self.warnings],
            "truncated": self.truncated,
            "sha256": self.sha256,
            "canonical_sha256": self.canonical_sha256,
            "subject_sha256": self.subject_sha256,
            "reference": self.reference,
            "document_date": self.document_date.isoformat() if self.document_date else None,
            "owner_identifiers": [o.as_dict() for o in self.owner_identifiers],
            "provenance": self.provenance,
        }
