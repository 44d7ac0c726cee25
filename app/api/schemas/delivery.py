"""Request and response models for connectors, routing rules, deliveries and the events feed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from app.storage.models import ConnectorInstance, Delivery, Notification, Subscription


class ConnectorRead(BaseModel):
    name: str
    kind: str
    config_schema: dict[str, Any]


class InstanceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connector: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)
    config: dict[str, Any] = Field(default_factory=dict)
    poll_inbound: bool = Field(default=False, description="Poll it for inbound documents")
    participant_id: uuid.UUID | None = Field(
        default=None, description="Admins only: the participant the instance belongs to"
    )


class InstanceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    config: dict[str, Any] | None = Field(
        default=None, description="Replaces the whole config (e.g. two secrets to rotate)"
    )
    enabled: bool | None = None


class InstanceRead(BaseModel):
    id: uuid.UUID
    participant_id: uuid.UUID
    connector: str
    name: str
    config: Any = Field(description="Secrets are shown in clear only in the create response")
    enabled: bool
    disabled_reason: str | None
    poll_inbound: bool
    created_at: datetime

    @classmethod
    def of(cls, instance: ConnectorInstance, config: Any) -> InstanceRead:
        return cls(
            id=instance.id,
            participant_id=instance.participant_id,
            connector=instance.connector,
            name=instance.name,
            config=config,
            enabled=instance.enabled,
            disabled_reason=instance.disabled_reason,
            poll_inbound=instance.poll_inbound,
            created_at=instance.created_at,
        )


class HealthRead(BaseModel):
    state: str
    detail: str


class AuthorizationStart(BaseModel):
    """Where to send the remote account's owner, and the callback to register there."""

    authorization_url: str
    redirect_uri: str


class AuthorizationDone(BaseModel):
    instance_id: uuid.UUID
    detail: str


class EventAccepted(BaseModel):
    status: int
    detail: str


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topics: list[str] = Field(default_factory=list, description="Empty means every topic")
    document_types: list[str] = Field(default_factory=list, description="Empty means any")
    owner_ids: list[uuid.UUID] = Field(default_factory=list, description="Empty means any")
    include_content: bool = Field(
        default=False, description="Push the document itself when the consent allows it"
    )


class SubscriptionRead(BaseModel):
    id: uuid.UUID
    participant_id: uuid.UUID
    instance_id: uuid.UUID
    topics: list[str]
    document_types: list[str]
    owner_ids: list[str]
    include_content: bool
    created_at: datetime

    @classmethod
    def of(cls, s: Subscription) -> SubscriptionRead:
        return cls(
            id=s.id,
            participant_id=s.participant_id,
            instance_id=s.instance_id,
            topics=list(s.topics),
            document_types=list(s.document_types),
            owner_ids=list(s.owner_ids),
            include_content=s.include_content,
            created_at=s.created_at,
        )


class DeliveryRead(BaseModel):
    id: uuid.UUID
    notification_id: uuid.UUID
    webhook_id: str
    instance_id: uuid.UUID
    participant_id: uuid.UUID
    status: str
    attempts: int
    last_error: str | None
    last_status_code: int | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, d: Delivery) -> DeliveryRead:
        return cls(
            id=d.id,
            notification_id=d.notification_id,
            webhook_id=f"msg_{d.notification_id.hex}",
            instance_id=d.instance_id,
            participant_id=d.participant_id,
            status=d.status,
            attempts=d.attempts,
            last_error=d.last_error,
            last_status_code=d.last_status_code,
            next_attempt_at=d.next_attempt_at,
            delivered_at=d.delivered_at,
            created_at=d.created_at,
        )


class ReplayResult(BaseModel):
    replayed: int


class FeedItem(BaseModel):
    cursor: int
    id: str
    type: str
    timestamp: str
    data: dict[str, Any]

    @classmethod
    def of(cls, n: Notification) -> FeedItem:
        return cls(
            cursor=n.seq,
            id=n.payload["id"],
            type=n.payload["type"],
            timestamp=n.payload["timestamp"],
            data=n.payload["data"],
        )


class FeedRead(BaseModel):
    items: list[FeedItem]
    next_cursor: int = Field(description="Pass as `after` to continue; acknowledge when done")
    acknowledged: int
    has_more: bool


class FeedAck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cursor: StrictInt = Field(ge=0)


class FeedAckRead(BaseModel):
    acknowledged: int
