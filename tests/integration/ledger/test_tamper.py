"""Tampering with stored documents, events, leaves, subtrees or the log's length is detected."""

import base64
import json

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from app.cli import cli
from app.ledger import store
from app.ledger.bundle import ProofBundle
from app.ledger.verify import verify_bundle
from app.security.principal import SYSTEM
from app.services.common.events import record_event
from app.services.ledger import log as svc
from app.services.ledger.audit import audit_log
from app.services.ledger.verification import verify_upload
from app.storage.models import Event
from app.tasks.ledger import anchor

pytestmark = pytest.mark.integration


def setup_document(container, make_participant, make_document):
    provider, owner = make_participant("Carrier"), make_participant("Shipper", ("owner",))
    document_id, content = make_document(provider, owner)
    with container.uow() as uow:
        for i in range(4):
            record_event(
                uow.session, kind="test.event", actor="t", subject=f"s:{i}", payload={"i": i}
            )
        uow.commit()
    assert anchor(container).errors == {}
    return document_id, content


def bundle_for(container, document_id):
    with container.uow() as uow:
        return svc.document_proof_bundle(
            uow.session, SYSTEM, document_id, container.settings, container.keys
        )


def verify_with_hub(container, content, bundle):
    with container.uow() as uow:
        return verify_upload(uow.session, container.settings, container.keys, content, bundle)


def audit(container):
    with container.uow() as uow:
        return {f.reason for f in audit_log(uow.session, container.settings, container.keys)}


def execute(container, statement, **params):
    with container.uow() as uow:
        uow.session.execute(sa.text(statement), params)
        uow.commit()


@pytest.fixture
def hub(tsa_container, make_participant, make_document):
    document_id, content = setup_document(tsa_container, make_participant, make_document)
    return tsa_container, document_id, content


def test_untouched_log_passes_audit_and_verification(hub):
    container, document_id, content = hub
    assert audit(container) == set()
    report = verify_with_hub(container, content, bundle_for(container, document_id))
    assert report.ok, report.as_dict()


def test_bundle_leads_to_the_anchored_checkpoint_while_newer_leaves_wait(hub):
    container, document_id, content = hub
    anchored_size = bundle_for(container, document_id).inclusion.size
    with container.uow() as uow:
        record_event(uow.session, kind="test.later", actor="t", subject="later", payload={})
        uow.commit()
    bundle = bundle_for(container, document_id)
    assert bundle.inclusion.size == anchored_size
    assert verify_with_hub(container, content, bundle).ok


def test_one_changed_byte_of_a_stored_document_is_a_hash_mismatch(hub):
    container, document_id, content = hub
    bundle = bundle_for(container, document_id)
    changed = bytearray(content)
    changed[content.index(b"12.5")] = ord("9")
    execute(
        container,
        "UPDATE documents SET content = :c WHERE id = :i",
        c=bytes(changed),
        i=document_id.hex,
    )
    with container.uow() as uow:
        stored = uow.session.execute(
            sa.text("SELECT content FROM documents WHERE id = :i"), {"i": document_id.hex}
        ).scalar_one()
    report = verify_with_hub(container, stored, bundle)
    assert report.reasons == ["hash_mismatch"]


def test_an_edited_event_payload_is_detected(hub):
    container, document_id, content = hub
    execute(
        container,
        "UPDATE events SET payload = :p WHERE subject = :s",
        p=json.dumps({"sha256": "0" * 64}),
        s=f"document:{document_id}",
    )
    assert "payload_mismatch" in audit(container)
    report = verify_with_hub(container, content, bundle_for(container, document_id))
    assert "payload_mismatch" in report.reasons


def test_an_event_rewritten_consistently_no_longer_matches_its_leaf(hub):
    container, document_id, content = hub
    execute(
        container,
        "UPDATE events SET kind = 'document.rejected' WHERE subject = :s",
        s=f"document:{document_id}",
    )
    assert audit(container) == {"leaf_mismatch"}
    report = verify_with_hub(container, content, bundle_for(container, document_id))
    assert report.reasons == ["bad_inclusion_proof"]


def test_a_deleted_event_is_detected(hub):
    container, _, _ = hub
    execute(container, "DELETE FROM events WHERE kind = 'test.event' AND subject = 's:2'")
    assert audit(container) == {"event_missing"}


def test_an_edited_leaf_row_is_detected(hub):
    container, _, _ = hub
    execute(container, "UPDATE ledger_leaves SET leaf_hash = :h WHERE idx = 1", h=b"\x01" * 32)
    assert {"leaf_mismatch", "root_mismatch"} <= audit(container)


def test_an_edited_sibling_leaf_breaks_the_inclusion_proof(hub):
    container, document_id, content = hub
    bundle = bundle_for(container, document_id)
    sibling = bundle.leaf.index ^ 1
    execute(
        container,
        "UPDATE ledger_leaves SET leaf_hash = :h WHERE idx = :i",
        h=b"\x02" * 32,
        i=sibling,
    )
    assert "leaf_mismatch" in audit(container)
    report = verify_with_hub(container, content, bundle_for(container, document_id))
    assert report.reasons == ["bad_inclusion_proof", "log_forked"]


def test_an_edited_stored_subtree_breaks_proofs_through_it(hub):
    container, _, _ = hub
    with container.uow() as uow:
        for i in range(32):
            record_event(uow.session, kind="test.more", actor="t", subject=f"m:{i}", payload={})
        uow.commit()
    container.settings.ledger_anchor_interval_seconds = 1e-6
    assert anchor(container).errors == {}
    with container.uow() as uow:
        event = uow.session.execute(sa.select(Event).where(Event.seq == 12)).scalar_one()
        bundle = svc.event_proof_bundle(uow.session, event, container.settings, container.keys)
    # Leaves 16..31 form the smallest stored subtree, and leaf 11's proof goes through it.
    assert bundle.leaf.index == 11 and bundle.inclusion.size >= 32
    assert verify_with_hub(container, None, bundle).ok
    execute(
        container,
        "UPDATE ledger_nodes SET hash = :h WHERE id = :k",
        h=b"\x03" * 32,
        k=store.node_key(store.MIN_STORED_LEVEL, 1),
    )
    assert audit(container) == {"node_mismatch"}
    with container.uow() as uow:
        rebuilt = svc.event_proof_bundle(uow.session, event, container.settings, container.keys)
    assert verify_with_hub(container, None, rebuilt).reasons == ["bad_inclusion_proof"]


def roll_back(container, size):
    for statement in (
        "DELETE FROM ledger_anchors WHERE checkpoint_id IN "
        "(SELECT id FROM ledger_checkpoints WHERE size > :n)",
        "DELETE FROM ledger_checkpoints WHERE size > :n",
        "DELETE FROM ledger_leaves WHERE idx >= :n",
        "DELETE FROM ledger_nodes WHERE (((id & 72057594037927935) + 1) << (id >> 56)) > :n",
        "DELETE FROM ledger_salts WHERE start_idx >= :n",
        "UPDATE ledger_state SET size = :n, anchored_size = 0",
    ):
        execute(container, statement, n=size)


def test_a_log_rolled_back_behind_an_issued_bundle_is_detected(hub):
    container, document_id, content = hub
    bundle = bundle_for(container, document_id)
    roll_back(container, bundle.leaf.index)
    report = verify_with_hub(container, content, bundle)
    assert report.reasons == ["log_rolled_back"]


def test_a_log_rewritten_after_a_roll_back_is_detected(hub):
    container, document_id, content = hub
    bundle = bundle_for(container, document_id)
    roll_back(container, bundle.leaf.index)
    execute(container, "UPDATE ledger_state SET last_event_seq = (SELECT MAX(seq) FROM events)")
    with container.uow() as uow:
        for i in range(10):
            record_event(uow.session, kind="test.other", actor="t", subject=f"o:{i}", payload={})
        uow.commit()
    report = verify_with_hub(container, content, bundle)
    assert report.reasons == ["log_forked"]


def test_offline_cli_prints_verdicts_and_fails_on_a_changed_document(hub, local_tsa, tmp_path):
    container, document_id, content = hub
    bundle = bundle_for(container, document_id)
    (tmp_path / "proof.json").write_text(bundle.model_dump_json())
    (tmp_path / "ebl.json").write_bytes(content)
    (tmp_path / "changed.json").write_bytes(content.replace(b"TD-1", b"TD-9"))
    args = [
        "--bundle",
        str(tmp_path / "proof.json"),
        "--log-key",
        bundle.log_key,
        "--trust",
        str(local_tsa.directory / "ca.crt"),
    ]
    runner = CliRunner()
    good = runner.invoke(cli, ["verify", str(tmp_path / "ebl.json"), *args])
    assert good.exit_code == 0, good.output
    assert "VERIFIED" in good.output and "FAIL" not in good.output
    bad = runner.invoke(cli, ["verify", str(tmp_path / "changed.json"), *args, "--json"])
    assert bad.exit_code == 1
    assert json.loads(bad.output)["reasons"] == ["hash_mismatch"]
    untrusted = runner.invoke(cli, ["verify", str(tmp_path / "ebl.json"), *args[:4], "--json"])
    assert untrusted.exit_code == 1
    assert json.loads(untrusted.output)["reasons"] == ["anchor_unverified"]


def test_a_bundle_signed_by_another_key_fails_the_checkpoint_signature(hub):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.domain.note import NoteSigner

    container, document_id, content = hub
    bundle = bundle_for(container, document_id)
    impostor = NoteSigner(container.settings.effective_ledger_origin, Ed25519PrivateKey.generate())
    report = verify_bundle(content, bundle, [impostor.verifier()])
    assert report.reasons == ["bad_checkpoint_signature"]


def test_an_altered_inclusion_proof_in_the_bundle_is_rejected(hub):
    container, document_id, content = hub
    bundle = bundle_for(container, document_id)
    proof = list(bundle.inclusion.proof)
    proof[0] = base64.b64encode(b"\x00" * 32).decode()
    altered = ProofBundle.model_validate(
        {**bundle.model_dump(), "inclusion": {"size": bundle.inclusion.size, "proof": proof}}
    )
    report = verify_with_hub(container, content, altered)
    assert report.reasons == ["bad_inclusion_proof"]
