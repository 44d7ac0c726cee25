"""The connector service-provider interface that built-in and third-party connectors implement."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel


class ConnectorKind(StrEnum):
    """Which directions a connector moves data in."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"
    BOTH = "both"

    @property
    def sends(self) -> bool:
        """True when the connector can deliver messages out of the hub."""
        return self in (ConnectorKind.OUTBOUND, ConnectorKind.BOTH)

    @property
    def receives(self) -> bool:
        """True when the connector can bring documents into the hub."""
        return self in (ConnectorKind.INBOUND, ConnectorKind.BOTH)


@dataclass(frozen=True)
class OutboundMessage:
    """One notification to deliver; ``id`` is the stable idempotency key receivers dedupe on."""

    id: str
    event_type: str
    body: bytes
    occurred_at: datetime
    content_type: str = "application/json"


@dataclass(frozen=True)
class DeliveryContext:
    """Everything a delivery attempt needs besides the message itself."""

    instance_id: str
    config: BaseModel
    attempt: int
    now: datetime


@dataclass(frozen=True)
class DeliveryReceipt:
    """Proof of a successful delivery, kept on the delivery record."""

    delivered_at: datetime
    detail: str
    status_code: int | None = None


class HealthState(StrEnum):
    """Coarse health of a connector instance."""

    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass(frozen=True)
class HealthStatus:
    """Result of a connector health check, safe to show to the instance's owner."""

    state: HealthState
    detail: str = ""


class DeliveryError(Exception):
    """A delivery attempt failed; subclasses say whether and when to try again."""

    def __init__(self, detail: str, *, status_code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status_code = status_code


class TransientDeliveryError(DeliveryError):
    """Worth retrying; ``retry_after`` (seconds) is the receiver's own request, if any."""

    def __init__(
        self, detail: str, *, status_code: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(detail, status_code=status_code)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (bad configuration, refused target): the delivery goes dead."""


class EndpointGoneError(PermanentDeliveryError):
    """The receiver asked never to be called again (HTTP 410): the instance is disabled."""


@dataclass(frozen=True)
class InboundItem:
    """Raw bytes an inbound connector picked up, with what it knows about them."""

    content: bytes
    filename: str
    media_type: str
    source: str
    idempotency_key: str
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IntakeResult:
    """The host's verdict on an inbound item: accepted (with a reference) or a problem."""

    accepted: bool
    reference: str | None = None
    problem: Mapping[str, Any] | None = None


class IntakeUnavailableError(Exception):
    """Raised by the host's intake when it cannot decide now; the item is retried later."""


Intake = Callable[[InboundItem], IntakeResult]
"""The host's intake pipeline, passed in so connectors never import the application."""


@dataclass(frozen=True)
class PollReport:
    """What one inbound poll did, for logs and metrics."""

    accepted: int = 0
    rejected: int = 0
    deferred: int = 0


@runtime_checkable
class Connector(Protocol):
    """What every connector declares."""

    name: ClassVar[str]
    kind: ClassVar[ConnectorKind]
    config_model: ClassVar[type[BaseModel]]

    def health(self, config: BaseModel) -> HealthStatus:
        """Check that an instance with this configuration can work right now."""
        ...


@runtime_checkable
class OutboundConnector(Connector, Protocol):
    """A connector that delivers messages to a consumer."""

    def deliver(self, message: OutboundMessage, context: DeliveryContext) -> DeliveryReceipt:
        """Deliver once; raise a ``DeliveryError`` subclass on failure."""
        ...


@runtime_checkable
class InboundConnector(Connector, Protocol):
    """A connector that brings documents in through the host's intake pipeline."""

    def poll(self, config: BaseModel, intake: Intake) -> PollReport:
        """Pick up whatever is waiting and hand each item to ``intake``."""
        ...
