"""Fixtures for routing and delivery tests: parties, consents, accepted documents, receivers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.services.access import coverage
from app.settings import get_settings
from app.storage.models import Participant
from connectors.webhook.signing import generate_secret
from tests.integration.connectors.routing_support import FakeConsents
from tests.webhook_receiver import WebhookReceiver


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The `tradegate` command on a migrated SQLite file of its own."""
    monkeypatch.setenv("TRADEGATE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRADEGATE_LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    yield runner
    get_settings.cache_clear()


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
