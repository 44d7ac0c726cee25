"""``tradegate validate``: exit codes, JSON lines, summary table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from app.cli.validate import validate_command
from tests.support import REFERENCE, REPO


@pytest.fixture
def run():  # noqa: ANN201
    app = typer.Typer()
    app.command("validate")(validate_command)
    app.command("noop")(lambda: None)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["validate", *map(str, args)])


@pytest.fixture
def valid_files() -> list[Path]:
    return [
        REFERENCE / "dcsa/examples/TransportDocument_reefer_APPROVED.json",
        REFERENCE / "uncefact/examples/CII_example3.xml",
    ]


def test_all_valid_exits_0_with_a_summary(run, valid_files: list[Path]) -> None:  # noqa: ANN001
    result = run(*valid_files)
    assert result.exit_code == 0, result.output
    assert "2 of 2 valid" in result.output and "Validation summary" in result.output


def test_json_format_prints_one_object_per_file(
    run, valid_files: list[Path], tmp_path: Path
) -> None:  # noqa: ANN001
    broken = tmp_path / "broken.json"
    broken.write_text('{"transportDocumentStatus": "DRAFT"}')
    result = run("--format", "json", *valid_files, broken)
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [line["valid"] for line in lines] == [True, True, False]
    assert set(lines[0]) == {
        "path",
        "type",
        "version",
        "valid",
        "errors",
        "sha256",
        "canonical_sha256",
    }
    assert lines[2]["type"] == "dcsa.transport-document"
    assert {"rule", "severity", "location", "message"} <= set(lines[2]["errors"][0])
    assert any(e["rule"] == "schema:required" for e in lines[2]["errors"])


def test_hostile_file_is_invalid_not_a_crash(run, tmp_path: Path) -> None:  # noqa: ANN001
    evil = tmp_path / "evil.xml"
    evil.write_text('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')
    result = run("--format", "json", evil)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["errors"][0]["rule"] == "doctype"


def test_unreadable_file_exits_2(run, valid_files: list[Path], tmp_path: Path) -> None:  # noqa: ANN001
    assert run(valid_files[0], tmp_path / "missing.json").exit_code == 2


def test_oversized_file_is_refused_before_reading(run, valid_files: list[Path]) -> None:  # noqa: ANN001
    result = run("--format", "json", "--max-bytes", "100", valid_files[0])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["errors"][0]["rule"] == "too-large"


def test_unknown_type_is_a_usage_error(run, valid_files: list[Path]) -> None:  # noqa: ANN001
    assert run("--type", "acme.nothing", valid_files[0]).exit_code == 2


def test_explicit_type_is_applied(run, valid_files: list[Path]) -> None:  # noqa: ANN001
    result = run("--format", "json", "--type", "dcsa.pint.envelope", valid_files[0])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["type"] == "dcsa.pint.envelope"


def test_json_piped_into_a_script_leaves_stderr_empty(valid_files: list[Path]) -> None:
    """The progress bar is for a terminal: piped, stderr carries nothing, not even a newline."""
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "validate", *map(str, valid_files), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert [json.loads(line)["valid"] for line in result.stdout.splitlines()] == [True, True]
