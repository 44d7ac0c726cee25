"""The ``none://`` sink: anchoring switched off; its receipts prove nothing and never verify."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from app.ledger.sinks.base import (
    AnchorReceipt,
    AnchorVerificationError,
    TrustAnchors,
    checkpoint_digest,
)


class NoneReceipt(AnchorReceipt):
    """Records that anchoring was skipped, and when."""

    kind: Literal["none"] = "none"
    time: datetime


class NoneSink:
    """Accepts every checkpoint without notarising it (development and tests)."""

    kind: ClassVar[str] = "none"
    receipt_type: ClassVar[type[AnchorReceipt]] = NoneReceipt

    @classmethod
    def from_url(cls, url: str, **_: Any) -> NoneSink:
        """``none://`` takes no options."""
        return cls()

    def anchor(self, checkpoint: bytes) -> AnchorReceipt:
        """Return a receipt that says nothing was anchored."""
        return NoneReceipt(
            checkpoint_sha256=checkpoint_digest(checkpoint).hex(), time=datetime.now(UTC)
        )

    def verify(self, checkpoint: bytes, receipt: AnchorReceipt, trust: TrustAnchors) -> datetime:
        """Never verifies: nobody outside the hub saw the checkpoint."""
        return self.verify_receipt(checkpoint, receipt, trust)

    @staticmethod
    def verify_receipt(checkpoint: bytes, receipt: AnchorReceipt, trust: TrustAnchors) -> datetime:
        """A ``none`` receipt is no evidence."""
        raise AnchorVerificationError("anchoring is disabled (none://): nothing to verify")
