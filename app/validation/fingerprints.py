"""A document's keyed fingerprints, computed from its bytes with its type's registry set."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.domain.fingerprints import (
    Fingerprint,
    FingerprintKey,
    Identifier,
    MatchKind,
    fingerprint,
    identifiers,
)
from app.validation.detection import json_shape
from app.validation.fingerprint_paths import raw_fields
from app.validation.locations import resolve
from app.validation.registry import DocumentType, Registry
from app.validation.safe_json import parse_json
from app.validation.safe_xml import parse_xml


@dataclass(frozen=True, slots=True)
class DocumentFingerprints:
    """What a document's identifying fields yield: fingerprints, and definitions left out
    because a field is absent (``{"equipment-voyage": ("vessel-voyage",)}``)."""

    set_name: str
    fingerprints: tuple[Fingerprint, ...]
    missing: dict[str, tuple[str, ...]]
    #: The same fields as OPRF inputs, for cross-border checks (in memory only).
    identifiers: tuple[Identifier, ...] = ()

    @property
    def identifying(self) -> bool:
        """At least one duplicate-class fingerprint: the document can be registered."""
        return any(f.match is MatchKind.DUPLICATE for f in self.fingerprints)


def _subject(raw: bytes, doc_type: DocumentType, registry: Registry) -> Any:
    if doc_type.syntax == "xml":
        return parse_xml(raw, max_depth=registry.max_depth)
    document = parse_json(raw, max_depth=registry.max_depth).value
    shape = json_shape(doc_type, document) or doc_type.shapes[-1]
    return resolve(document, shape.subject_at)[1]


def document_fingerprints(
    raw: bytes, doc_type: DocumentType, keys: Iterable[FingerprintKey], registry: Registry
) -> DocumentFingerprints | None:
    """Fingerprints of ``raw`` under every key in ``keys``; ``None`` if the type has none.

    ``raw`` is parsed with the same hardened parsers as intake (stored documents passed them
    already; a document a lender uploads to check has not).
    """
    fingerprint_set = doc_type.fingerprints
    if fingerprint_set is None:
        return None
    fields = raw_fields(fingerprint_set, _subject(raw, doc_type, registry))
    found, missing = fingerprint(fingerprint_set, fields, keys)
    return DocumentFingerprints(
        fingerprint_set.name, tuple(found), missing, tuple(identifiers(fingerprint_set, fields))
    )
