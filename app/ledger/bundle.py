"""The proof bundle: everything a third party needs to check a document offline."""

from __future__ import annotations

import base64
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

BUNDLE_FORMAT: Literal["tradegate.proof-bundle/1"] = "tradegate.proof-bundle/1"


def b64(data: bytes) -> str:
    """Standard base64 (RFC 4648 §4), as in checkpoints."""
    return base64.b64encode(data).decode("ascii")


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BundleDocument(_Part):
    """The document as the hub stored it (informative: the event payload is what binds)."""

    id: str
    media_type: str
    sha256: str
    canonical_sha256: str


class BundleEvent(_Part):
    """The audit event recorded for the document, with its full payload."""

    id: str
    seq: int
    kind: str
    subject: str
    time: str
    payload: dict[str, Any]
    payload_sha256: str


class BundleLeaf(_Part):
    """The leaf's position and data (base64 of the canonical leaf JSON)."""

    index: int = Field(ge=0)
    data: str


class BundleInclusion(_Part):
    """Audit path from the leaf to the root of the bundle's checkpoint."""

    size: int = Field(ge=1)
    proof: list[str] = Field(max_length=64)


class BundleAnchor(_Part):
    """A notarised checkpoint (the same or a later one) and how the bundle's tree grew into it."""

    checkpoint: str
    consistency: list[str]
    sink: str
    receipt: dict[str, Any]


class BundleWitnessed(_Part):
    """A later checkpoint that witnesses cosigned, and how the bundle's tree grew into it."""

    checkpoint: str
    consistency: list[str]


class ProofBundle(_Part):
    """Leaf, inclusion proof, signed checkpoint and anchor receipts for one document."""

    format: Literal["tradegate.proof-bundle/1"] = BUNDLE_FORMAT
    origin: str
    log_key: str
    document: BundleDocument | None = None
    event: BundleEvent
    leaf: BundleLeaf
    inclusion: BundleInclusion
    checkpoint: str
    anchors: list[BundleAnchor] = Field(default_factory=list)
    #: Set when the bundle's checkpoint itself carries no cosignature yet, but a later one does.
    witnessed: BundleWitnessed | None = None
