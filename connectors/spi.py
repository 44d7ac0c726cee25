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


class InstanceState(Protocol):
    """Durable, per-instance storage the host keeps for a stateful connector.

    Values are encrypted at rest by the host and every write commits on its own, so what
    a connector records (a refreshed token, a remote id it just created) survives the
    attempt that wrote it being rolled back or its worker being killed. Keys are short
    plain strings chosen by the connector; values never show in logs or API answers.
    """

    def get(self, key: str) -> str | None:
        """The value stored under ``key``, or None."""
        ...

    def put(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``, replacing any earlier value."""
        ...

    def delete(self, key: str) -> None:
        """Forget ``key`` (value and claim); nothing happens when it is absent."""
        ...

    def claim(self, key: str, *, lease_seconds: float) -> bool:
        """Take ``key`` for work that must happen once across restarts and replicas.

        True when this caller now holds it: never claimed, or claimed by someone whose
        lease ran out without completing. False while another holder's lease runs or
        once the work was completed.
        """
        ...

    def complete(self, key: str) -> None:
        """Mark the claimed work done: ``claim`` answers False for it from now on."""
        ...

    def release(self, key: str) -> None:
        """Give a claim back undone, so the next ``claim`` takes it at once."""
        ...


@dataclass(frozen=True)
class DeliveryContext:
    """Everything a delivery attempt needs besides the message itself.

    ``state`` is given to connectors that declare ``stateful = True``.
    """

    instance_id: str
    config: BaseModel
    attempt: int
    now: datetime
    state: InstanceState | None = None


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


@runtime_checkable
class StatefulConnector(Connector, Protocol):
    """A connector that keeps durable per-instance state (tokens, cursors, claims).

    The host passes the instance's ``InstanceState`` as the keyword ``state`` to
    ``health`` and ``poll``, and in ``DeliveryContext.state`` to ``deliver``.
    """

    stateful: ClassVar[bool]


class AuthorizationFailedError(Exception):
    """Completing a grant failed; ``retryable`` when the provider was unavailable."""

    def __init__(self, detail: str, *, retryable: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retryable = retryable


@runtime_checkable
class AuthorizingConnector(Connector, Protocol):
    """A connector that a remote account grants access to by OAuth 2.0 authorisation code.

    The host owns the routes: it starts the flow for the instance's manager, receives the
    browser's callback at its own redirect URI, checks the single-use ``state`` it minted,
    and only then hands the code to the connector.
    """

    def authorization_url(self, config: BaseModel, *, state: str, redirect_uri: str) -> str:
        """Where to send the person who grants access."""
        ...

    def complete_authorization(
        self, config: BaseModel, instance_state: InstanceState, *, code: str, redirect_uri: str
    ) -> str:
        """Exchange the code and keep the tokens in ``instance_state``; returns a summary.

        Raises ``AuthorizationFailedError`` when the provider refuses or cannot answer.
        """
        ...

    def revoke_authorization(self, config: BaseModel, instance_state: InstanceState) -> str:
        """Revoke the grant remotely and forget the tokens; returns a summary."""
        ...


@dataclass(frozen=True)
class InboundRequest:
    """An HTTP request a remote system sent to the instance's event endpoint on the hub."""

    headers: Mapping[str, str]
    body: bytes
    received_at: datetime


@dataclass(frozen=True)
class InboundResponse:
    """What the hub answers: 2xx when handled, 4xx refused for good, 5xx try again later."""

    status: int
    detail: str
    retry_after: float | None = None


@runtime_checkable
class EventReceivingConnector(Connector, Protocol):
    """A connector told of new items by the remote system calling the hub (a webhook).

    The host routes ``POST /v1/connectors/instances/{id}/events`` here without any hub
    authentication: the connector must check the caller (a signature or shared secret)
    before it acts, and answer 401 when the check fails.
    """

    def receive(
        self,
        config: BaseModel,
        request: InboundRequest,
        intake: Intake,
        instance_state: InstanceState,
    ) -> InboundResponse:
        """Check and act on one event request."""
        ...


def is_stateful(connector: Connector) -> bool:
    """True when the connector asked for durable per-instance state."""
    return getattr(connector, "stateful", False) is True
