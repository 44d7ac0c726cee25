"""A stand-in log for witness tests: leaves in memory, checkpoints signed with its own key."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.domain.checkpoint import Checkpoint
from app.domain.merkle import MemorySubtreeStore, consistency_proof, leaf_hash, root_of_leaf_hashes
from app.domain.note import NoteSigner
from app.domain.witness import AddCheckpointRequest


@dataclass
class StandInLog:
    """A log under ``origin`` whose leaves are ``tag`` + index, so two tags fork it."""

    origin: str = "log.example/log"
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    @property
    def signer(self) -> NoteSigner:
        return NoteSigner(self.origin, self.key)

    @property
    def vkey(self) -> str:
        return self.signer.verifier().vkey

    def leaves(self, size: int, fork_at: int | None = None, tag: str = "b") -> list[bytes]:
        """``size`` leaf hashes; from ``fork_at`` on, leaves of another history."""
        return [
            leaf_hash(f"{tag if fork_at is not None and i >= fork_at else 'a'}{i}".encode())
            for i in range(size)
        ]

    def checkpoint(self, size: int, **fork: int | str | None) -> Checkpoint:
        return Checkpoint(self.origin, size, root_of_leaf_hashes(self.leaves(size, **fork)))  # type: ignore[arg-type]

    def note(self, size: int, signer: NoteSigner | None = None, **fork: int | str | None) -> bytes:
        return self.checkpoint(size, **fork).sign([signer or self.signer])

    def request(
        self, old: int, size: int, *, signer: NoteSigner | None = None, **fork: int | str | None
    ) -> bytes:
        """An add-checkpoint body from ``old`` to ``size`` with a valid proof for that history."""
        proof: list[bytes] = []
        if 0 < old < size:
            store = MemorySubtreeStore()
            store.append(self.leaves(size, **fork))  # type: ignore[arg-type]
            proof = consistency_proof(store, old, size)
        return AddCheckpointRequest(old, tuple(proof), self.note(size, signer, **fork)).encode()
