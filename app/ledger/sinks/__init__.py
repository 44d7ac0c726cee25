"""Anchor sinks: notarise checkpoints outside the hub (RFC 3161 time-stamping, EVM chains)."""

from app.ledger.sinks.base import (
    AnchorError,
    AnchorReceipt,
    AnchorSink,
    AnchorVerificationError,
    TrustAnchors,
)
from app.ledger.sinks.registry import available_sinks, by_url, receipt_from_json, verify_receipt

__all__ = [
    "AnchorError",
    "AnchorReceipt",
    "AnchorSink",
    "AnchorVerificationError",
    "TrustAnchors",
    "available_sinks",
    "by_url",
    "receipt_from_json",
    "verify_receipt",
]
