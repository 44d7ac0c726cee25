"""Exceptions raised by the validation pipeline before a report can be produced.

Each carries the HTTP status the service layer maps it to, so the API, the CLI and the
connectors agree on what a failure means without importing one another.
"""

from __future__ import annotations


class IntakeError(Exception):
    """Base class: the input cannot be validated at all."""

    status = 400
    slug = "invalid-document"

    def __init_subclass__(cls, *, status: int, slug: str, **kwargs: object) -> None:
        """Each kind of failure names its HTTP status and problem slug in its class line."""
        super().__init_subclass__(**kwargs)
        cls.status = status
        cls.slug = slug

    def __init__(self, detail: str, *, reason: str, **extensions: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.reason = reason
        self.extensions = extensions


class DocumentTooLarge(IntakeError, status=413, slug="payload-too-large"):
    """The input is larger than the configured cap (checked before any parsing)."""


class UnparsableDocument(IntakeError, status=400, slug="unparsable-document"):
    """Malformed or hostile input: bad encoding, syntax, DOCTYPE, duplicate keys, depth."""


class UnsupportedMediaType(IntakeError, status=415, slug="unsupported-media-type"):
    """The media type or explicit type names nothing in the registry."""


class UndeterminedDocumentType(IntakeError, status=422, slug="undetermined-document-type"):
    """The content matches no registered type, or more than one (``candidates`` lists them)."""


class RegistryError(Exception):
    """The schema registry is inconsistent (missing file, digest mismatch): a deployment fault."""
