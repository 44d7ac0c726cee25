"""A bank's side of deletion receipts: its signing key, a consent it used, nonces and filing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from app.domain.deletion_receipt import DeletionMethod, ReceiptClaims
from app.storage.models import Document
from tests.clock import FakeClock
from tests.integration.consents.conftest import Parties
from tests.receipt_signing import receipt_claims


def request_nonce(client: TestClient, parties: Parties, consent_id: str) -> str:
    """Bank A asks for a fresh nonce to sign into its receipt."""
    answer = client.post(
        f"/v1/consents/{consent_id}/deletion-receipts/nonce", headers=parties.h("bank_a")
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["nonce"]


def file_receipt(
    client: TestClient, parties: Parties, consent_id: str, token: str
) -> httpx.Response:
    """Bank A files a compact JWS as `application/jose`."""
    return client.post(
        f"/v1/consents/{consent_id}/deletion-receipts",
        content=token,
        headers={**parties.h("bank_a"), "Content-Type": "application/jose"},
    )


def bank_receipt(
    clock: FakeClock,
    parties: Parties,
    consent: dict[str, Any],
    documents: list[Document],
    *,
    nonce: str,
    **overrides: Any,
) -> ReceiptClaims:
    """What bank A would sign: these documents crypto-erased five minutes ago, signed now."""
    values = {
        "consumer_id": parties.bank_a.id,
        "audience": "http://testserver",
        "consent_id": consent["id"],
        "nonce": nonce,
        "documents": [(d.id, d.sha256) for d in documents],
        "deleted_at": clock.now - timedelta(minutes=5),
        "issued_at": clock.now,
        "method": DeletionMethod.CRYPTO_ERASE,
    }
    values.update(overrides)
    return receipt_claims(**values)
