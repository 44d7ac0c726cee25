"""The hub's identity is stored with its data: read by every process, never contradicted."""

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.container import Container
from app.services.common.events import record_event
from app.services.hub.identity import IdentityMismatch
from app.services.ledger.log import log_verifier
from app.services.witness.witnessing import witness_verifier
from app.settings import Settings, get_settings
from tests.support import both_backends

pytestmark = pytest.mark.integration


def _later(settings: Settings, **configured: object) -> Settings:
    """Another process on the same hub, configured only with what ``configured`` names."""
    return Settings(
        env="test",
        data_dir=settings.data_dir,
        database_url=settings.effective_database_url,
        log_level="WARNING",
        **configured,
    )


@both_backends
def test_a_later_process_reads_the_stored_issuer_origin_and_key(container, settings):
    later = Container(_later(settings))
    try:
        assert later.settings.issuer == "http://testserver"
        assert later.settings.effective_ledger_origin == "testserver/log"
        assert (
            log_verifier(later.settings, later.keys).vkey
            == log_verifier(container.settings, container.keys).vkey
        )
    finally:
        later.close()


@pytest.mark.parametrize(
    ("configured", "said"),
    [
        (
            {"issuer": "http://localhost:8000"},
            "TRADEGATE_ISSUER is http://localhost:8000 but this hub was created as "
            "http://testserver",
        ),
        (
            {"ledger_origin": "hub.example/log"},
            "TRADEGATE_LEDGER_ORIGIN is hub.example/log but this hub's log is testserver/log",
        ),
    ],
)
def test_a_configuration_that_renames_the_hub_is_refused(container, settings, configured, said):
    with pytest.raises(IdentityMismatch, match=said):
        Container(_later(settings, **configured))


def test_a_key_file_with_another_log_key_is_refused(container, settings, tmp_path):
    with pytest.raises(IdentityMismatch, match="holds another log key than the one this hub"):
        Container(_later(settings, keys_file=tmp_path / "someone-elses-keys.json"))


def test_ledger_log_key_prints_the_key_the_hub_signs_with(tmp_path, monkeypatch):
    created = Settings(env="test", data_dir=tmp_path, issuer="http://127.0.0.1:8000")
    hub = Container(created)
    signing = log_verifier(hub.settings, hub.keys).vkey
    hub.close()
    monkeypatch.delenv("TRADEGATE_ISSUER", raising=False)
    monkeypatch.setenv("TRADEGATE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    printed = CliRunner().invoke(cli, ["ledger", "log-key"])
    get_settings.cache_clear()
    assert printed.exit_code == 0, printed.output
    assert printed.stdout.strip() == signing
    assert signing.startswith("127.0.0.1:8000/log+")


def test_a_refused_identity_is_one_line_from_the_command(tmp_path, monkeypatch):
    Container(Settings(env="test", data_dir=tmp_path, issuer="http://127.0.0.1:8000")).close()
    monkeypatch.setenv("TRADEGATE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRADEGATE_ISSUER", "http://localhost:8000")
    get_settings.cache_clear()
    refused = CliRunner().invoke(cli, ["ledger", "log-key"])
    get_settings.cache_clear()
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        "error: TRADEGATE_ISSUER is http://localhost:8000 but this hub was created as "
        "http://127.0.0.1:8000, the issuer its tokens and artefacts carry: unset "
        "TRADEGATE_ISSUER or set it to http://127.0.0.1:8000"
    ]


def test_the_log_key_is_published_for_pinning(container, client):
    vkey = log_verifier(container.settings, container.keys).vkey
    described = client.get("/.well-known/tradegate-log").json()
    assert described == {
        "issuer": "http://testserver",
        "origin": "testserver/log",
        "log_key": vkey,
        "signature": "C2SP signed-note, Ed25519",
        "checkpoint": "http://testserver/v1/ledger/checkpoint",
        "anchor_sinks": ["none"],
        "witness": {
            "name": "testserver/witness",
            "vkey": witness_verifier(container.settings, container.keys).vkey,
            "cosignature": "C2SP tlog-cosignature, cosignature/v1 (Ed25519)",
            "add_checkpoint": "http://testserver/add-checkpoint",
            "submission_prefix": "http://testserver/federation/v1/witness",
        },
    }
    with container.uow() as uow:
        record_event(uow.session, kind="test.event", actor="t", subject="s:1", payload={})
        uow.commit()
    checkpoint = client.get("/v1/ledger/checkpoint")
    assert checkpoint.status_code == 200
    assert checkpoint.headers["Tradegate-Log-Key"] == vkey
    assert checkpoint.headers["Link"] == '</.well-known/tradegate-log>; rel="describedby"'
