"""RFC 9162 §2.1 Merkle tree hashing, proofs from stored subtree hashes, and strict verifiers."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from itertools import count, repeat
from typing import Protocol

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: A complete subtree: ``(level, index)`` covers leaves ``[index << level, (index + 1) << level)``.
Node = tuple[int, int]


class ProofError(ValueError):
    """A proof, tree size or hash failed verification; the message says which rule broke."""


class MissingSubtreeError(LookupError):
    """A subtree hash that a proof needs is not stored (the tree is smaller than asked)."""


def leaf_hash(data: bytes) -> bytes:
    """Hash leaf data with the 0x00 prefix, so a leaf can never pose as an interior node."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two children with the 0x01 prefix (RFC 9162 §2.1.1)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """Return k, the largest power of two below ``n`` (n > 1): where the RFC splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def mth(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over raw leaf data (O(n))."""
    return root_of_leaf_hashes([leaf_hash(d) for d in leaves])


def root_of_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH of a tree given its leaf hashes; also the hash of a complete subtree."""
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    # Pairing left to right and carrying an odd last node up reproduces the RFC's split
    # at the largest power of two, without recursion.
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


class SubtreeSource(Protocol):
    """Where complete subtree hashes come from: a table, a cache, or memory.

    Proof builders ask for every node they need in ONE call, so a storage layer can answer
    with a single indexed query and a proof costs O(log n) row reads.
    """

    def subtree_hashes(self, nodes: Sequence[Node]) -> Mapping[Node, bytes]:
        """Return each requested subtree hash; raise MissingSubtreeError if one is absent."""
        ...


def range_nodes(start: int, end: int) -> list[Node]:
    """Decompose the tree node covering leaves ``[start, end)`` into complete subtrees.

    Every node of the RFC tree is aligned so that its left part is the largest power of two
    that fits; the result is left to right, largest first.
    """
    nodes: list[Node] = []
    while start < end:
        level = (end - start).bit_length() - 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def _fold_range(nodes: Sequence[Node], hashes: Mapping[Node, bytes]) -> bytes:
    """Hash of a tree node from its complete subtrees: the right edge folds right to left."""
    acc = hashes[nodes[-1]]
    for node in reversed(nodes[:-1]):
        acc = node_hash(hashes[node], acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges of the nodes in PATH(index, D[size]) (RFC 9162 §2.1.3.1), leaf upward."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = largest_power_of_two_below(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """Leaf ranges of the nodes in PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1)."""
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    ranges: list[tuple[int, int]] = []
    lo, hi, m, complete = 0, size2, size1, True
    while m != hi - lo:
        k = largest_power_of_two_below(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            m -= k
            complete = False
    if not complete:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def _hashes_for(source: SubtreeSource, ranges: Iterable[tuple[int, int]]) -> list[bytes]:
    decomposed = [range_nodes(lo, hi) for lo, hi in ranges]
    wanted = list(dict.fromkeys(node for nodes in decomposed for node in nodes))
    found = source.subtree_hashes(wanted) if wanted else {}
    missing = [node for node in wanted if node not in found]
    if missing:
        raise MissingSubtreeError(f"subtree hashes not stored: {missing}")
    return [_fold_range(nodes, found) for nodes in decomposed]


def root_hash(source: SubtreeSource, size: int) -> bytes:
    """MTH of the first ``size`` leaves, from at most log2(size) stored subtree hashes."""
    if size < 0:
        raise ValueError("tree size must not be negative")
    if size == 0:
        return EMPTY_ROOT
    return _hashes_for(source, [(0, size)])[0]


def inclusion_proof(source: SubtreeSource, index: int, size: int) -> list[bytes]:
    """The audit path for leaf ``index`` in the tree of ``size`` leaves."""
    return _hashes_for(source, inclusion_ranges(index, size))


def consistency_proof(source: SubtreeSource, size1: int, size2: int) -> list[bytes]:
    """The consistency proof from ``size1`` to ``size2`` (empty when the sizes are equal)."""
    return _hashes_for(source, consistency_ranges(size1, size2))


def frontier_nodes(size: int) -> list[Node]:
    """The complete subtrees that make up a tree of ``size`` leaves: what appending builds on."""
    return range_nodes(0, size)


def append_nodes(
    size: int,
    frontier: Mapping[Node, bytes],
    new_leaf_hashes: Sequence[bytes],
    *,
    min_level: int = 0,
) -> dict[Node, bytes]:
    """Every complete subtree created by appending ``new_leaf_hashes`` to a tree of ``size``.

    ``frontier`` must hold the hashes of ``frontier_nodes(size)``. The result includes the new
    leaves themselves (level 0) and each interior node that the batch completes, ready to store;
    ``min_level`` leaves out the levels below it, for a store that recomputes small subtrees.
    Works level by level: at each level the new nodes pair up left to right, the first one
    with its left sibling from the old tree when its index is odd.
    """
    # Checked with C-level maps (this runs once per leaf); the slow loop only names the culprit.
    kinds = set(map(type, new_leaf_hashes))
    if kinds - {bytes, bytearray} or set(map(len, new_leaf_hashes)) - {HASH_SIZE}:
        for digest in new_leaf_hashes:
            _check_hash(digest, "leaf hash")
    sha256 = hashlib.sha256
    created: dict[Node, bytes] = {}
    level, start, row = 0, size, list(new_leaf_hashes)
    while row:
        if level >= min_level:
            created.update(zip(zip(repeat(level), count(start)), row, strict=False))
        if start & 1:
            row.insert(0, frontier[(level, start - 1)])
            start -= 1
        # One tight pass per level over adjacent pairs (an odd last node waits for a sibling).
        row = [
            sha256(NODE_PREFIX + left + right).digest()
            for left, right in zip(row[0::2], row[1::2], strict=False)
        ]
        level, start = level + 1, start >> 1
    return created


class MemorySubtreeStore:
    """Complete subtree hashes kept in lists per level: for tests, tools and benchmarks."""

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = []

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return len(self._levels[0]) if self._levels else 0

    def append(self, leaf_hashes: Sequence[bytes]) -> None:
        """Append leaf hashes and store each complete subtree they finish."""
        frontier = self.subtree_hashes(frontier_nodes(self.size))
        for (level, index), digest in sorted(
            append_nodes(self.size, frontier, leaf_hashes).items()
        ):
            while len(self._levels) <= level:
                self._levels.append([])
            assert len(self._levels[level]) == index
            self._levels[level].append(digest)

    def subtree_hashes(self, nodes: Sequence[Node]) -> dict[Node, bytes]:
        """Look the requested nodes up; absent ones are simply left out."""
        found: dict[Node, bytes] = {}
        for level, index in nodes:
            if level < len(self._levels) and index < len(self._levels[level]):
                found[(level, index)] = self._levels[level][index]
        return found

    @classmethod
    def from_leaves(cls, leaves: Iterable[bytes]) -> MemorySubtreeStore:
        """Build a store from raw leaf data."""
        store = cls()
        store.append([leaf_hash(d) for d in leaves])
        return store


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} must be exactly {HASH_SIZE} bytes")


def _check_proof(proof: Sequence[bytes]) -> None:
    for position, element in enumerate(proof):
        _check_hash(element, f"proof element {position}")


def inclusion_proof_length(index: int, size: int) -> int:
    """Exact number of hashes in the audit path of ``index`` in a tree of ``size`` leaves."""
    # Below the highest level where index and the last leaf part ways, every level contributes
    # one hash; above it, one per set bit (the left siblings on the border).
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_length(size1: int, size2: int) -> int:
    """Exact number of hashes in PROOF(size1, D[size2]) for 0 < size1 < size2."""
    shift = (size1 & -size1).bit_length() - 1
    length = inclusion_proof_length(size1 - 1, size2) - shift
    # When size1 is a power of two its root is the subtree itself and is not sent.
    return length if size1 == 1 << shift else length + 1


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Check an inclusion proof exactly as RFC 9162 §2.1.3.2 says; raise ProofError if it fails.

    ``leaf`` is the leaf HASH. Returns True so callers may write ``assert verify_inclusion(...)``.
    """
    _check_hash(leaf, "leaf hash")
    _check_hash(root, "root hash")
    _check_proof(proof)
    if index < 0 or size < 0:
        raise ProofError("leaf index and tree size must not be negative")
    if index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    expected = inclusion_proof_length(index, size)
    if len(proof) != expected:
        raise ProofError(f"inclusion proof has {len(proof)} hashes, expected {expected}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is high")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is high")
    if r != root:
        raise ProofError("inclusion proof does not lead to the root hash")
    return True


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> bool:
    """Check a consistency proof exactly as RFC 9162 §2.1.4.2 says; raise ProofError if it fails."""
    _check_hash(root1, "first root hash")
    _check_hash(root2, "second root hash")
    _check_proof(proof)
    if size1 < 0 or size2 < 0:
        raise ProofError("tree sizes must not be negative")
    if size2 < size1:
        raise ProofError(f"tree size {size2} is smaller than {size1}: the log went backwards")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is not defined")
    if size1 == size2:
        if proof:
            raise ProofError("equal tree sizes need an empty consistency proof")
        if root1 != root2:
            raise ProofError("equal tree sizes with different root hashes")
        return True
    if not proof:
        raise ProofError("consistency proof is empty")
    expected = consistency_proof_length(size1, size2)
    if len(proof) != expected:
        raise ProofError(f"consistency proof has {len(proof)} hashes, expected {expected}")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the tree is high")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the tree is high")
    if fr != root1:
        raise ProofError("consistency proof does not lead to the first root hash")
    if sr != root2:
        raise ProofError("consistency proof does not lead to the second root hash")
    return True
