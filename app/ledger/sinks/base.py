"""The anchor sink contract: what a notary must do, and what its receipts look like."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

from cryptography import x509
from pydantic import BaseModel, ConfigDict


class AnchorError(Exception):
    """Anchoring failed (the notary is unreachable, refused, or answered nonsense)."""


class AnchorVerificationError(Exception):
    """A receipt does not prove that the notary saw this checkpoint; ``reason`` is a stable code."""

    def __init__(self, message: str, reason: str = "anchor_unverified") -> None:
        super().__init__(message)
        self.reason = reason


class AnchorReceipt(BaseModel):
    """Evidence returned by a sink; JSON-serialisable and self-describing through ``kind``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    #: SHA-256 (hex) of the exact checkpoint bytes that were notarised.
    checkpoint_sha256: str


@dataclass
class TrustAnchors:
    """What a verifier trusts: TSA root certificates and EVM nodes it may query by chain id.

    An EVM node is given as a JSON-RPC URL or a ready ``web3.Web3`` object.
    """

    certificates: list[x509.Certificate] = field(default_factory=list)
    evm_nodes: dict[int, Any] = field(default_factory=dict)


@runtime_checkable
class AnchorSink(Protocol):
    """A notary for checkpoints: anchor now, verify later (possibly elsewhere, possibly offline)."""

    kind: ClassVar[str]
    receipt_type: ClassVar[type[AnchorReceipt]]

    @classmethod
    def from_url(cls, url: str, **options: Any) -> AnchorSink:
        """Build the sink a URL describes; ``options`` carry what URLs must not (keys, trust)."""
        ...

    @staticmethod
    def verify_receipt(checkpoint: bytes, receipt: AnchorReceipt, trust: TrustAnchors) -> datetime:
        """Verify without sink configuration: what offline verifiers call."""
        ...

    def anchor(self, checkpoint: bytes) -> AnchorReceipt:
        """Notarise the signed checkpoint bytes and return the receipt; raise AnchorError."""
        ...

    def verify(self, checkpoint: bytes, receipt: AnchorReceipt, trust: TrustAnchors) -> datetime:
        """Return the notarised time; raise AnchorVerificationError if the receipt does not hold.

        Sinks that subclass this protocol inherit verification by :meth:`verify_receipt`.
        """
        return self.verify_receipt(checkpoint, receipt, trust)


def checkpoint_digest(checkpoint: bytes) -> bytes:
    """The SHA-256 that every sink notarises."""
    return hashlib.sha256(checkpoint).digest()


def check_receipt_matches(checkpoint: bytes, receipt: AnchorReceipt) -> bytes:
    """Refuse a receipt issued for other checkpoint bytes; return the checkpoint digest."""
    digest = checkpoint_digest(checkpoint)
    if receipt.checkpoint_sha256 != digest.hex():
        raise AnchorVerificationError(
            "receipt was issued for a different checkpoint", "anchor_checkpoint_mismatch"
        )
    return digest
