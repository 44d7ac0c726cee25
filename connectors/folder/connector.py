"""The ``folder`` connector: a directory as an inbound drop box and an outbound mailbox."""

from __future__ import annotations

import os
from datetime import UTC
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.folder.inbound import poll_folder
from connectors.folder.layout import FolderLayout, safe_file_stem, write_atomically
from connectors.spi import (
    ConnectorKind,
    DeliveryContext,
    DeliveryReceipt,
    HealthState,
    HealthStatus,
    Intake,
    OutboundMessage,
    PollReport,
    TransientDeliveryError,
)

EXTENSIONS = {"application/json": ".json", "application/xml": ".xml"}


class FolderConfig(BaseModel):
    """A directory the hub reads drops from (``incoming/``) and writes deliveries to."""

    model_config = ConfigDict(extra="forbid")

    path: Path = Field(json_schema_extra={"operator_only": True})
    max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_files_per_poll: int = Field(default=100, gt=0, le=10_000)
    stale_claim_seconds: float = Field(default=600.0, gt=0)

    @field_validator("path")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        if not value.is_absolute():
            raise ValueError("folder path must be absolute")
        return value


class FolderConnector:
    """Moves files in and out of a directory without ever exposing a half-written file."""

    name: ClassVar[str] = "folder"
    kind: ClassVar[ConnectorKind] = ConnectorKind.BOTH
    config_model: ClassVar[type[BaseModel]] = FolderConfig

    def health(self, config: BaseModel) -> HealthStatus:
        """Healthy when the root exists and the hub may write to it."""
        cfg = FolderConfig.model_validate(config, from_attributes=True)
        if not cfg.path.is_dir():
            return HealthStatus(HealthState.DOWN, f"{cfg.path} is not a directory")
        if not os.access(cfg.path, os.W_OK | os.X_OK):
            return HealthStatus(HealthState.DOWN, f"{cfg.path} is not writable")
        return HealthStatus(HealthState.OK, "directory is writable")

    def deliver(self, message: OutboundMessage, context: DeliveryContext) -> DeliveryReceipt:
        """Write ``outgoing/<idempotency key>.<ext>``: a redelivery replaces, never duplicates."""
        cfg = FolderConfig.model_validate(context.config, from_attributes=True)
        layout = FolderLayout(cfg.path)
        extension = EXTENSIONS.get(message.content_type.split(";")[0].strip(), ".bin")
        target = layout.outgoing / f"{safe_file_stem(message.id)}{extension}"
        try:
            layout.outgoing.mkdir(parents=True, exist_ok=True)
            write_atomically(target, message.body)
        except OSError as exc:
            raise TransientDeliveryError(f"cannot write {target}: {exc}") from exc
        return DeliveryReceipt(delivered_at=context.now.astimezone(UTC), detail=str(target))

    def poll(self, config: BaseModel, intake: Intake) -> PollReport:
        """Process what writers have dropped into ``incoming/`` since the last poll."""
        cfg = FolderConfig.model_validate(config, from_attributes=True)
        return poll_folder(
            FolderLayout(cfg.path),
            intake,
            source=f"folder:{cfg.path}",
            max_bytes=cfg.max_bytes,
            max_files=cfg.max_files_per_poll,
            stale_claim_seconds=cfg.stale_claim_seconds,
        )
