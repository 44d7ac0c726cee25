"""Document validation: registry, hardened parsers, schemas, business rules, canonical hashes."""

from app.validation.errors import (
    DocumentTooLarge,
    IntakeError,
    RegistryError,
    UndeterminedDocumentType,
    UnparsableDocument,
    UnsupportedMediaType,
)
from app.validation.pipeline import DEFAULT_MAX_BYTES, MAX_ERRORS, validate
from app.validation.registry import default_registry, load_registry
from app.validation.report import Finding, OwnerIdentifier, Severity, ValidationReport

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_ERRORS",
    "DocumentTooLarge",
    "Finding",
    "IntakeError",
    "OwnerIdentifier",
    "RegistryError",
    "Severity",
    "UndeterminedDocumentType",
    "UnparsableDocument",
    "UnsupportedMediaType",
    "ValidationReport",
    "default_registry",
    "load_registry",
    "validate",
]
