"""Hash-match evidence: the signed statement and, for a match, its proof in the hub's log."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.ledger.bundle import BundleInclusion, BundleLeaf, _Part

EVIDENCE_FORMAT: Literal["tradegate.hash-match-evidence/1"] = "tradegate.hash-match-evidence/1"


class HashMatchEvidence(_Part):
    """What a hub answers a peer: the statement (a signed note) and, when it found the hash,
    the leaf that recorded the document's acceptance, its inclusion proof, and the signed
    checkpoint the proof leads to (the hub's latest when it answered)."""

    format: Literal["tradegate.hash-match-evidence/1"] = EVIDENCE_FORMAT
    statement: str = Field(max_length=4096)
    checkpoint: str | None = Field(default=None, max_length=4096)
    leaf: BundleLeaf | None = None
    inclusion: BundleInclusion | None = None
