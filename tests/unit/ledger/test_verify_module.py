"""The offline verification functions are importable from app.ledger without a database."""

import subprocess
import sys

from app.domain.merkle import MemorySubtreeStore, inclusion_proof, leaf_hash, root_hash
from app.ledger.verify import ProofError, verify_consistency, verify_inclusion


def test_verify_functions_import_without_touching_storage():
    code = (
        "import sys; from app.ledger.verify import verify_inclusion, verify_consistency; "
        "assert not any(m.startswith(('sqlalchemy', 'app.storage')) for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_verify_functions_accept_good_and_refuse_bad_proofs():
    leaves = [b"a", b"b", b"c"]
    store = MemorySubtreeStore.from_leaves(leaves)
    root = root_hash(store, 3)
    assert verify_inclusion(1, 3, leaf_hash(b"b"), inclusion_proof(store, 1, 3), root)
    try:
        verify_inclusion(1, 3, leaf_hash(b"x"), inclusion_proof(store, 1, 3), root)
    except ProofError:
        pass
    else:
        raise AssertionError("a proof for another leaf verified")
    assert verify_consistency(3, 3, [], root, root)
