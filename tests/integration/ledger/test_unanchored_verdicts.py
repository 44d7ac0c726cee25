"""A bundle with no external anchor verifies on the hub's signed checkpoint, and says so."""

import json

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.ledger.verify import verify_bundle
from app.security.principal import SYSTEM
from app.services.ledger.log import document_proof_bundle, log_verifier
from app.tasks.ledger import anchor

pytestmark = pytest.mark.integration

PASSED = (
    "VERIFIED: document, event, leaf, signed checkpoint, inclusion; not anchored outside the hub"
)


@pytest.fixture
def pushed(container, make_participant, make_document):
    """A document in the log of a hub that anchors to none:// (the default)."""
    provider, owner = make_participant("Carrier"), make_participant("Shipper", ("owner",))
    return make_document(provider, owner)


def _bundle(container, document_id):
    with container.uow() as uow:
        return document_proof_bundle(
            uow.session, SYSTEM, document_id, container.settings, container.keys
        )


def _verify(container, content, bundle, **options):
    return verify_bundle(
        content, bundle, [log_verifier(container.settings, container.keys)], **options
    )


def test_a_none_receipt_verifies_everything_else_and_says_no_anchor_is_configured(
    container, pushed
):
    document_id, content = pushed
    assert anchor(container).errors == {}
    bundle = _bundle(container, document_id)
    assert [a.receipt["kind"] for a in bundle.anchors] == ["none"]
    report = _verify(container, content, bundle)
    assert report.ok and not report.anchored and report.reasons == []
    (check,) = [c for c in report.checks if c.name == "anchor"]
    assert check.skipped and check.reason == "no_external_anchor"
    assert report.verdict.startswith(PASSED + ": no external anchor is configured")
    assert report.as_dict()["verified"] is True and report.as_dict()["anchored"] is False


def test_a_bundle_not_anchored_yet_verifies_on_the_checkpoint_alone(container, pushed):
    document_id, content = pushed
    report = _verify(container, content, _bundle(container, document_id))
    assert report.ok and not report.anchored
    assert [c.reason for c in report.checks if c.skipped] == ["anchor_missing"]


def test_requiring_an_anchor_fails_a_bundle_without_one(container, pushed):
    document_id, content = pushed
    anchor(container)
    report = _verify(container, content, _bundle(container, document_id), require_anchor=True)
    assert not report.ok and report.reasons == ["no_external_anchor"]
    assert report.verdict == "NOT VERIFIED: no_external_anchor"


def test_a_changed_document_still_fails_without_an_anchor(container, pushed):
    document_id, content = pushed
    anchor(container)
    report = _verify(container, content.replace(b"TD-1", b"TD-9"), _bundle(container, document_id))
    assert not report.ok and report.reasons == ["hash_mismatch"]
    assert report.verdict == "NOT VERIFIED: hash_mismatch"


def test_the_cli_ends_with_the_verdict_and_honours_require_anchor(container, pushed, tmp_path):
    document_id, content = pushed
    anchor(container)
    (tmp_path / "proof.json").write_text(_bundle(container, document_id).model_dump_json())
    (tmp_path / "ebl.json").write_bytes(content)
    vkey = log_verifier(container.settings, container.keys).vkey
    args = ["verify", str(tmp_path / "ebl.json"), "--bundle", str(tmp_path / "proof.json")]
    runner = CliRunner()
    passed = runner.invoke(cli, [*args, "--log-key", vkey])
    assert passed.exit_code == 0, passed.output
    assert passed.stdout.splitlines()[-1].startswith(PASSED)
    required = runner.invoke(cli, [*args, "--log-key", vkey, "--require-anchor", "--json"])
    assert required.exit_code == 1
    assert json.loads(required.stdout)["reasons"] == ["no_external_anchor"]
