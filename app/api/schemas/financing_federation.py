"""Hub-to-hub models of the cross-border duplicate-financing check (bucketed RFC 9497 OPRF).

Lengths bound every request (a peer's oversize batch is a 422 before any work); the hex
content itself is checked by the service, which answers the precise problem type.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.domain import oprf
from app.services.financing.federation.serving import MAX_BATCH

Element = Annotated[
    str, StringConstraints(min_length=1, max_length=2 * oprf.ELEMENT_BYTES, strict=True)
]
Output = Annotated[
    str, StringConstraints(min_length=1, max_length=2 * oprf.OUTPUT_BYTES, strict=True)
]
Prefix = Annotated[str, StringConstraints(min_length=1, max_length=8, strict=True)]
KeyId = Annotated[str, StringConstraints(min_length=1, max_length=64, strict=True)]


class EvaluateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    elements: list[Element] = Field(
        max_length=MAX_BATCH,
        description="Blinded elements r·H(x): 32-byte ristretto255 encodings, hex",
    )


class Evaluation(BaseModel):
    key_id: str
    elements: list[str] = Field(description="k·r·H(x) per blinded element, in order, hex")


class EvaluateOut(BaseModel):
    suite: str = Field(description="ristretto255-SHA512")
    mode: int = Field(description="RFC 9497 mode: 0, OPRF")
    bucket_bytes: int = Field(description="Prefix length this hub serves buckets by")
    evaluations: list[Evaluation] = Field(
        description="Under the current key and every key still being retired"
    )


class BucketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_id: KeyId
    prefixes: list[Prefix] = Field(
        max_length=MAX_BATCH, description="Prefixes of OPRF outputs, hex, bucket_bytes long"
    )


class BucketEntry(BaseModel):
    output: str = Field(description="A 64-byte OPRF output of an open registration, hex")
    count: int = Field(description="Open registrations holding it")


class BucketOut(BaseModel):
    key_id: str
    buckets: dict[str, list[BucketEntry]]


class MatchesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_id: KeyId
    check_id: uuid.UUID = Field(description="The reporting hub's check: a retry repeats it")
    outputs: list[Output] = Field(max_length=MAX_BATCH, description="Matched outputs, hex")


class MatchesOut(BaseModel):
    accepted: int
