"""Offline proof verification: RFC 9162 verifiers and checkpoint checks, no database needed."""

from app.domain.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    ProofError,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "ProofError",
    "leaf_hash",
    "node_hash",
    "verify_consistency",
    "verify_inclusion",
]
