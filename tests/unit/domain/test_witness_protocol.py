"""C2SP tlog-witness add-checkpoint: request parsing and the witness's decision table."""

import base64

import pytest

from app.domain.merkle import (
    EMPTY_ROOT,
    MemorySubtreeStore,
    consistency_proof,
    leaf_hash,
)
from app.domain.merkle import (
    root_of_leaf_hashes as mth,
)
from app.domain.witness import AddCheckpointRequest, RequestError, Verdict, decide

NOTE = b"log.example/log\n2\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 log x\n"


def _leaves(n: int, tag: bytes = b"") -> list[bytes]:
    return [leaf_hash(tag + str(i).encode()) for i in range(n)]


def _store(leaves: list[bytes]) -> MemorySubtreeStore:
    store = MemorySubtreeStore()
    store.append(leaves)
    return store


def test_spec_example_body_parses():
    body = (
        b"old 20852014\n"
        b"PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
        b"jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
        b"\n" + NOTE
    )
    request = AddCheckpointRequest.parse(body)
    assert request.old_size == 20852014
    assert len(request.proof) == 2
    assert request.checkpoint == NOTE
    assert request.encode() == body


def test_old_zero_without_proof_lines():
    request = AddCheckpointRequest.parse(b"old 0\n\n" + NOTE)
    assert (request.old_size, request.proof, request.checkpoint) == (0, (), NOTE)


@pytest.mark.parametrize(
    "head",
    [
        b"old 01\n",
        b"old -1\n",
        b"old  1\n",
        b"new 1\n",
        b"old 1\nnot-base64!\n",
        b"old 1\n" + base64.b64encode(b"short") + b"\n",
        b"old 1\n" + (base64.b64encode(b"\0" * 32) + b"\n") * 64,
        b"old 1\r\n",
    ],
)
def test_malformed_requests_are_refused(head: bytes):
    with pytest.raises(RequestError):
        AddCheckpointRequest.parse(head + b"\n" + NOTE)


def test_a_body_without_blank_line_is_refused():
    with pytest.raises(RequestError):
        AddCheckpointRequest.parse(b"old 0\n" + NOTE.replace(b"\n\n", b"\n"))


def test_63_proof_lines_are_accepted():
    body = b"old 1\n" + (base64.b64encode(b"\0" * 32) + b"\n") * 63 + b"\n" + NOTE
    assert len(AddCheckpointRequest.parse(body).proof) == 63


def test_first_checkpoint_is_cosigned_with_empty_proof():
    assert decide(0, None, 0, [], 5, mth(_leaves(5))).verdict == Verdict.COSIGN


def test_proof_from_zero_must_be_empty():
    assert decide(0, None, 0, [b"\0" * 32], 5, b"\1" * 32).verdict == Verdict.PROOF_FROM_ZERO


def test_empty_tree_needs_the_empty_root():
    assert decide(0, None, 0, [], 0, EMPTY_ROOT).verdict == Verdict.COSIGN
    assert decide(0, None, 0, [], 0, b"\1" * 32).verdict == Verdict.BAD_EMPTY_ROOT


def test_consistent_growth_is_cosigned():
    store = _store(_leaves(9))
    proof = consistency_proof(store, 5, 9)
    decision = decide(5, mth(_leaves(5)), 5, proof, 9, mth(_leaves(9)))
    assert decision.verdict == Verdict.COSIGN


def test_stale_old_size_is_a_conflict():
    assert decide(7, b"\1" * 32, 5, [], 9, b"\2" * 32).verdict == Verdict.STALE_OLD_SIZE
    assert decide(7, b"\1" * 32, 0, [], 9, b"\2" * 32).verdict == Verdict.STALE_OLD_SIZE


def test_old_above_size_is_bad_unless_it_is_the_cosigned_size():
    assert decide(7, b"\1" * 32, 8, [], 6, b"\2" * 32).verdict == Verdict.OLD_ABOVE_SIZE
    assert decide(7, b"\1" * 32, 7, [], 6, b"\2" * 32).verdict == Verdict.ROLLBACK


def test_same_size_same_root_is_cosigned_again_other_root_is_a_fork():
    root = mth(_leaves(4))
    assert decide(4, root, 4, [], 4, root).verdict == Verdict.COSIGN
    assert decide(4, root, 4, [], 4, mth(_leaves(4, b"x"))).verdict == Verdict.FORK
    assert decide(4, root, 4, [b"\0" * 32], 4, root).verdict == Verdict.BAD_PROOF


def test_forked_history_fails_the_consistency_proof():
    forked = _store(_leaves(9, b"fork"))
    proof = consistency_proof(forked, 5, 9)
    decision = decide(5, mth(_leaves(5)), 5, proof, 9, mth(_leaves(9, b"fork")))
    assert decision.verdict == Verdict.INCONSISTENT
