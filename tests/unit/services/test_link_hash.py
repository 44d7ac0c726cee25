"""The chain's link hash is SHA-256 over RFC 8785 JSON, whichever serializer computes it."""

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from app.domain.hashing import json_sha256
from app.services.common.events import link_hash

AWKWARD = [
    "plain",
    'quote " and backslash \\',
    "controls \x00\x01\x08\t\n\x0c\r\x1f and DEL \x7f",
    "é ü ß 日本 €",
    "astral 😀 𝄞",
    "line separator \u2028 \u2029",
    "</script>",
]


@pytest.mark.parametrize("text", AWKWARD)
def test_link_hash_equals_the_general_rfc8785_hash(text):
    event = SimpleNamespace(
        id=uuid.uuid4(),
        time=datetime(2026, 11, 29, 3, 4, 5, 678901, tzinfo=UTC),
        kind=f"kind {text}",
        actor=text,
        subject=f"document:{text}",
        participant_ids=[text, str(uuid.uuid4())],
        payload_sha256="ab" * 32,
    )
    fields = {
        "id": str(event.id),
        "seq": 2**53 - 1,
        "time": event.time.isoformat(),
        "kind": event.kind,
        "actor": event.actor,
        "subject": event.subject,
        "participant_ids": event.participant_ids,
        "payload_sha256": event.payload_sha256,
        "prev_hash": "cd" * 32,
    }
    assert link_hash(event, 2**53 - 1, "cd" * 32) == json_sha256(fields)
