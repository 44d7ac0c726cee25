"""Request and response models of the financing API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.domain.financing import FinancingState, ReasonCode, Terms
from app.services.financing.registrations import FinancingRequest


class FinancingCreate(BaseModel):
    """A lender's registration of a document it finances or intends to finance."""

    model_config = ConfigDict(extra="forbid")

    document_id: uuid.UUID = Field(description="A document your ACTIVE consent covers")
    state: Literal["INTENDED", "FINANCED"] = Field(
        default="INTENDED", description="INTENDED before disbursement, FINANCED after"
    )
    amount: Decimal = Field(description='Financed amount, e.g. "125000.00"')
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 alpha-3 code")
    maturity: date = Field(
        description="Maturity date; the registration expires after it plus grace"
    )
    reference: str = Field(min_length=1, max_length=100, description="Your own reference")

    def to_request(self) -> FinancingRequest:
        return FinancingRequest(
            document_id=self.document_id,
            state=FinancingState(self.state),
            terms=Terms(self.amount, self.currency.upper(), self.maturity),
            reference=self.reference,
        )


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: ReasonCode | None = Field(
        default=None,
        description="settle: REPAID, REFINANCED, WRITTEN_OFF; cancel: DUPLICATE_FINANCING, "
        "APPLICATION_WITHDRAWN, CREDIT_DECLINED, DOCUMENT_AMENDED, REGISTERED_IN_ERROR",
    )


class FingerprintAnswerOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    fingerprint: str
    match_class: str = Field(alias="class", description="duplicate or similar")
    status: str = Field(description="CLEAR, SIMILAR, DUPLICATE_SAME_LENDER or DUPLICATE")
    count: int = Field(description="Open registrations behind the status")


class CrossBorderOut(BaseModel):
    """One peer hub's answer about the same document: its statuses and counts only."""

    peer: str = Field(description="The peer hub's name")
    jurisdiction: str = Field(description="The peer hub's jurisdiction (ISO 3166-1 alpha-2)")
    status: str = Field(
        description="CLEAR, SIMILAR or DUPLICATE; UNAVAILABLE when the peer did not answer in "
        "time (the registration went ahead without it)"
    )
    fingerprints: list[FingerprintAnswerOut]


class ResultOut(BaseModel):
    """What the hub answered: statuses and counts, never another lender's data."""

    status: str = Field(description="This hub's answer; peers' answers are in cross_border")
    fingerprints: list[FingerprintAnswerOut]
    cross_border: list[CrossBorderOut] | None = Field(
        default=None,
        description="Per peer hub, the answer of a cross-border check (RFC 9497 OPRF, no "
        "identifiers cross); absent when this hub has no active peers",
    )


class FinancingRead(BaseModel):
    id: uuid.UUID
    document_id: uuid.UUID
    document_type: str
    state: str
    amount: str
    currency: str
    maturity: date
    expires_at: datetime
    reference: str
    reason: str | None
    result: ResultOut = Field(description="What the hub answered when this was registered")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, body: dict[str, Any]) -> FinancingRead:
        return cls.model_validate(body)


class FinancingPage(BaseModel):
    items: list[FinancingRead]
    next_cursor: str | None
