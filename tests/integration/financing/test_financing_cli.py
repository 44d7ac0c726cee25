"""`tradegate financing` and fingerprint key rotation against the hub the API writes to."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.settings import get_settings
from tests.integration.financing.conftest import ebl

pytestmark = pytest.mark.integration


@pytest.fixture
def runner(settings, monkeypatch):
    """The command, configured like the test's API (same database and key file)."""
    monkeypatch.setenv("TRADEGATE_ENV", "test")
    monkeypatch.setenv("TRADEGATE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TRADEGATE_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("TRADEGATE_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("TRADEGATE_EMBEDDED_SCHEDULER", "false")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_a_lender_checks_a_file_and_keys_rotate_without_losing_registrations(
    runner, hub, consent, push_ebl, register, tmp_path
):
    consent("bank_a")
    registered = register("bank_a", push_ebl())
    assert registered.status_code == 201, registered.text
    held = tmp_path / "bl.json"
    held.write_text(json.dumps(ebl(carrierCode=ebl()["carrierCode"].lower()), indent=1))

    def check() -> str:
        result = runner.invoke(
            cli, ["financing", "check", str(held), "--lender", str(hub.bank_b.id)]
        )
        assert result.exit_code == 0, result.output
        return str(json.loads(result.stdout)["status"])

    assert check() == "DUPLICATE"
    listed = [
        json.loads(line) for line in runner.invoke(cli, ["financing", "list"]).stdout.splitlines()
    ]
    assert [(r["id"], r["lender_id"]) for r in listed] == [
        (registered.json()["id"], str(hub.bank_a.id))
    ]

    old = next(
        line.split()[0]
        for line in runner.invoke(cli, ["keys", "list"]).stdout.splitlines()
        if line.endswith("fingerprint")
    )
    assert runner.invoke(cli, ["keys", "rotate", "--fingerprint"]).exit_code == 0
    assert check() == "DUPLICATE"
    refused = runner.invoke(cli, ["keys", "retire", old])
    assert refused.exit_code == 2 and "rekey" in refused.output
    rekeyed = runner.invoke(cli, ["financing", "rekey"])
    assert rekeyed.exit_code == 0 and "1 registrations" in rekeyed.output
    assert runner.invoke(cli, ["keys", "retire", old]).exit_code == 0
    assert check() == "DUPLICATE"

    missing = runner.invoke(
        cli, ["financing", "check", str(tmp_path / "nope.json"), "--lender", "x"]
    )
    assert missing.exit_code == 2
