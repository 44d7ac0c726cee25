"""The `tradegate` command against a real SQLite file."""

import json

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.settings import get_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("TRADEGATE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRADEGATE_LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_migrate_then_register_participant_client_and_user(runner):
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    r = runner.invoke(
        cli,
        [
            "participants",
            "add",
            "Kowloon Export",
            "-r",
            "owner",
            "-r",
            "provider",
            "--id",
            "LEI:5493001KJTIIGC8Y1R12",
        ],
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["clients", "add", "LEI:5493001KJTIIGC8Y1R12", "--name", "erp"])
    assert r.exit_code == 0, r.output
    created = json.loads(r.stdout)
    assert created["client_id"].startswith("tg_") and len(created["client_secret"]) >= 40
    r = runner.invoke(
        cli,
        ["users", "add", "Kowloon Export", "ops@kowloon.example", "--password", "a-long-password"],
    )
    assert r.exit_code == 0, r.output
    listing = [
        json.loads(line)
        for line in runner.invoke(cli, ["participants", "list", "--json"]).stdout.splitlines()
    ]
    assert listing[0]["name"] == "Kowloon Export"
    assert listing[0]["identifiers"] == ["LEI:5493001KJTIIGC8Y1R12"]


def test_bad_input_exits_2_with_a_message(runner):
    runner.invoke(cli, ["migrate"])
    r = runner.invoke(cli, ["participants", "add", "X", "-r", "pirate"])
    assert r.exit_code == 2 and "unknown role" in r.output
    r = runner.invoke(cli, ["clients", "add", "no-such-participant"])
    assert r.exit_code == 2 and "no single participant" in r.output


def test_keys_rotate_keeps_the_old_key_verifying(runner):
    runner.invoke(cli, ["migrate"])
    before = runner.invoke(cli, ["keys", "list"]).output.split()[0]
    assert runner.invoke(cli, ["keys", "rotate"]).exit_code == 0
    listing = runner.invoke(cli, ["keys", "list"]).output
    assert f"{before}  retiring" in listing
    assert [line.split()[-1] for line in listing.splitlines() if "  active  " in line] == [
        "sig",
        "fingerprint",
        "oprf",
    ]
    assert runner.invoke(cli, ["keys", "retire", before]).exit_code == 0
    assert runner.invoke(cli, ["keys", "retire", "nope"]).exit_code == 2
