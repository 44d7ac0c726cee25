"""The metadata of a stored document, as the API and consumer notifications both show it."""

from __future__ import annotations

from typing import Any

from app.storage.models import Document


def document_metadata(document: Document) -> dict[str, Any]:
    """Version, parties, dates, size and hashes: what describes a document without its content."""
    return {
        "version": document.version,
        "media_type": document.media_type,
        "owner_id": str(document.owner_id),
        "provider_id": str(document.provider_id),
        "reference": document.reference,
        "document_date": document.document_date.isoformat() if document.document_date else None,
        "received_at": document.received_at.isoformat(),
        "size": document.size,
        "sha256": document.sha256,
        "canonical_sha256": document.canonical_sha256,
    }
