"""End to end: hub B's witness cosigns hub A's checkpoints over HTTP; verifiers check it."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.container import Container
from app.domain.cosignature import CosignatureSigner, CosignatureVerifier, cosignatures_of
from app.main import create_app
from app.security.principal import SYSTEM
from app.services.ledger.log import document_proof_bundle, log_verifier
from app.services.participants.service import create_participant
from app.services.witness.cosigning import submit_to_witnesses
from app.services.witness.witnessing import ALARM_EVENT, add_witnessed_log
from app.settings import Settings, WitnessEndpoint
from app.storage.migrate import upgrade
from app.storage.models import Event, LedgerCosignature, WitnessSubmission
from app.tasks.ledger import anchor, sequence
from app.tasks.witness import submit_checkpoints
from tests.clock import FakeClock

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(settings: Settings, witness_hub) -> Settings:
    """Hub A: witnessed by hub B."""
    return settings.model_copy(
        update={"issuer": "http://hub-a.test", "ledger_witnesses": [witness_hub.witness]}
    )


@pytest.fixture
def witnessed(container, witness_hub):
    """Hub B witnesses hub A's log, pinned by its origin and log key."""
    verifier = log_verifier(container.settings, container.keys)
    with witness_hub.container.uow() as uow:
        add_witnessed_log(uow.session, container.settings.effective_ledger_origin, verifier.vkey)
        uow.commit()
    return witness_hub


@pytest.fixture
def parties(make_participant):
    return make_participant("Carrier"), make_participant("Shipper", ("owner",))


def _bundle_file(container: Container, document_id, path: Path) -> Path:
    with container.uow() as uow:
        bundle = document_proof_bundle(
            uow.session, SYSTEM, document_id, container.settings, container.keys
        )
    path.write_text(bundle.model_dump_json())
    return path


def _verify(container: Container, content: bytes, bundle: Path, tmp: Path, *witnesses: str):
    document = tmp / "document.json"
    document.write_bytes(content)
    args = ["verify", str(document), "--bundle", str(bundle), "--json"]
    args += ["--log-key", log_verifier(container.settings, container.keys).vkey]
    for vkey in witnesses:
        args += ["--witness", vkey]
    return CliRunner().invoke(cli, args)


def test_hub_a_checkpoint_is_cosigned_by_hub_b_and_verify_requires_it(
    container, witnessed, make_document, parties, tmp_path
):
    document_id, content = make_document(*parties)
    sequence(container)
    (outcome,) = submit_checkpoints(container)
    assert outcome.status == "cosigned", outcome
    witness_vkey = witnessed.witness.vkey

    with TestClient(create_app(container=container)) as client:
        served = client.get("/v1/ledger/checkpoint").text
    signer_names = [line.split(" ")[1] for line in served.splitlines() if line.startswith("\u2014")]
    assert signer_names == ["hub-a.test/log", witnessed.container.settings.effective_witness_name]

    bundle = _bundle_file(container, document_id, tmp_path / "bundle.json")
    passed = _verify(container, content, bundle, tmp_path, witness_vkey)
    assert passed.exit_code == 0, passed.output
    verdict = json.loads(passed.stdout)
    assert verdict["verified"] is True
    witness_name = witnessed.container.settings.effective_witness_name
    assert f"cosigned by witness {witness_name}" in verdict["verdict"]
    # The unanchored note names the witness that vouches, never "the only witness" beside it.
    assert "only witness" not in verdict["verdict"]
    assert verdict["verdict"].endswith(
        f"outside the hub, only the cosignature of witness {witness_name} vouches for it"
    )
    alone = json.loads(_verify(container, content, bundle, tmp_path).stdout)
    assert alone["verdict"].endswith("so the hub's signed checkpoint is the only witness")

    impostor = CosignatureSigner(
        witnessed.container.settings.effective_witness_name, Ed25519PrivateKey.generate()
    )
    failed = _verify(container, content, bundle, tmp_path, witness_vkey, impostor.verifier().vkey)
    assert failed.exit_code == 1
    assert json.loads(failed.stdout)["reasons"] == ["witness_missing"]


def test_growth_is_cosigned_from_the_witness_size_and_old_bundles_reach_it(
    container, witnessed, make_document, parties, tmp_path
):
    make_document(*parties)
    sequence(container)
    (first,) = submit_checkpoints(container)
    assert first.status == "cosigned", first
    # The hub forgot what the witness holds: only the witness's 409 can tell it where to
    # prove consistency from, since the witness refuses "old 0" once it holds a tree.
    with container.uow() as uow:
        uow.session.execute(sa.delete(WitnessSubmission))
        uow.commit()
    second_id, second = make_document(*parties, body={"transportDocumentReference": "TD-2"})
    sequence(container)
    assert anchor(container).errors == {}  # TD-2's bundle now proves into this checkpoint
    make_document(*parties, body={"transportDocumentReference": "TD-3"})
    sequence(container)
    (grown,) = submit_checkpoints(container)
    assert grown.status == "cosigned", grown
    assert grown.size > first.size
    with container.uow() as uow:
        (state,) = uow.session.execute(sa.select(WitnessSubmission)).scalars()
        assert state.witness_size == grown.size and state.failures == 0
    (again,) = submit_checkpoints(container)
    assert again.status == "current"

    # TD-2's anchored checkpoint was never cosigned: its bundle reaches the later cosigned one.
    bundle = _bundle_file(container, second_id, tmp_path / "bundle.json")
    carried = json.loads(bundle.read_text())
    witness = witnessed.witness
    assert carried["witnessed"] is not None
    assert cosignatures_of(carried["witnessed"]["checkpoint"], [_verifier(witness.vkey)])
    passed = _verify(container, second, bundle, tmp_path, witness.vkey)
    assert passed.exit_code == 0, passed.output
    (check,) = [c for c in json.loads(passed.stdout)["checks"] if c["check"].startswith("witness")]
    assert f"size {grown.size} (grown from" in check["detail"]

    # A bundle whose proof into the cosigned tree is broken fails the witness check.
    carried["witnessed"]["consistency"][0] = "A" * 43 + "="
    bundle.write_text(json.dumps(carried))
    broken = _verify(container, second, bundle, tmp_path, witness.vkey)
    assert broken.exit_code == 1
    assert json.loads(broken.stdout)["reasons"] == ["bad_consistency_proof"]


def _verifier(vkey: str) -> CosignatureVerifier:
    return CosignatureVerifier.from_vkey(vkey)


def test_a_hub_that_forks_its_log_is_caught_by_its_witness(
    container, witnessed, make_document, parties, tmp_path, database_url
):
    make_document(*parties)
    sequence(container)
    (outcome,) = submit_checkpoints(container)
    assert outcome.status == "cosigned"

    # The same hub (same key, same origin) restarted on another database: another history.
    forked_settings = container.settings.model_copy(
        update={
            "data_dir": tmp_path / "fork",
            "database_url": f"sqlite:///{tmp_path / 'fork.db'}",
            "keys_file": container.settings.effective_keys_file,
        }
    )
    (tmp_path / "fork").mkdir()
    upgrade(forked_settings.effective_database_url)
    fork = Container(forked_settings, clock=FakeClock())
    try:
        with fork.uow() as uow:
            for name in ("Other", "Parties", "Here", "Now", "Too"):
                create_participant(uow.session, name=name, roles=("owner",))
            uow.commit()
        sequence(fork)
        (refused,) = submit_checkpoints(fork)
    finally:
        fork.close()
    assert refused.status == "failed"
    with witnessed.container.uow() as uow:
        alarms = list(
            uow.session.execute(sa.select(Event).where(Event.kind == ALARM_EVENT)).scalars()
        )
    assert len(alarms) == 1
    assert alarms[0].payload["origin"] == "hub-a.test/log"
    assert alarms[0].payload["reason"] in {"fork", "inconsistent", "rollback"}


def test_an_unreachable_witness_is_retried_later_not_at_once(container, make_document, parties):
    make_document(*parties)
    sequence(container)
    nobody = WitnessEndpoint(
        url="http://127.0.0.1:1",
        vkey=CosignatureSigner("nobody.example/w", Ed25519PrivateKey.generate()).verifier().vkey,
    )
    with httpx.Client() as http:
        (failed,) = submit_to_witnesses(container, http, [nobody])
        assert failed.status == "failed" and "127.0.0.1:1" in failed.detail
        (waiting,) = submit_to_witnesses(container, http, [nobody])
        assert waiting.status == "waiting"
    with container.uow() as uow:
        state = uow.session.get(WitnessSubmission, nobody.vkey)
        assert state is not None and state.failures == 1 and state.last_error
        assert state.next_attempt_at is not None


def test_a_witness_answering_with_another_key_is_not_stored(
    container, witnessed, make_document, parties
):
    make_document(*parties)
    sequence(container)
    name = witnessed.container.settings.effective_witness_name
    impostor = CosignatureSigner(name, Ed25519PrivateKey.generate()).verifier().vkey
    with httpx.Client() as http:
        (outcome,) = submit_to_witnesses(
            container, http, [WitnessEndpoint(url=witnessed.base, vkey=impostor)]
        )
    assert outcome.status == "failed"
    assert "no valid cosignature" in outcome.detail
    with container.uow() as uow:
        assert uow.session.execute(sa.select(LedgerCosignature)).first() is None
