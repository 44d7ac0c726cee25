"""Request and response models of notices and deletion receipts."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas.read_model import ReadModel
from app.domain.deletion_receipt import RECEIPT_TYP, SIGNING_ALGORITHMS
from app.domain.notices import receipt_blocks_consents
from app.services.notices.acknowledgement import state_of
from app.storage.models import DeletionObligation, Notice, ReceiptNonce


class NoticeRead(ReadModel):
    """A notice that a consent ended or paused, and whether the consumer acknowledged it."""

    id: uuid.UUID
    consent_id: uuid.UUID
    consumer_id: uuid.UUID
    owner_id: uuid.UUID
    consent_status: str = Field(description="REVOKED, EXPIRED or PAUSED")
    reason: str | None
    issued_at: datetime
    due_at: datetime = Field(description="Acknowledge by then, or data access closes")
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    state: str = Field(description="open, overdue or acknowledged")

    @classmethod
    def at(cls, notice: Notice, now: datetime) -> NoticeRead:
        return cls.model_validate(
            {**{k: getattr(notice, k) for k in _NOTICE_FIELDS}, "state": state_of(notice, now)}
        )


_NOTICE_FIELDS = tuple(name for name in NoticeRead.model_fields if name != "state")


class NoticePage(BaseModel):
    items: list[NoticeRead]
    next_cursor: str | None


class NonceRead(BaseModel):
    """What a consumer signs into its receipt, and how."""

    nonce: str
    consent_id: uuid.UUID
    expires_at: datetime
    audience: str = Field(description="The receipt's aud claim")
    typ: str = RECEIPT_TYP
    algorithms: list[str] = list(SIGNING_ALGORITHMS)

    @classmethod
    def of(cls, nonce: ReceiptNonce, audience: str) -> NonceRead:
        return cls(
            nonce=nonce.value,
            consent_id=nonce.consent_id,
            expires_at=nonce.expires_at,
            audience=audience,
        )


class ReceiptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jws: str = Field(min_length=1, max_length=2_000_000, description="Compact JWS")


class DeletedDocumentOut(BaseModel):
    id: uuid.UUID
    sha256: str


class DeletionReceiptRead(ReadModel):
    """A filed receipt: the JWS as signed, the key that signed it, and what it attests."""

    id: uuid.UUID
    consent_id: uuid.UUID
    consumer_id: uuid.UUID
    owner_id: uuid.UUID
    jws: str = Field(description="Verify offline with `tradegate consents verify-receipt`")
    sha256: str = Field(description="SHA-256 of the compact JWS, as recorded in the ledger")
    algorithm: str
    key_thumbprint: str = Field(description="RFC 7638 thumbprint of the signing key")
    public_jwk: dict[str, Any]
    method: str
    deleted_at: datetime
    documents: list[DeletedDocumentOut]
    filed_at: datetime
    filed_by: str
    event_id: uuid.UUID


class ObligationRead(ReadModel):
    """A deletion receipt that is due and not filed."""

    consent_id: uuid.UUID
    consumer_id: uuid.UUID
    owner_id: uuid.UUID
    due_at: datetime
    documents: int = Field(description="How many fetched documents the receipt must name")
    blocks_new_consents: bool

    @classmethod
    def at(cls, obligation: DeletionObligation, now: datetime, grace: timedelta) -> ObligationRead:
        return cls(
            consent_id=obligation.consent_id,
            consumer_id=obligation.consumer_id,
            owner_id=obligation.owner_id,
            due_at=obligation.due_at,
            documents=len(obligation.documents),
            blocks_new_consents=receipt_blocks_consents(obligation.due_at, grace, now),
        )


class ObligationList(BaseModel):
    items: list[ObligationRead]
