"""`tradegate witness ...`: register a log, list it, print the key, see the witnesses."""

import json

import pytest

from app.cli import cli
from app.domain.cosignature import CosignatureVerifier
from tests.integration.witness.logs import StandInLog

pytestmark = pytest.mark.integration


def test_operator_registers_and_lists_a_witnessed_log(runner):
    log = StandInLog(origin="hub-b.example/log")
    added = runner.invoke(cli, ["witness", "logs", "add", log.origin, log.vkey])
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout) == {"origin": log.origin, "vkey": log.vkey, "size": 0}
    listed = json.loads(runner.invoke(cli, ["witness", "logs", "list"]).stdout)
    assert [(row["origin"], row["size"], row["root_hash"]) for row in listed] == [
        (log.origin, 0, None)
    ]
    again = runner.invoke(cli, ["witness", "logs", "add", log.origin, StandInLog().vkey])
    assert again.exit_code == 2
    assert "witnessed under another key" in again.output


def test_a_malformed_log_key_is_refused_in_one_line(runner):
    result = runner.invoke(cli, ["witness", "logs", "add", "hub-b.example/log", "nope"])
    assert result.exit_code == 2
    assert "error: verifier key must be name+keyid+key" in result.output


def test_the_witness_key_is_printed_and_the_status_is_empty(runner):
    key = runner.invoke(cli, ["witness", "key"]).stdout.strip()
    assert CosignatureVerifier.from_vkey(key).name == "hub.example/witness"
    assert json.loads(runner.invoke(cli, ["witness", "status"]).stdout) == []
    assert json.loads(runner.invoke(cli, ["witness", "submit"]).stdout) == []
