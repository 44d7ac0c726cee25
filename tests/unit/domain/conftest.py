"""Fixtures for domain tests: consent terms and documents at a fixed moment."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.domain.consent import (
    ConsentTerms,
    DocumentFacts,
    FetchType,
    Frequency,
    FrequencyUnit,
    Interval,
)

NOW = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)
OWNER = uuid.UUID("00000000-0000-4000-8000-00000000000a")
CONSUMER = uuid.UUID("00000000-0000-4000-8000-00000000000b")
PROVIDER = uuid.UUID("00000000-0000-4000-8000-00000000000c")


def build_terms(**overrides: Any) -> ConsentTerms:
    """Terms that fit TRADE_FINANCE_APPLICATION in the default catalogue unless overridden."""
    values: dict[str, Any] = {
        "owner_id": OWNER,
        "consumer_id": CONSUMER,
        "document_types": frozenset({"dcsa.transport-document"}),
        "purpose_code": "TRADE_FINANCE_APPLICATION",
        "purpose_text": "Trade finance",
        "data_range": Interval(NOW - timedelta(days=180), NOW + timedelta(days=30), "data_range"),
        "validity": Interval(NOW - timedelta(days=1), NOW + timedelta(days=29), "validity"),
        "fetch_type": FetchType.PERIODIC,
        "frequency": Frequency(5, FrequencyUnit.DAY),
        "data_life_days": 30,
    }
    values.update(overrides)
    return ConsentTerms(**values)


def build_document(**overrides: Any) -> DocumentFacts:
    """A transport document of OWNER pushed by PROVIDER ten days before NOW."""
    values: dict[str, Any] = {
        "document_id": uuid.uuid4(),
        "owner_id": OWNER,
        "provider_id": PROVIDER,
        "doc_type": "dcsa.transport-document",
        "received_at": NOW - timedelta(days=10),
    }
    values.update(overrides)
    return DocumentFacts(**values)


@pytest.fixture
def make_terms() -> Callable[..., ConsentTerms]:
    return build_terms


@pytest.fixture
def make_document() -> Callable[..., DocumentFacts]:
    return build_document


@pytest.fixture
def now() -> datetime:
    return NOW
