"""Every `tradegate` command answers a user's mistake with one line and a non-zero exit.

A database nobody migrated is the mistake for each command that needs the schema; the others
get the mistake their own arguments invite. No command may end in a Python traceback.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from app.cli import cli
from app.settings import get_settings
from bench.support import private_database

pytestmark = pytest.mark.integration

NOT_MIGRATED = "error: the database is not migrated: run `tradegate migrate`"
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"
ID = "00000000-0000-0000-0000-000000000001"

#: Commands that need the schema, with arguments that would otherwise be accepted.
NEEDS_SCHEMA: dict[str, list[str]] = {
    "serve": [],
    "worker": [],
    "beat": [],
    "participants add": ["Acme", "-r", "owner"],
    "participants list": [],
    "clients add": ["Acme"],
    "users add": ["Acme", "ops@acme.example", "--password", "a-long-password"],
    "connectors instances": [],
    "connectors add": ["Acme", "webhook", "--name", "main", "--config", "{}"],
    "connectors subscribe": [ID, "--topic", "document.accepted"],
    "connectors health": [ID],
    "connectors enable": [ID],
    "connectors disable": [ID],
    "connectors remove": [ID],
    "deliveries list": [],
    "deliveries retry": ["--dead"],
    "audit verify": [],
    "consents expire": [],
    "mandates grant": [ID, ID],
    "mandates revoke": [ID, ID],
    "ledger status": [],
    "ledger log-key": [],
    "ledger sequence": [],
    "ledger anchor": [],
    "ledger audit": [],
    "ledger proof": [ID],
    "financing list": [],
    "financing expire": [],
    "financing rekey": [],
    "connectors authorize": [ID],
    "connectors revoke-authorization": [ID],
    "pint accounts list": [],
    "pint accounts remove": [ID],
    "pint send": [
        ID,
        "--peer",
        ID,
        "--to-code",
        "BANK-9",
        "--to-code-list",
        "TGTB",
        "--to-name",
        "Bank",
        "--to-platform",
        "TGTB",
    ],
    "trust list": [],
    "trust revoke": [ID, "--reason", "compromised"],
    "witness logs add": ["hub-b.example/log", "hub-b.example/log+00000000+AQ=="],
    "witness logs list": [],
    "witness status": [],
    "witness submit": [],
    "peers add": ["https://hub-b.example", "--pin", "hub-b.example/log+00000000+AA=="],
    "peers list": [],
    "peers refresh": ["hub-b"],
    "peers suspend": ["hub-b", "--reason", "audit pending"],
    "peers resume": ["hub-b"],
}

#: Commands that need no schema: (arguments, environment, what the one line says).
OWN_MISTAKES: dict[str, tuple[list[str], dict[str, str], str]] = {
    "migrate": ([], {"TRADEGATE_DATABASE_URL": UNREACHABLE}, "error: cannot open the database"),
    "demo": (
        ["--no-serve"],
        {"TRADEGATE_DATABASE_URL": UNREACHABLE},
        "error: the demo always creates its own SQLite hub",
    ),
    "validate": (["missing.json"], {}, "No such file or directory"),
    "verify": (
        ["missing.json", "--bundle", "missing.json", "--log-key", "x"],
        {},
        "does not exist",
    ),
    "consents verify-artefact": (
        ["missing.jws", "--jwks", "missing.json"],
        {},
        "error: [Errno 2] No such file or directory",
    ),
    "consents verify-receipt": (
        ["missing.jws", "--jwks", "missing.json"],
        {},
        "error: [Errno 2] No such file or directory",
    ),
    "financing check": (
        ["missing.json", "--lender", "Harbour Bank"],
        {},
        "error: [Errno 2] No such file or directory",
    ),
    "connectors list": (["extra"], {}, "unexpected extra argument"),
    "pint status": (["extra"], {}, "unexpected extra argument"),
    "pint accounts add": ([ID, "--name", "Importer"], {}, "Missing option"),
    "trust add": (["missing.pem", "--carrier", "MSC"], {}, "error: cannot read missing.pem"),
    "trust import-jwks": (
        ["missing.json", "--platform", "WAVE"],
        {},
        "error: cannot read missing.json",
    ),
    "openapi": (
        ["--out", "no-such-dir/openapi.json"],
        {},
        "error: cannot write no-such-dir/openapi.json: No such file or directory",
    ),
    "keys list": ([], {"TRADEGATE_KEYS_FILE": "broken.json"}, "error: cannot read key file"),
    "keys rotate": ([], {"TRADEGATE_KEYS_FILE": "broken.json"}, "error: cannot read key file"),
    "keys retire": (["es256-old"], {}, "error: no key es256-old"),
    "residency check": (["missing.json"], {}, "error: missing.json: a rule file is named after"),
    "residency judge": (
        ["uncefact.cii.invoice", "--to", "HKG", "--rules", "CN.json"],
        {},
        "error: cannot read CN.json: no such file",
    ),
    "keys add-witness-key": ([], {}, "error: the key file already holds a witness key"),
    "witness key": (["extra"], {}, "unexpected extra argument"),
    "ledger deploy-evm": (
        ["--rpc", "http://127.0.0.1:1"],
        {},
        "error: no JSON-RPC node answers at http://127.0.0.1:1",
    ),
}


def _commands(group: TyperGroup, prefix: str = "") -> Iterator[str]:
    for name, command in group.commands.items():
        if isinstance(command, TyperGroup):
            yield from _commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}"


@pytest.fixture(scope="module")
def unmigrated_postgres(pg_server_url: str) -> Iterator[str]:
    """A PostgreSQL database nobody migrated (``pg_server_url`` skips or fails without one)."""
    with private_database() as url:
        yield url


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRADEGATE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TRADEGATE_LOG_LEVEL", "WARNING")

    def invoke(command: str, args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
        get_settings.cache_clear()
        result = CliRunner().invoke(cli, [*command.split(), *args], env=env)
        get_settings.cache_clear()
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
        assert "Traceback" not in result.output
        assert result.exit_code != 0, result.output
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_every_command_has_a_mistake_test():
    assert set(_commands(typer.main.get_command(cli))) == set(NEEDS_SCHEMA) | set(OWN_MISTAKES)


@pytest.mark.parametrize("command", sorted(NEEDS_SCHEMA))
def test_a_command_on_an_unmigrated_postgresql_says_to_migrate(command, run, unmigrated_postgres):
    code, _, stderr = run(
        command, NEEDS_SCHEMA[command], {"TRADEGATE_DATABASE_URL": unmigrated_postgres}
    )
    assert stderr.splitlines() == [NOT_MIGRATED]
    assert code == 2


@pytest.mark.parametrize("command", sorted(OWN_MISTAKES))
def test_a_command_answers_its_own_mistake_without_a_traceback(command, run, tmp_path):
    (tmp_path / "broken.json").write_text("{")
    args, env, said = OWN_MISTAKES[command]
    _, stdout, stderr = run(command, args, env)
    assert said in stdout + stderr


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"TRADEGATE_ENV": "prod"}, "error: invalid configuration: TRADEGATE_ENV: Input should be"),
        (
            {"TRADEGATE_ENV": "production"},
            "error: invalid configuration: TRADEGATE_SESSION_SECRET must be set in production",
        ),
        ({"TRADEGATE_DATABASE_URL": "not a url"}, "error: the database URL is not usable"),
        ({"TRADEGATE_DATABASE_URL": UNREACHABLE}, "error: cannot open the database"),
        ({"TRADEGATE_KEYS_FILE": "broken.json"}, "error: cannot read key file broken.json"),
    ],
)
def test_a_bad_configuration_is_one_line(env, said, run, tmp_path):
    (tmp_path / "broken.json").write_text("{")
    code, _, stderr = run("participants list", [], env)
    assert len(stderr.splitlines()) == 1 and stderr.startswith(said)
    assert code == 2
