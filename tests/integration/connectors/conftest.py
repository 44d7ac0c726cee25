"""Fixtures for routing and delivery tests: parties, consents, accepted documents, receivers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from app.services.access import coverage
from app.storage.models import Participant
from connectors.webhook.signing import generate_secret
from tests.integration.connectors.routing_support import FakeConsents
from tests.webhook_receiver import WebhookReceiver


@pytest.fixture
def consents(monkeypatch: pytest.MonkeyPatch) -> FakeConsents:
    fake = FakeConsents()
    monkeypatch.setattr(coverage, "covering_consumers", fake)
    return fake


@pytest.fixture
def parties(make_participant: Callable[..., Participant]) -> dict[str, Participant]:
    return {
        "owner": make_participant("Exporter", roles=("owner",)),
        "provider": make_participant("Carrier", roles=("provider",)),
        "bank": make_participant("Bank A", roles=("consumer",)),
        "other_bank": make_participant("Bank B", roles=("consumer",)),
    }


@pytest.fixture
def secret() -> str:
    return generate_secret()


@pytest.fixture
def receiver(secret: str) -> Iterator[WebhookReceiver]:
    with WebhookReceiver([secret]) as r:
        yield r
