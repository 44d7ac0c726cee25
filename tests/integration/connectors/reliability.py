"""Shared set-up for the reliability tests: parties, consents, webhooks and pushed documents."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from app.storage.models import Participant
from tests.support import iso, reefer_transport_document
from tests.webhook_receiver import WebhookReceiver

LEI = "5493001KJTIIGC8Y1R12"
TRANSPORT = "dcsa.transport-document"


def transport_document(n: int) -> bytes:
    """An official DCSA example made unique, issued today, shipped by the LEI owner."""
    td = reefer_transport_document(
        LEI, transportDocumentReference=f"CRASH{n:07d}", issueDate=date.today().isoformat()
    )
    return json.dumps(td).encode()


def grant_monitoring_consent(
    client: TestClient, owner: dict[str, str], consumer: dict[str, str], owner_id: Any
) -> None:
    """A consumer asks to follow the owner's transport documents; the owner approves."""
    now = datetime.now(UTC)
    body = {
        "owner_id": str(owner_id),
        "document_types": [TRANSPORT],
        "purpose": "ONGOING_MONITORING",
        "data_range": {"from": iso(now - timedelta(days=700)), "to": iso(now + timedelta(days=20))},
        "validity": {
            "from": iso(now - timedelta(minutes=1)),
            "until": iso(now + timedelta(days=30)),
        },
        "fetch_type": "PERIODIC",
        "frequency": {"count": 24, "unit": "DAY"},
        "data_life_days": 30,
    }
    requested = client.post("/v1/consents", json=body, headers=consumer)
    assert requested.status_code == 201, requested.text
    approved = client.post(f"/v1/consents/{requested.json()['id']}/approve", headers=owner)
    assert approved.status_code == 200, approved.text


def add_webhook(
    client: TestClient, admin: dict[str, str], bank: Participant, url: str, secret: str
):
    """The operator registers the bank's loopback endpoint (allow-listed) for documents."""
    created = client.post(
        "/v1/connectors/instances",
        json={
            "connector": "webhook",
            "name": "crash-test",
            "participant_id": str(bank.id),
            "config": {"url": url, "secrets": [secret], "allow_internal": ["127.0.0.1"]},
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    rule = client.post(
        f"/v1/connectors/instances/{created.json()['id']}/subscriptions",
        json={"topics": ["document.accepted"]},
        headers=admin,
    )
    assert rule.status_code == 201, rule.text


@dataclass
class Pusher:
    """Clients pushing documents with idempotency keys, retrying until each gets its 201."""

    base_url: Callable[[], str]
    headers: dict[str, str]
    accepted: dict[int, str] = field(default_factory=dict)
    transport_errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def push(self, n: int, deadline: float) -> None:
        """POST until a 201; the same Idempotency-Key makes every retry safe.

        A 409 after one of our requests died with the server means that request's claim
        on the key is orphaned: its document was never committed (a committed one answers
        with the stored 201). Only then is a fresh key used, instead of waiting for the
        server to declare the claim stale.
        """
        body = transport_document(n)
        key, lost = f"doc-{n}", 0
        with httpx.Client(timeout=30) as http:
            while time.monotonic() < deadline:
                headers = {**self.headers, "Idempotency-Key": key}
                headers["Content-Type"] = "application/json"
                try:
                    response = http.post(
                        f"{self.base_url()}/v1/documents", content=body, headers=headers
                    )
                except httpx.TransportError:
                    lost += 1
                    with self.lock:
                        self.transport_errors += 1
                    time.sleep(0.2)
                    continue
                if response.status_code == 409 and lost:
                    key = f"doc-{n}-after-{lost}-lost"
                    continue
                assert response.status_code == 201, response.text
                with self.lock:
                    self.accepted[n] = response.json()["id"]
                return
        raise AssertionError(f"document {n} was never accepted")

    def run(self, numbers: list[int], clients: int, deadline: float) -> None:
        todo = list(numbers)
        errors: list[BaseException] = []

        def work() -> None:
            while True:
                with self.lock:
                    if not todo:
                        return
                    n = todo.pop()
                try:
                    self.push(n, deadline)
                except BaseException as exc:  # reported by the test thread
                    errors.append(exc)
                    return

        threads = [threading.Thread(target=work) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]


def received_documents(receiver: WebhookReceiver) -> dict[str, set[str]]:
    """document id -> webhook-ids it arrived under (more than one would be a true duplicate)."""
    seen: dict[str, set[str]] = {}
    with receiver.lock:
        for msg_id, message in receiver.messages.items():
            if message.get("type") == "document.accepted":
                seen.setdefault(message["data"]["document_id"], set()).add(msg_id)
    return seen
