"""The artefact payload is deterministic JSON carrying every term of the consent."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta, timezone

from app.domain.consent import FetchType
from app.domain.consent_artefact import artefact_payload, rfc3339


def test_payload_carries_every_term(make_terms, now):
    provider = uuid.uuid4()
    terms = make_terms(
        provider_ids=frozenset({provider}),
        document_types=frozenset({"uncefact.cii.invoice", "dcsa.transport-document"}),
    )
    consent_id = uuid.uuid4()
    payload = artefact_payload(
        consent_id=consent_id,
        terms=terms,
        issuer="https://hub.example",
        created_at=now,
        activated_at=now,
    )
    assert payload["consentId"] == str(consent_id)
    assert payload["iss"] == "https://hub.example"
    assert payload["owner"] == {"id": str(terms.owner_id)}
    assert payload["consumer"] == {"id": str(terms.consumer_id)}
    assert payload["providers"] == [str(provider)]
    assert payload["documentTypes"] == ["dcsa.transport-document", "uncefact.cii.invoice"]
    assert payload["purpose"] == {"code": "TRADE_FINANCE_APPLICATION", "text": "Trade finance"}
    assert payload["dataRange"]["from"] == rfc3339(terms.data_range.start)
    assert payload["validity"]["until"] == rfc3339(terms.validity.end)
    assert payload["fetchType"] == "PERIODIC"
    assert payload["frequency"] == {"count": 5, "unit": "DAY"}
    assert payload["dataLife"] == {"days": 30}
    json.dumps(payload)


def test_onetime_payload_has_null_frequency(make_terms, now):
    terms = make_terms(fetch_type=FetchType.ONETIME, frequency=None)
    payload = artefact_payload(
        consent_id=uuid.uuid4(), terms=terms, issuer="i", created_at=now, activated_at=now
    )
    assert payload["frequency"] is None


def test_same_terms_give_the_same_payload(make_terms, now):
    consent_id = uuid.uuid4()
    first = artefact_payload(
        consent_id=consent_id, terms=make_terms(), issuer="i", created_at=now, activated_at=now
    )
    second = artefact_payload(
        consent_id=consent_id, terms=make_terms(), issuer="i", created_at=now, activated_at=now
    )
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_timestamps_are_utc_with_z_whatever_the_input_zone(now):
    assert rfc3339(now) == "2026-03-10T12:30:00Z"
    assert rfc3339(now.astimezone(timezone(timedelta(hours=8)))) == "2026-03-10T12:30:00Z"
