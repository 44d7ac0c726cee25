"""Exceptions raised by the validation pipeline before a report can be produced.

Each carries the HTTP status the service layer maps it to, so the API, the CLI and the
connectors agree on what a failure means without importing one another.
"""

from __future__ import annotations


class IntakeError(Exception):
    """Base class: the input cannot be validated at all."""

    status = 400
    slug = "invalid-document"

    def __init__(self, detail: str, *, reason: str, **extensions: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.reason = reason
        self.extensions = extensions


class DocumentTooLarge(IntakeError):
    """The input is larger than the configured cap (checked before any parsing)."""

    status = 413
    slug = "payload-too-large"


class UnparsableDocument(IntakeError):
    """Malformed or hostile input: bad encoding, syntax, DOCTYPE, duplicate keys, depth."""

    status = 400
    slug = "unparsable-document"


class UnsupportedMediaType(IntakeError):
    """The media type or explicit type names nothing in the registry."""

    status = 415
    slug = "unsupported-media-type"


class UndeterminedDocumentType(IntakeError):
    """The content matches no registered type, or more than one (``candidates`` lists them)."""

    status = 422
    slug = "undetermined-document-type"


class RegistryError(Exception):
    """The schema registry is inconsistent (missing file, digest mismatch): a deployment fault."""
