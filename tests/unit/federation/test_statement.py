"""The hash-match statement: one spelling, parsed strictly, verified offline with its proof."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace

import pytest

from app.domain.checkpoint import Checkpoint
from app.domain.hash_match import (
    HashMatchStatement,
    Match,
    StatementError,
    parse_statement,
    provider_kind,
)
from app.domain.merkle import inclusion_proof, leaf_hash, root_hash
from app.domain.note import NoteSigner, sign_note
from app.ledger.bundle import BundleInclusion, BundleLeaf, b64
from app.ledger.leaf import LeafRecord
from app.ledger.statement import HashMatchEvidence
from app.ledger.verify import verify_statement
from app.security.keys import KeyStore

ORIGIN = "hub-a.example/log"
SHA = hashlib.sha256(b"doc").hexdigest()
ACCEPTED = "2026-12-07T10:00:00.000000+00:00"


class MemorySource:
    """Subtree hashes of an in-memory tree, computed as the log computes them."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves

    def subtree_hashes(self, nodes):  # noqa: ANN001, ANN201
        from app.domain.merkle import root_of_leaf_hashes

        return {
            (level, index): root_of_leaf_hashes(self.leaves[index << level : (index + 1) << level])
            for level, index in nodes
        }


def _signer() -> NoteSigner:
    return NoteSigner(ORIGIN, KeyStore.generate().log_signing_key())


def _not_found() -> HashMatchStatement:
    return HashMatchStatement(
        origin=ORIGIN,
        hub="hub-a",
        jurisdiction="HK",
        asked_by="hub-b",
        nonce="n" * 24,
        sha256=SHA,
        issued_at="2026-12-07T10:05:00.000000+00:00",
    )


def _found(signer: NoteSigner, index: int = 2, size: int = 5) -> HashMatchEvidence:
    records = [
        LeafRecord(f"e{i}", "document.accepted", f"document:{i}", "0" * 64, "00" * 32, ACCEPTED)
        for i in range(size)
    ]
    data = [r.encode() for r in records]
    hashes = [leaf_hash(d) for d in data]
    source = MemorySource(hashes)
    root = root_hash(source, size)
    checkpoint = Checkpoint(ORIGIN, size, root).sign([signer]).decode()
    statement = replace(
        _not_found(),
        match=Match(
            document_type="dcsa.transport-document",
            provider_kind="provider",
            accepted_at=ACCEPTED,
            anchored_at=None,
            leaf_index=index,
            leaf_hash=b64(hashes[index]),
            tree_size=size,
        ),
    )
    return HashMatchEvidence(
        statement=sign_note(statement.text(), [signer]).decode(),
        checkpoint=checkpoint,
        leaf=BundleLeaf(index=index, data=b64(data[index])),
        inclusion=BundleInclusion(
            size=size, proof=[b64(h) for h in inclusion_proof(source, index, size)]
        ),
    )


def test_a_statement_text_has_a_versioned_first_line_and_one_spelling() -> None:
    text = _not_found().text()
    assert text.splitlines()[0] == "tradegate.hash-match/1"
    assert "found no" in text
    assert parse_statement(text) == _not_found()


def test_a_found_statement_round_trips_and_says_no_identity() -> None:
    evidence = _found(_signer())
    text = evidence.statement.split("\n\n")[0] + "\n"
    said = parse_statement(text)
    assert said.found and said.match is not None
    assert [line.split(" ")[0] for line in text.splitlines()[1:]] == [
        "origin", "hub", "jurisdiction", "asked-by", "nonce", "sha256", "found",
        "type", "provider-kind", "accepted-at", "anchored-at", "leaf", "leaf-hash",
        "tree-size", "issued-at",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("hash-match/1", "hash-match/2"), "is not tradegate.hash-match/1"),
        (lambda t: t.replace("found no", "found maybe"), "expected"),
        (lambda t: t.replace(f"sha256 {SHA}", f"sha256 {SHA.upper()}"), "sha256"),
        (lambda t: t.replace("jurisdiction HK", "jurisdiction hk"), "jurisdiction"),
        (lambda t: t.replace("hub hub-a\n", ""), "expected"),
        (lambda t: t.replace("hub hub-a", "hub  hub-a"), "not 'key value'"),
        (lambda t: t + "extra line\n", "expected"),
        (lambda t: t.replace("+00:00\n", "Z\n"), "issued-at"),
    ],
)
def test_a_malformed_statement_is_refused(change, message: str) -> None:  # noqa: ANN001
    with pytest.raises(StatementError, match=message):
        parse_statement(change(_not_found().text()))


def test_provider_kind_never_names_the_provider() -> None:
    assert provider_kind("pint:WAVE", self_submitted=True) == "ebl-platform"
    assert provider_kind("client:abc", self_submitted=True) == "owner"
    assert provider_kind("client:abc", self_submitted=False) == "provider"


def test_found_evidence_verifies_offline_against_the_log_key() -> None:
    signer = _signer()
    report, said = verify_statement(_found(signer), [signer.verifier()], sha256=SHA)
    assert report.ok, report.as_dict()
    assert [c.name for c in report.checks] == [
        "statement",
        "hash",
        "leaf",
        "checkpoint",
        "inclusion",
    ]
    assert said is not None and said.match is not None and said.match.leaf_index == 2


def test_not_found_evidence_verifies_on_its_signature_alone() -> None:
    signer = _signer()
    evidence = HashMatchEvidence(statement=sign_note(_not_found().text(), [signer]).decode())
    report, said = verify_statement(evidence, [signer.verifier()])
    assert report.ok and said is not None and not said.found


def test_evidence_under_another_key_is_refused() -> None:
    report, said = verify_statement(_found(_signer()), [_signer().verifier()])
    assert report.reasons == ["bad_statement_signature"] and said is None


def test_a_statement_about_another_hash_is_refused() -> None:
    signer = _signer()
    report, _ = verify_statement(_found(signer), [signer.verifier()], sha256="0" * 64)
    assert report.reasons == ["hash_mismatch"]


def test_a_tampered_statement_is_refused() -> None:
    signer = _signer()
    evidence = _found(signer)
    forged = evidence.model_copy(
        update={
            "statement": evidence.statement.replace("provider-kind provider", "provider-kind owner")
        }
    )
    report, _ = verify_statement(forged, [signer.verifier()])
    assert report.reasons == ["bad_statement_signature"]


def test_a_proof_for_another_leaf_is_refused() -> None:
    signer = _signer()
    other = _found(signer, index=3)
    evidence = _found(signer).model_copy(update={"leaf": other.leaf, "inclusion": other.inclusion})
    report, _ = verify_statement(evidence, [signer.verifier()])
    assert report.reasons == ["leaf_mismatch"]


def test_a_broken_inclusion_proof_is_refused() -> None:
    signer = _signer()
    evidence = _found(signer)
    assert evidence.inclusion is not None
    bad = [base64.b64encode(b"\x00" * 32).decode()] + evidence.inclusion.proof[1:]
    evidence = evidence.model_copy(
        update={"inclusion": BundleInclusion(size=evidence.inclusion.size, proof=bad)}
    )
    report, _ = verify_statement(evidence, [signer.verifier()])
    assert report.reasons == ["bad_inclusion_proof"]


def test_a_checkpoint_of_another_log_is_refused() -> None:
    signer = _signer()
    evidence = _found(signer)
    stranger = _found(NoteSigner(ORIGIN, KeyStore.generate().log_signing_key()))
    report, _ = verify_statement(
        evidence.model_copy(update={"checkpoint": stranger.checkpoint}), [signer.verifier()]
    )
    assert report.reasons == ["bad_checkpoint_signature"]


def test_a_match_without_its_proof_is_refused() -> None:
    signer = _signer()
    evidence = _found(signer).model_copy(update={"leaf": None, "inclusion": None})
    report, _ = verify_statement(evidence, [signer.verifier()])
    assert report.reasons == ["proof_missing"]
