"""Witness fixtures: a second hub served on loopback that witnesses the test's hub."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.container import Container
from app.services.witness.witnessing import witness_verifier
from app.settings import Settings, WitnessEndpoint
from app.storage.migrate import upgrade
from tests.integration.ledger.conftest import make_document  # noqa: F401 - a shared fixture
from tests.support import ManagedProcess, free_port, settings_env, wait_until


@dataclass
class ServedHub:
    """A hub run by `tradegate serve` in its own process, and a container on its database."""

    container: Container
    base: str

    @property
    def witness(self) -> WitnessEndpoint:
        keys, settings = self.container.keys, self.container.settings
        return WitnessEndpoint(url=self.base, vkey=witness_verifier(settings, keys).vkey)


@pytest.fixture
def witness_hub(tmp_path: Path) -> Iterator[ServedHub]:
    directory = tmp_path / "witness-hub"
    directory.mkdir()
    port = free_port()
    settings = Settings(
        env="test",
        data_dir=directory,
        database_url=f"sqlite:///{directory / 'hub.db'}",
        embedded_scheduler=False,
        log_level="WARNING",
        issuer=f"http://127.0.0.1:{port}",
        jurisdiction="CN",
    )
    upgrade(settings.effective_database_url)
    container = Container(settings)  # creates the key file the server then loads
    base = f"http://127.0.0.1:{port}"
    server = ManagedProcess(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        {**settings_env(settings), "TRADEGATE_JURISDICTION": "CN"},
        directory / "serve.log",
    )

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    with server:
        assert wait_until(up, timeout=90), (directory / "serve.log").read_text()[-2000:]
        try:
            yield ServedHub(container, base)
        finally:
            container.close()
