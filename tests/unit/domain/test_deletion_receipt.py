"""A receipt must be fresh, plausible and account for exactly the documents that were fetched."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest

from app.domain.deletion_receipt import (
    DeletedDocument,
    Fetched,
    IssuedNonce,
    ReceiptClaims,
    ReceiptRejected,
    RejectReason,
    check_receipt,
)
from tests.receipt_signing import receipt_claims

from .conftest import CONSUMER, NOW

HUB = "https://hub.example"
CONSENT = uuid.UUID("00000000-0000-4000-8000-0000000000c1")
DOC_A = uuid.UUID("00000000-0000-4000-8000-0000000000d1")
DOC_B = uuid.UUID("00000000-0000-4000-8000-0000000000d2")
HASH_A, HASH_B = "a" * 64, "b" * 64
FETCHED = {
    DOC_A: Fetched(HASH_A, NOW - timedelta(days=3)),
    DOC_B: Fetched(HASH_B, NOW - timedelta(days=2)),
}
NONCE = IssuedNonce("n-123", CONSENT, NOW - timedelta(minutes=2), NOW + timedelta(minutes=8))


def _claims(**overrides) -> ReceiptClaims:
    claims = receipt_claims(
        consumer_id=CONSUMER,
        audience=HUB,
        consent_id=CONSENT,
        nonce=NONCE.value,
        documents=[(DOC_A, HASH_A), (DOC_B, HASH_B)],
        deleted_at=NOW - timedelta(days=1),
        issued_at=NOW - timedelta(minutes=1),
    )
    return dataclasses.replace(claims, **overrides)


def _reason(claims: ReceiptClaims, *, nonce=NONCE, fetched=FETCHED) -> RejectReason | None:
    try:
        check_receipt(
            claims,
            consent_id=CONSENT,
            consumer=str(CONSUMER),
            audience=HUB,
            nonce=nonce,
            fetched=fetched,
            now=NOW,
        )
    except ReceiptRejected as rejected:
        return rejected.reason
    return None


def test_a_receipt_for_everything_fetched_is_accepted():
    assert _reason(_claims()) is None


def test_claims_survive_a_round_trip_through_their_json_form():
    claims = _claims()
    assert ReceiptClaims.parse(claims.as_claims()) == claims


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"consent_id": uuid.uuid4()}, RejectReason.WRONG_CONSENT),
        ({"issuer": str(uuid.uuid4())}, RejectReason.WRONG_ISSUER),
        ({"audiences": ("https://other.example",)}, RejectReason.WRONG_AUDIENCE),
        ({"nonce": "n-guessed"}, RejectReason.NONCE_UNKNOWN),
        ({"issued_at": NOW - timedelta(minutes=5)}, RejectReason.NONCE_STALE),
        ({"issued_at": NOW + timedelta(minutes=5)}, RejectReason.ISSUED_IN_FUTURE),
        ({"deleted_at": NOW + timedelta(minutes=3)}, RejectReason.DELETED_AFTER_SIGNING),
        ({"deleted_at": NOW - timedelta(days=2, hours=1)}, RejectReason.DELETED_BEFORE_FETCH),
        (
            {"documents": (DeletedDocument(DOC_A, HASH_A), DeletedDocument(uuid.uuid4(), HASH_B))},
            RejectReason.DOCUMENT_NOT_FETCHED,
        ),
        (
            {"documents": (DeletedDocument(DOC_A, HASH_B), DeletedDocument(DOC_B, HASH_B))},
            RejectReason.HASH_MISMATCH,
        ),
        ({"documents": (DeletedDocument(DOC_A, HASH_A),)}, RejectReason.DOCUMENTS_MISSING),
    ],
)
def test_an_implausible_receipt_is_refused_with_its_reason(overrides, reason):
    assert _reason(_claims(**overrides)) is reason


def test_an_expired_nonce_is_stale():
    expired = dataclasses.replace(NONCE, expires_at=NOW)
    assert _reason(_claims(), nonce=expired) is RejectReason.NONCE_STALE


def test_a_used_nonce_cannot_be_spent_twice():
    used = dataclasses.replace(NONCE, used_at=NOW - timedelta(minutes=1))
    assert _reason(_claims(), nonce=used) is RejectReason.NONCE_REUSED


def test_a_nonce_issued_for_another_consent_is_unknown():
    other = dataclasses.replace(NONCE, consent_id=uuid.uuid4())
    assert _reason(_claims(), nonce=other) is RejectReason.NONCE_UNKNOWN


def test_a_missing_nonce_is_unknown():
    assert _reason(_claims(), nonce=None) is RejectReason.NONCE_UNKNOWN


@pytest.mark.parametrize(
    "change",
    [
        {"iss": ""},
        {"aud": []},
        {"iat": "yesterday"},
        {"iat": True},
        {"jti": None},
        {"consent_id": "not-a-uuid"},
        {"consent_id": 7},
        {"documents": []},
        {"documents": [{"id": str(DOC_A)}]},
        {"documents": [{"id": str(DOC_A), "sha256": "A" * 64}]},
        {"documents": [{"id": str(DOC_A), "sha256": HASH_A}, {"id": str(DOC_A), "sha256": HASH_A}]},
        {"documents": ["a"]},
        {"deleted_at": "2026-03-09"},
        {"deleted_at": "2026-03-09T10:00:00"},
        {"deleted_at": 1773000000},
        {"method": "SHRED"},
    ],
)
def test_malformed_claims_are_refused_before_any_judgement(change):
    with pytest.raises(ReceiptRejected) as raised:
        ReceiptClaims.parse({**_claims().as_claims(), **change})
    assert raised.value.reason is RejectReason.MALFORMED
