"""Notice delivery latency and deletion-receipt verification time, each against a baseline.

Latency: an embedded hub (SQLite, tasks run right after commit) with the bank's Standard
Webhooks endpoint on loopback; the time from an owner's `POST .../pause` to the bank's
receiver verifying the signed `notice.issued` webhook, against the same request for a
consent whose bank subscribed nothing. Verification: signature (ES256, PS256, RS256) plus
every claim check of a receipt naming 10 documents, against verifying an access token.

    PYTHONPATH=. python bench/notices.py [--smoke] [--notices N] [--receipts N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from joserfc.jwk import ECKey, RSAKey

from app.container import Container
from app.domain.deletion_receipt import Fetched, IssuedNonce, ReceiptClaims, check_receipt
from app.main import create_app
from app.security.keys import KeyStore
from app.security.principal import SYSTEM
from app.security.receipts import verify_receipt_signature
from app.security.tokens import issue_access_token, verify_access_token
from app.services.delivery.connector_instances import create_instance, subscribe
from app.services.participants.service import create_participant
from app.settings import Settings
from app.storage.migrate import upgrade
from connectors.webhook.signing import generate_secret
from tests.receipt_signing import receipt_claims, sign_receipt
from tests.support import consent_request_body, wait_until
from tests.webhook_receiver import WebhookReceiver

HUB = "http://testserver"


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def mean_seconds(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def receipt_verification(n: int) -> dict[str, float]:
    """Mean seconds to verify one receipt per algorithm, and one access token."""
    consent, now = uuid.uuid4(), datetime.now(UTC)
    documents = [(uuid.uuid4(), uuid.uuid4().hex * 2) for _ in range(10)]
    nonce = IssuedNonce("n", consent, now - timedelta(minutes=1), now + timedelta(minutes=9))
    fetched = {d: Fetched(h, now - timedelta(days=1)) for d, h in documents}
    claims = receipt_claims(
        consumer_id="bank",
        audience=HUB,
        consent_id=consent,
        nonce="n",
        documents=documents,
        deleted_at=now - timedelta(hours=1),
        issued_at=now,
    )
    keys: dict[str, ECKey | RSAKey] = {
        "ES256": ECKey.generate_key("P-256", parameters={"kid": "ec"}),
        "PS256": RSAKey.generate_key(2048, parameters={"kid": "rsa"}),
        "RS256": RSAKey.generate_key(2048, parameters={"kid": "rsa"}),
    }
    results = {}
    for algorithm, key in keys.items():
        token, jwks = sign_receipt(claims, key, algorithm), [key.as_dict(private=False)]

        def verify(token: str = token, jwks: list[dict[str, Any]] = jwks) -> None:
            signed: ReceiptClaims = verify_receipt_signature(token, jwks).claims
            check_receipt(
                signed,
                consent_id=consent,
                consumer="bank",
                audience=HUB,
                nonce=nonce,
                fetched=fetched,
                now=now,
            )

        results[algorithm] = mean_seconds(verify, n)
    hub = KeyStore.generate()
    access = issue_access_token(
        hub,
        issuer=HUB,
        audience="tradegate",
        ttl=300,
        client_id="c",
        participant_id="p",
        scopes=["data:read"],
        roles=["consumer"],
    ).token
    results["access token"] = mean_seconds(
        lambda: verify_access_token(hub, access, issuer=HUB, audience="tradegate"), n
    )
    return results


def _headers(container: Container, participant_id: uuid.UUID, roles: list[str]) -> dict[str, str]:
    scopes = {"consumer": ["consents:write", "consents:read"], "owner": ["consents:manage"]}
    token = issue_access_token(
        container.keys,
        issuer=HUB,
        audience=container.settings.audience,
        ttl=900,
        client_id=f"bench-{participant_id}",
        participant_id=str(participant_id),
        scopes=[s for r in roles for s in scopes[r]],
        roles=roles,
    ).token
    return {"Authorization": f"Bearer {token}"}


def notice_latency(n: int, data_dir: Path) -> tuple[list[float], list[float]]:
    """Seconds from pause request to verified webhook, and for a pause nobody listens to."""
    settings = Settings(
        env="test",
        data_dir=data_dir,
        inline_tasks=True,
        embedded_scheduler=False,
        log_level="ERROR",
        issuer=HUB,
    )
    upgrade(settings.effective_database_url)
    container = Container(settings)
    secret = generate_secret()
    with container.uow() as uow:
        owner, bank, quiet = (
            create_participant(uow.session, name=name, roles=roles)
            for name, roles in (
                ("Owner", ("owner",)),
                ("Bank", ("consumer",)),
                ("Quiet", ("consumer",)),
            )
        )
        uow.commit()
    owner_h = _headers(container, owner.id, ["owner"])
    with (
        WebhookReceiver([secret]) as receiver,
        TestClient(create_app(container=container)) as client,
    ):
        with container.uow() as uow:
            instance, _ = create_instance(
                uow.session,
                SYSTEM,
                connector="webhook",
                name="bench",
                config={"url": receiver.url, "secrets": [secret], "allow_internal": ["127.0.0.1"]},
                participant_id=bank.id,
            )
            subscribe(uow.session, SYSTEM, instance.id, topics=["notice.issued"])
            uow.commit()

        def active(consumer: uuid.UUID, roles: list[str]) -> str:
            body = consent_request_body(owner.id)
            made = client.post(
                "/v1/consents", json=body, headers=_headers(container, consumer, roles)
            )
            consent_id = str(made.json()["id"])
            client.post(f"/v1/consents/{consent_id}/approve", headers=owner_h)
            return consent_id

        def arrived(consent_id: str) -> bool:
            with receiver.lock:
                return any(
                    m["type"] == "notice.issued" and m["data"]["consent_id"] == consent_id
                    for m in receiver.messages.values()
                )

        delivered, unheard = [], []
        for _ in range(n):
            heard, silent = active(bank.id, ["consumer"]), active(quiet.id, ["consumer"])
            start = time.perf_counter()
            client.post(f"/v1/consents/{heard}/pause", headers=owner_h)
            assert wait_until(lambda heard=heard: arrived(heard), timeout=30)
            delivered.append(time.perf_counter() - start)
            start = time.perf_counter()
            client.post(f"/v1/consents/{silent}/pause", headers=owner_h)
            unheard.append(time.perf_counter() - start)
    container.close()
    return delivered, unheard


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny run for the test suite")
    parser.add_argument("--notices", type=int, default=200)
    parser.add_argument("--receipts", type=int, default=300)
    args = parser.parse_args()
    notices, receipts = (5, 5) if args.smoke else (args.notices, args.receipts)
    verification = receipt_verification(receipts)
    baseline = verification.pop("access token")
    for algorithm, seconds in verification.items():
        print(
            f"receipt_verify_{algorithm}_ms {seconds * 1000:.3f}"
            f"  ({seconds / baseline:.1f}x access-token verify, {baseline * 1000:.3f} ms)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        delivered, unheard = notice_latency(notices, Path(tmp))
    d50, d99 = percentiles(delivered)
    u50, u99 = percentiles(unheard)
    print(f"notice_delivery_p50_ms {d50 * 1000:.1f}  p99_ms {d99 * 1000:.1f}")
    print(f"pause_without_subscriber_p50_ms {u50 * 1000:.1f}  p99_ms {u99 * 1000:.1f}")
    print(f"p50 ratio {d50 / u50:.2f}")


if __name__ == "__main__":
    main()
