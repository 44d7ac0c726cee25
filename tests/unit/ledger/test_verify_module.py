"""The offline verification functions are importable from app.ledger without a database."""

import pytest

from app.domain.merkle import MemorySubtreeStore, inclusion_proof, leaf_hash, root_hash
from app.ledger.verify import ProofError, verify_consistency, verify_inclusion


def test_verify_functions_accept_good_and_refuse_bad_proofs():
    leaves = [b"a", b"b", b"c"]
    store = MemorySubtreeStore.from_leaves(leaves)
    root = root_hash(store, 3)
    assert verify_inclusion(1, 3, leaf_hash(b"b"), inclusion_proof(store, 1, 3), root)
    with pytest.raises(ProofError):
        verify_inclusion(1, 3, leaf_hash(b"x"), inclusion_proof(store, 1, 3), root)
    assert verify_consistency(3, 3, [], root, root)


def test_verify_checkpoint_opens_a_signed_note_with_the_published_key():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.domain.note import NoteSigner
    from app.ledger.verify import Checkpoint, NoteError, verify_checkpoint

    signer = NoteSigner("hub.example/log", Ed25519PrivateKey.generate())
    note = Checkpoint("hub.example/log", 3, bytes(32)).sign([signer])
    vkey = signer.verifier().vkey
    assert verify_checkpoint(note, vkey).size == 3
    assert verify_checkpoint(note.decode(), vkey, "hub.example/log").root_hash == bytes(32)
    other = NoteSigner("hub.example/log", Ed25519PrivateKey.generate()).verifier().vkey
    with pytest.raises(NoteError):
        verify_checkpoint(note, other)
