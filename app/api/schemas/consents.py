"""Request and response models of the consent API."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.api.schemas.read_model import ReadModel
from app.services.consents.remote import RemoteConsumerRef
from app.services.consents.service import ConsentRequest
from app.storage.models import Consent, ConsentTransition, RemoteConsumer

DocumentType = str
FetchTypeName = Literal["ONETIME", "PERIODIC"]
UnitName = Literal["HOUR", "DAY", "MONTH"]


class DataRangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: AwareDatetime = Field(alias="from", description="Documents dated from (inclusive)")
    end: AwareDatetime = Field(alias="to", description="Documents dated to (inclusive)")


class ValidityIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: AwareDatetime = Field(alias="from", description="Consent usable from")
    end: AwareDatetime = Field(alias="until", description="Consent usable until (exclusive)")


class FrequencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=1_000_000)
    unit: UnitName


class RemoteConsumerIn(BaseModel):
    """A consumer registered at a peer hub: the peer's name and the consumer's reference there."""

    model_config = ConfigDict(extra="forbid")

    peer: str = Field(min_length=1, max_length=100, description="Name of the peer hub")
    consumer_ref: str = Field(
        min_length=1, max_length=200, description="The consumer's participant id at the peer"
    )


class RemoteConsumerOut(BaseModel):
    peer: str
    consumer_ref: str


class ConsentTermsIn(BaseModel):
    """The terms a consent request asks for: owner, documents, purpose, ranges and limits."""

    model_config = ConfigDict(extra="forbid")

    owner_id: uuid.UUID
    provider_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    document_types: list[DocumentType] = Field(min_length=1, max_length=50)
    purpose: str = Field(
        min_length=1, max_length=64, description="Purpose code, e.g. CREDIT_ASSESSMENT"
    )
    data_range: DataRangeIn
    validity: ValidityIn
    fetch_type: FetchTypeName
    frequency: FrequencyIn | None = None
    data_life_days: int = Field(ge=0, le=36500)

    def to_request(self) -> ConsentRequest:
        return ConsentRequest(
            owner_id=self.owner_id,
            document_types=frozenset(self.document_types),
            purpose_code=self.purpose,
            data_from=self.data_range.start,
            data_to=self.data_range.end,
            valid_from=self.validity.start,
            valid_until=self.validity.end,
            fetch_type=self.fetch_type,
            frequency_count=self.frequency.count if self.frequency else None,
            frequency_unit=self.frequency.unit if self.frequency else None,
            data_life_days=self.data_life_days,
            provider_ids=frozenset(self.provider_ids),
        )


class PeerConsentCreate(ConsentTermsIn):
    """A consent request for a consumer at a peer hub: the terms only.

    The consumer is the lender its own hub names (`Consumer-Ref`), never one in the body.
    """


class ConsentCreate(ConsentTermsIn):
    """A consumer's request for an owner's consent."""

    consumer_id: uuid.UUID | None = Field(
        default=None, description="Admins only: the consumer to request for (default: caller)"
    )
    remote_consumer: RemoteConsumerIn | None = Field(
        default=None,
        description="Admins only: a consumer at a peer hub, which pulls through that hub",
    )

    def to_request(self) -> ConsentRequest:
        return replace(
            super().to_request(),
            consumer_id=self.consumer_id,
            remote_consumer=(
                RemoteConsumerRef(self.remote_consumer.peer, self.remote_consumer.consumer_ref)
                if self.remote_consumer is not None
                else None
            ),
        )


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


class PurposeOut(BaseModel):
    code: str
    text: str


class DataRangeOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")


class ValidityOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="until")


class FrequencyOut(BaseModel):
    count: int
    unit: str


class TransitionRead(ReadModel):
    action: str
    source: str | None = Field(serialization_alias="from")
    target: str = Field(serialization_alias="to")
    actor: str
    role: str
    reason: str | None
    at: datetime


class ConsentRead(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True)

    id: uuid.UUID
    status: str
    status_reason: str | None
    owner_id: uuid.UUID
    consumer_id: uuid.UUID
    provider_ids: list[uuid.UUID]
    document_types: list[str]
    purpose: PurposeOut
    data_range: DataRangeOut
    validity: ValidityOut
    fetch_type: str
    frequency: FrequencyOut | None
    data_life_days: int
    created_at: datetime
    updated_at: datetime
    artefact_sha256: str | None
    transitions: list[TransitionRead] | None = Field(
        default=None, description="History, oldest first (on single-consent reads)"
    )
    remote_consumer: RemoteConsumerOut | None = Field(
        default=None,
        description="On single-consent reads: the peer hub and reference the consumer stands for",
    )

    @classmethod
    def of(
        cls,
        c: Consent,
        transitions: list[ConsentTransition] | None = None,
        remote: RemoteConsumer | None = None,
    ) -> ConsentRead:
        frequency = None
        if c.frequency_count is not None and c.frequency_unit is not None:
            frequency = FrequencyOut(count=c.frequency_count, unit=c.frequency_unit)
        return cls(
            id=c.id,
            status=c.status,
            status_reason=c.status_reason,
            owner_id=c.owner_id,
            consumer_id=c.consumer_id,
            provider_ids=[uuid.UUID(str(p)) for p in c.provider_ids],
            document_types=list(c.document_types),
            purpose=PurposeOut(code=c.purpose_code, text=c.purpose_text),
            data_range=DataRangeOut(start=c.data_from, end=c.data_to),
            validity=ValidityOut(start=c.valid_from, end=c.valid_until),
            fetch_type=c.fetch_type,
            frequency=frequency,
            data_life_days=c.data_life_days,
            created_at=c.created_at,
            updated_at=c.updated_at,
            artefact_sha256=c.artefact_sha256,
            transitions=None
            if transitions is None
            else [TransitionRead.of(t) for t in transitions],
            remote_consumer=(
                RemoteConsumerOut(peer=remote.peer_name, consumer_ref=remote.consumer_ref)
                if remote is not None
                else None
            ),
        )


class ConsentPage(BaseModel):
    items: list[ConsentRead]
    next_cursor: str | None


class ArtefactRead(BaseModel):
    consent_id: uuid.UUID
    jws: str = Field(description="Compact JWS (ES256); verify with /.well-known/jwks.json")
    sha256: str
