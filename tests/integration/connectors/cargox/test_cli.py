"""`tradegate connectors authorize / health / revoke-authorization` for a cargox instance."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

from app.cli import cli
from app.cli.support import open_container
from app.services.delivery.connector_access import complete_authorization
from tests.integration.connectors.cargox.conftest import cargox_config


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
    assert "callback: http://localhost:8000/v1/connectors/authorization/callback" in started.stdout
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
