"""`tradegate ledger ...`: the operator's view of the log against a real SQLite file."""

import json

import pytest

from app.cli import cli
from app.domain.note import NoteVerifier

pytestmark = pytest.mark.integration


def test_operator_sequences_anchors_audits_and_reads_status(runner):
    added = runner.invoke(cli, ["participants", "add", "Kowloon Export", "-r", "owner"])
    assert added.exit_code == 0, added.output
    assert json.loads(runner.invoke(cli, ["ledger", "sequence"]).stdout)["size"] >= 0
    key = runner.invoke(cli, ["ledger", "log-key"]).stdout.strip()
    assert NoteVerifier.from_vkey(key).name == "hub.example/log"
    anchored = runner.invoke(cli, ["ledger", "anchor"])
    assert anchored.exit_code == 0, anchored.output
    status = json.loads(runner.invoke(cli, ["ledger", "status"]).stdout)
    assert status["size"] == status["anchored_size"] >= 1
    assert status["writes_refused"] is None
    assert status["checkpoint"].startswith("hub.example/log\n")
    audit = runner.invoke(cli, ["ledger", "audit"])
    assert audit.exit_code == 0 and "consistent" in audit.output


def test_reanchoring_to_an_unknown_sink_is_a_usage_error(runner):
    runner.invoke(cli, ["participants", "add", "Kowloon Export", "-r", "owner"])
    runner.invoke(cli, ["ledger", "sequence"])
    result = runner.invoke(cli, ["ledger", "anchor", "--sink", "pigeon://coop"])
    assert result.exit_code == 1
    assert "pigeon" in result.stdout


def test_verify_refuses_a_malformed_log_key(runner, tmp_path):
    (tmp_path / "doc.json").write_text("{}")
    (tmp_path / "proof.json").write_text("{}")
    result = runner.invoke(
        cli,
        [
            "verify",
            str(tmp_path / "doc.json"),
            "--bundle",
            str(tmp_path / "proof.json"),
            "--log-key",
            "not-a-key",
        ],
    )
    assert result.exit_code == 2
