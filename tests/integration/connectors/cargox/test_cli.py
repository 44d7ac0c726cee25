"""`tradegate connectors authorize / health / revoke-authorization` for a cargox instance."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.cli.support import open_container
from app.services.delivery.connector_access import complete_authorization
from app.settings import get_settings
from tests.integration.connectors.cargox.conftest import cargox_config


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("TRADEGATE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRADEGATE_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("TRADEGATE_ISSUER", "https://hub.example")
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    yield runner
    get_settings.cache_clear()


def test_an_operator_authorises_checks_and_revokes_from_the_command_line(runner, standin, tmp_path):
    assert runner.invoke(cli, ["participants", "add", "Bank A", "-r", "consumer"]).exit_code == 0
    config = tmp_path / "cargox.json"
    config.write_text(json.dumps(cargox_config(standin)))
    added = runner.invoke(
        cli, ["connectors", "add", "Bank A", "cargox", "--name", "cargox", "--config", f"@{config}"]
    )
    assert added.exit_code == 0, added.output
    instance_id = json.loads(added.stdout)["id"]
    assert runner.invoke(cli, ["connectors", "health", instance_id]).exit_code == 1

    started = runner.invoke(cli, ["connectors", "authorize", instance_id])
    assert started.exit_code == 0, started.output
    url = started.stdout.split("open: ", 1)[1].split()[0]
    assert "callback: https://hub.example/v1/connectors/authorization/callback" in started.stdout
    state = parse_qs(urlparse(url).query)["state"][0]

    container = open_container()
    try:
        complete_authorization(container, state=state, code=standin.state.consent(), error=None)
    finally:
        container.close()
    healthy = runner.invoke(cli, ["connectors", "health", instance_id])
    assert healthy.exit_code == 0 and "ok: authorised" in healthy.stdout

    revoked = runner.invoke(cli, ["connectors", "revoke-authorization", instance_id])
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    assert standin.state.access == {}
