"""An outbound connector that keeps deliveries in process memory, keyed by idempotency key."""

from __future__ import annotations

from datetime import UTC
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from connectors.spi import (
    ConnectorKind,
    DeliveryContext,
    DeliveryReceipt,
    HealthState,
    HealthStatus,
    OutboundMessage,
)

MAILBOXES: dict[str, dict[str, bytes]] = {}


class MemoryConfig(BaseModel):
    """Which in-memory mailbox an instance writes to."""

    model_config = ConfigDict(extra="forbid")

    mailbox: str = Field(min_length=1, max_length=64)


class MemoryConnector:
    """Stores each message body under its id; a redelivery replaces the earlier copy."""

    name: ClassVar[str] = "memory"
    kind: ClassVar[ConnectorKind] = ConnectorKind.OUTBOUND
    config_model: ClassVar[type[BaseModel]] = MemoryConfig

    def health(self, config: BaseModel) -> HealthStatus:
        return HealthStatus(HealthState.OK, "memory is always there")

    def deliver(self, message: OutboundMessage, context: DeliveryContext) -> DeliveryReceipt:
        cfg = MemoryConfig.model_validate(context.config, from_attributes=True)
        MAILBOXES.setdefault(cfg.mailbox, {})[message.id] = message.body
        return DeliveryReceipt(delivered_at=context.now.astimezone(UTC), detail=cfg.mailbox)
