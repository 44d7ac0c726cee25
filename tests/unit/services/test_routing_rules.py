"""Routing rules as data: empty filters match everything, each filter narrows."""

import uuid
from datetime import UTC, date, datetime

import pytest

from app.services.delivery.routing import document_data, rule_matches
from app.storage.models import Document, Subscription

OWNER = str(uuid.uuid4())


def rule(**filters):
    return Subscription(
        topics=filters.get("topics", []),
        document_types=filters.get("document_types", []),
        owner_ids=filters.get("owner_ids", []),
    )


@pytest.mark.parametrize(
    ("filters", "topic", "doc_type", "owner", "expected"),
    [
        ({}, "document.accepted", "dcsa.transport-document", OWNER, True),
        ({}, "consent.revoked", None, None, True),
        ({"topics": ["consent.revoked"]}, "document.accepted", "x", OWNER, False),
        ({"topics": ["consent.revoked"]}, "consent.revoked", None, None, True),
        ({"document_types": ["uncefact.cii.invoice"]}, "document.accepted", "x", OWNER, False),
        ({"document_types": ["x"]}, "document.accepted", "x", OWNER, True),
        ({"document_types": ["x"]}, "consent.activated", None, None, True),
        ({"owner_ids": [str(uuid.uuid4())]}, "document.accepted", "x", OWNER, False),
        ({"owner_ids": [OWNER]}, "document.accepted", "x", OWNER, True),
    ],
)
def test_rule_filters(filters, topic, doc_type, owner, expected):
    assert rule_matches(rule(**filters), topic, doc_type, owner) is expected


def test_notification_data_names_and_links_the_document_without_its_content():
    document = Document(
        id=uuid.uuid4(),
        doc_type="dcsa.transport-document",
        version="3.0.3",
        media_type="application/json",
        owner_id=uuid.uuid4(),
        provider_id=uuid.uuid4(),
        reference="TDR1",
        document_date=date(2026, 11, 1),
        received_at=datetime(2026, 11, 28, tzinfo=UTC),
        size=10,
        sha256="a" * 64,
        canonical_sha256="b" * 64,
        content=b"secret bytes",
    )
    data = document_data(document, "https://hub.example/")
    assert data["document_id"] == str(document.id)
    assert (
        data["links"]["content"] == f"https://hub.example/v1/data/documents/{document.id}/content"
    )
    assert data["canonical_sha256"] == "b" * 64 and data["document_date"] == "2026-11-01"
    assert "secret bytes" not in repr(data)
