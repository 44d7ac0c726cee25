"""`tradegate residency`: rule files checked, and a verdict a script can branch on."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.services.crossings.residency import DEFAULT_RESIDENCY_DIR
from app.settings import get_settings
from tests.support import reefer_transport_document

pytestmark = pytest.mark.integration

CN = str(DEFAULT_RESIDENCY_DIR / "CN.json")


def run(*args: str, **env: str):  # noqa: ANN201
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["residency", *args], env=env)
    get_settings.cache_clear()
    return result


def test_check_lists_each_files_rules() -> None:
    result = run("check", CN, str(DEFAULT_RESIDENCY_DIR / "HK.json"))
    assert result.exit_code == 0, result.output
    assert "CN version example-2026-01, 2 rules: cn-commercial-invoice-onshore" in result.stdout
    assert "HK version example-2026-01, 1 rule: hk-invoice-contacts-cn-sg" in result.stdout


def test_check_defaults_to_the_hubs_own_jurisdiction() -> None:
    result = run("check", TRADEGATE_JURISDICTION="CN")
    assert result.exit_code == 0, result.output
    assert "CN.json: CN version" in result.stdout


def test_check_refuses_a_broken_file_in_one_line(tmp_path) -> None:
    broken = tmp_path / "SG.json"
    broken.write_text(json.dumps({"jurisdiction": "SG", "version": "1", "rules": [{"id": "x"}]}))
    result = run("check", str(broken))
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {broken}: rules/0")


def test_judge_names_the_rule_and_exits_1_when_refused(tmp_path) -> None:
    refused = run("judge", "uncefact.cii.invoice", "--to", "HK", "--rules", CN)
    assert refused.exit_code == 1
    verdict = json.loads(refused.stdout)
    assert (verdict["allowed"], verdict["rule"]) == (False, "cn-commercial-invoice-onshore")
    document = tmp_path / "td.json"
    document.write_text(json.dumps(reefer_transport_document("5493001KJTIIGC8Y1R12")))
    args = ("judge", "dcsa.transport-document", "--rules", CN, "--document", str(document))
    to_hk = run(*args, "--to", "HK")
    assert to_hk.exit_code == 0, to_hk.output
    assert json.loads(to_hk.stdout)["data_classes"] == ["personal-contact"]
    to_sg = run(*args, "--to", "SG")
    assert to_sg.exit_code == 1
    assert json.loads(to_sg.stdout)["rule"] == "cn-personal-contacts-hk-only"
