"""Canonical consent artefact payload: the exact claims the hub signs when a consent activates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from app.domain.consent import ConsentTerms

ARTEFACT_VERSION = "1.0"
ARTEFACT_TYPE = "tradegate-consent+jws"


def rfc3339(moment: datetime) -> str:
    """UTC timestamp with a `Z` suffix, so equal instants always serialise identically."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def artefact_payload(
    *,
    consent_id: uuid.UUID,
    terms: ConsentTerms,
    issuer: str,
    created_at: datetime,
    activated_at: datetime,
) -> dict[str, Any]:
    """The artefact as plain JSON values; sets are sorted so the payload is deterministic.

    The field set follows the Account Aggregator consent artefact (consent id, data principal,
    data consumer, data providers, purpose, FI types, data range, consent start/expiry, fetch
    type, frequency, data life), adapted to trade documents.
    """
    frequency = (
        None
        if terms.frequency is None
        else {"count": terms.frequency.count, "unit": terms.frequency.unit.value}
    )
    return {
        "ver": ARTEFACT_VERSION,
        "iss": issuer,
        "consentId": str(consent_id),
        "createdAt": rfc3339(created_at),
        "activatedAt": rfc3339(activated_at),
        "owner": {"id": str(terms.owner_id)},
        "consumer": {"id": str(terms.consumer_id)},
        "providers": sorted(str(p) for p in terms.provider_ids),
        "documentTypes": sorted(terms.document_types),
        "purpose": {"code": terms.purpose_code, "text": terms.purpose_text},
        "dataRange": {
            "from": rfc3339(terms.data_range.start),
            "to": rfc3339(terms.data_range.end),
        },
        "validity": {
            "from": rfc3339(terms.validity.start),
            "until": rfc3339(terms.validity.end),
        },
        "fetchType": terms.fetch_type.value,
        "frequency": frequency,
        "dataLife": {"days": terms.data_life_days},
    }
