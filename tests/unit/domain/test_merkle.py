"""RFC 9162 Merkle tree: hashing, proofs from stored subtrees, and strict verification."""

import hashlib

import pytest

from app.domain import merkle
from app.domain.merkle import (
    EMPTY_ROOT,
    MemorySubtreeStore,
    MissingSubtreeError,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    mth,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 64

# The leaves and roots below are the RFC 6962 test tree used by the certificate-transparency
# and transparency-dev projects: an independent source for the hashing rules.
VECTOR_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
VECTOR_ROOTS = [
    bytes.fromhex(h)
    for h in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
VECTOR_INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
VECTOR_CONSISTENCY = [
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference_mth(leaves: list[bytes]) -> bytes:
    """MTH written the way RFC 9162 §2.1.1 reads, as an oracle."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = _k(n)
    return hashlib.sha256(b"\x01" + reference_mth(leaves[:k]) + reference_mth(leaves[k:])).digest()


def reference_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) from RFC 9162 §2.1.3.1."""
    n = len(leaves)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return reference_path(m, leaves[:k]) + [reference_mth(leaves[k:])]
    return reference_path(m - k, leaves[k:]) + [reference_mth(leaves[:k])]


def reference_subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) from RFC 9162 §2.1.4.1."""
    n = len(leaves)
    if m == n:
        return [] if complete else [reference_mth(leaves)]
    k = _k(n)
    if m <= k:
        return reference_subproof(m, leaves[:k], complete) + [reference_mth(leaves[k:])]
    return reference_subproof(m - k, leaves[k:], False) + [reference_mth(leaves[:k])]


LEAVES = [f"leaf-{i}".encode() for i in range(MAX_SIZE)]
STORE = MemorySubtreeStore.from_leaves(LEAVES)
ROOTS = [reference_mth(LEAVES[:n]) for n in range(MAX_SIZE + 1)]
OTHER = hashlib.sha256(b"some other hash").digest()


def fails(fn, *args) -> bool:
    try:
        fn(*args)
    except ProofError:
        return True
    return False


def test_leaf_and_node_hashes_use_the_rfc_domain_prefixes():
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    left, right = b"L" * 32, b"R" * 32
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("size", range(1, len(VECTOR_LEAVES) + 1))
def test_tree_head_matches_published_rfc6962_roots(size):
    assert mth(VECTOR_LEAVES[:size]) == VECTOR_ROOTS[size - 1]
    store = MemorySubtreeStore.from_leaves(VECTOR_LEAVES)
    assert root_hash(store, size) == VECTOR_ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "proof"), VECTOR_INCLUSION)
def test_inclusion_proofs_match_published_vectors(index, size, proof):
    store = MemorySubtreeStore.from_leaves(VECTOR_LEAVES)
    expected = [bytes.fromhex(h) for h in proof]
    assert inclusion_proof(store, index, size) == expected
    assert verify_inclusion(
        index, size, leaf_hash(VECTOR_LEAVES[index]), expected, VECTOR_ROOTS[size - 1]
    )


@pytest.mark.parametrize(("size1", "size2", "proof"), VECTOR_CONSISTENCY)
def test_consistency_proofs_match_published_vectors(size1, size2, proof):
    store = MemorySubtreeStore.from_leaves(VECTOR_LEAVES)
    expected = [bytes.fromhex(h) for h in proof]
    assert consistency_proof(store, size1, size2) == expected
    assert verify_consistency(
        size1, size2, expected, VECTOR_ROOTS[size1 - 1], VECTOR_ROOTS[size2 - 1]
    )


def test_empty_tree_root_is_hash_of_nothing():
    assert mth([]) == EMPTY_ROOT
    assert root_hash(MemorySubtreeStore(), 0) == EMPTY_ROOT


def test_roots_from_stored_subtrees_match_the_recursive_definition_up_to_64():
    for size in range(MAX_SIZE + 1):
        assert root_hash(STORE, size) == ROOTS[size]
        assert mth(LEAVES[:size]) == ROOTS[size]


def test_every_inclusion_proof_up_to_64_matches_rfc_and_verifies():
    for size in range(1, MAX_SIZE + 1):
        for index in range(size):
            proof = inclusion_proof(STORE, index, size)
            assert proof == reference_path(index, LEAVES[:size])
            assert len(proof) == merkle.inclusion_proof_length(index, size)
            assert verify_inclusion(index, size, leaf_hash(LEAVES[index]), proof, ROOTS[size])


def test_every_consistency_proof_up_to_64_matches_rfc_and_verifies():
    for size2 in range(1, MAX_SIZE + 1):
        for size1 in range(1, size2 + 1):
            proof = consistency_proof(STORE, size1, size2)
            assert proof == reference_subproof(size1, LEAVES[:size2], True)
            assert verify_consistency(size1, size2, proof, ROOTS[size1], ROOTS[size2])


def _inclusion_probes(index, size, leaf, proof, root):
    yield index + 1, size, leaf, proof, root
    if index > 0:
        yield index - 1, size, leaf, proof, root
    yield index ^ 2, size, leaf, proof, root
    yield index, size * 2, leaf, proof, root
    yield index, size // 2, leaf, proof, root
    yield index, size, OTHER, proof, root
    yield index, size, leaf, proof, OTHER
    yield index, size, leaf, proof, EMPTY_ROOT
    yield index, size, leaf, [*proof, root], root
    yield index, size, leaf, [root, *proof], root
    yield index, size, leaf, [*proof, b""], root
    for i in range(len(proof)):
        flipped = bytearray(proof[i])
        flipped[0] ^= 8
        yield index, size, leaf, [*proof[:i], bytes(flipped), *proof[i + 1 :]], root
    if proof:
        yield index, size, leaf, proof[:-1], root


def test_every_corrupted_inclusion_proof_up_to_64_is_rejected():
    for size in range(1, MAX_SIZE + 1):
        for index in range(size):
            leaf = leaf_hash(LEAVES[index])
            proof = inclusion_proof(STORE, index, size)
            for probe in _inclusion_probes(index, size, leaf, proof, ROOTS[size]):
                if probe[:2] == (index, size) or probe[0] >= probe[1]:
                    assert fails(verify_inclusion, *probe), probe[:2]
                    continue
                # A different index or size can only verify if it is the same tree position.
                assert fails(verify_inclusion, *probe) or (
                    reference_path(probe[0], LEAVES[: probe[1]]) == proof
                    and leaf_hash(LEAVES[probe[0]]) == leaf
                )


def _consistency_probes(size1, size2, proof, root1, root2):
    yield size1 - 1, size2, proof, root1, root2
    yield size1 + 1, size2, proof, root1, root2
    yield size1 ^ 2, size2, proof, root1, root2
    yield size1, size2 * 2, proof, root1, root2
    yield size1, size2 // 2, proof, root1, root2
    yield size1, size2, proof, OTHER, root2
    yield size1, size2, proof, root1, OTHER
    yield size1, size2, proof, root2, root1
    yield size1, size2, [], root1, root2
    yield size1, size2, [*proof, root1], root1, root2
    yield size1, size2, [*proof, root2], root1, root2
    yield size1, size2, [root1, *proof], root1, root2
    yield size1, size2, [root2, *proof], root1, root2
    yield size1, size2, [proof[0], *proof], root1, root2
    yield size1, size2, proof[:-1], root1, root2
    for i in range(len(proof)):
        flipped = bytearray(proof[i])
        flipped[0] ^= 16
        yield size1, size2, [*proof[:i], bytes(flipped), *proof[i + 1 :]], root1, root2


def test_every_corrupted_consistency_proof_up_to_64_is_rejected():
    for size2 in range(2, MAX_SIZE + 1):
        for size1 in range(1, size2):
            proof = consistency_proof(STORE, size1, size2)
            for probe in _consistency_probes(size1, size2, proof, ROOTS[size1], ROOTS[size2]):
                assert fails(verify_consistency, *probe), (size1, size2, probe[:2])


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (1, 1), (2, 1), (-1, 4), (64, 64)])
def test_inclusion_requires_index_below_size(index, size):
    assert fails(verify_inclusion, index, size, leaf_hash(b"x"), [], leaf_hash(b"x"))


def test_single_leaf_tree_has_empty_inclusion_proof():
    digest = leaf_hash(b"data")
    assert verify_inclusion(0, 1, digest, [], digest)
    assert fails(verify_inclusion, 0, 1, digest, [], OTHER)


@pytest.mark.parametrize("bad", [b"", b"\x00" * 31, b"\x00" * 33])
def test_only_32_byte_hashes_are_accepted(bad):
    proof = inclusion_proof(STORE, 3, 8)
    leaf = leaf_hash(LEAVES[3])
    assert fails(verify_inclusion, 3, 8, bad, proof, ROOTS[8])
    assert fails(verify_inclusion, 3, 8, leaf, proof, bad)
    assert fails(verify_inclusion, 3, 8, leaf, [*proof[:-1], bad], ROOTS[8])
    cproof = consistency_proof(STORE, 3, 8)
    assert fails(verify_consistency, 3, 8, cproof, bad, ROOTS[8])
    assert fails(verify_consistency, 3, 8, cproof, ROOTS[3], bad)
    assert fails(verify_consistency, 3, 8, [*cproof[:-1], bad], ROOTS[3], ROOTS[8])


def test_consistency_from_the_empty_tree_is_an_error():
    assert fails(verify_consistency, 0, 5, [], EMPTY_ROOT, ROOTS[5])
    assert fails(verify_consistency, 0, 0, [], EMPTY_ROOT, EMPTY_ROOT)


def test_equal_sizes_need_an_empty_proof_and_equal_roots():
    assert verify_consistency(7, 7, [], ROOTS[7], ROOTS[7])
    assert fails(verify_consistency, 7, 7, [ROOTS[7]], ROOTS[7], ROOTS[7])
    assert fails(verify_consistency, 7, 7, [], ROOTS[7], ROOTS[6])


def test_a_log_that_went_backwards_fails_consistency():
    proof = consistency_proof(STORE, 5, 9)
    assert fails(verify_consistency, 9, 5, proof, ROOTS[9], ROOTS[5])


def test_proofs_need_only_logarithmic_subtree_reads():
    class CountingStore:
        def __init__(self, inner):
            self.inner, self.calls, self.nodes = inner, 0, 0

        def subtree_hashes(self, nodes):
            self.calls += 1
            self.nodes += len(nodes)
            return self.inner.subtree_hashes(nodes)

    counting = CountingStore(STORE)
    inclusion_proof(counting, 37, 63)
    consistency_proof(counting, 21, 63)
    root_hash(counting, 63)
    assert counting.calls == 3
    assert counting.nodes <= 3 * 2 * 6


def test_proof_beyond_stored_tree_reports_missing_subtrees():
    small = MemorySubtreeStore.from_leaves(LEAVES[:5])
    with pytest.raises(MissingSubtreeError):
        inclusion_proof(small, 2, 9)


def test_appending_in_batches_stores_the_same_subtrees_as_one_by_one():
    batched = MemorySubtreeStore()
    for lo, hi in [(0, 3), (3, 4), (4, 17), (17, 64)]:
        batched.append([leaf_hash(d) for d in LEAVES[lo:hi]])
    for size in range(MAX_SIZE + 1):
        assert root_hash(batched, size) == ROOTS[size]
