"""The ``cargox`` connector: documents in and out of a company's CargoX inbox, under its grant."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr
from pydantic.config import JsonDict

from connectors.spi import (
    AuthorizationFailedError,
    ConnectorKind,
    DeliveryContext,
    DeliveryReceipt,
    HealthState,
    HealthStatus,
    InboundRequest,
    InboundResponse,
    InstanceState,
    Intake,
    OutboundMessage,
    PermanentDeliveryError,
    PollReport,
    TransientDeliveryError,
)
from tradegate_cargox import api
from tradegate_cargox.client import (
    AuthorizationLostError,
    CargoXClient,
    CargoXError,
    CargoXRefusedError,
    CargoXUnavailableError,
    ClientSettings,
)
from tradegate_cargox.inbound import (
    WebhookRefusedError,
    parse_event,
    poll_inbox,
    process_envelope,
    verify_signature,
)
from tradegate_cargox.outbound import NotSendableError, send_envelope

logger = logging.getLogger(__name__)

OPERATOR_ONLY: JsonDict = {"operator_only": True}
DEFERRED_RETRY_SECONDS = 30.0


class CargoXConfig(BaseModel):
    """One company's CargoX account as the hub uses it.

    The application's credentials and the API address are the hub operator's (the hub is
    the registered CargoX application); the inboxes are the company's.
    """

    model_config = ConfigDict(extra="forbid")

    api_base_url: HttpUrl = Field(
        default=HttpUrl(api.DEFAULT_BASE_URL), json_schema_extra=OPERATOR_ONLY
    )
    client_id: str = Field(min_length=1, max_length=200, json_schema_extra=OPERATOR_ONLY)
    client_secret: SecretStr = Field(json_schema_extra=OPERATOR_ONLY)
    scope: str = Field(default=api.DEFAULT_SCOPE, max_length=200)
    inbox_id: str = Field(min_length=1, max_length=100, description="The company's inbox.")
    recipient_inbox_id: str | None = Field(
        default=None,
        max_length=100,
        description="The contact's inbox that deliveries are sent to (`their_inbox_id`).",
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="The shared secret of the envelope_received rule, if any."
    )
    page_size: int = Field(default=50, ge=1, le=500)
    timeout_seconds: float = Field(default=30.0, gt=0, le=120)


def _config(config: BaseModel) -> CargoXConfig:
    return CargoXConfig.model_validate(config, from_attributes=True)


class CargoXConnector:
    """Sends deliveries as sealed envelopes and takes received envelopes into intake."""

    name: ClassVar[str] = "cargox"
    kind: ClassVar[ConnectorKind] = ConnectorKind.BOTH
    config_model: ClassVar[type[BaseModel]] = CargoXConfig
    stateful: ClassVar[bool] = True

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._transport = transport
        self._clock = clock

    def _client(self, cfg: CargoXConfig, state: InstanceState) -> CargoXClient:
        settings = ClientSettings(
            base_url=str(cfg.api_base_url),
            client_id=cfg.client_id,
            client_secret=cfg.client_secret.get_secret_value(),
            timeout_seconds=cfg.timeout_seconds,
        )
        return CargoXClient(settings, state, transport=self._transport, clock=self._clock)

    def health(self, config: BaseModel, *, state: InstanceState | None = None) -> HealthStatus:
        """Healthy when the grant works and the API answers; degraded without the recipient."""
        cfg = _config(config)
        if state is None:
            return HealthStatus(HealthState.DOWN, "the hub gave no state for the tokens")
        try:
            with self._client(cfg, state) as client:
                items, _more = api.page_items(client.json("GET", api.CONTACTS_PATH))
        except AuthorizationLostError as exc:
            return HealthStatus(HealthState.DOWN, f"not authorised: {exc.detail}")
        except CargoXError as exc:
            return HealthStatus(HealthState.DOWN, f"CargoX API unusable: {exc.detail}")
        inboxes = {str(c.get("their_inbox_id")) for c in items}
        if cfg.recipient_inbox_id and cfg.recipient_inbox_id not in inboxes:
            return HealthStatus(
                HealthState.DEGRADED,
                "authorised, but the recipient inbox is not among the company's contacts",
            )
        return HealthStatus(HealthState.OK, f"authorised; {len(items)} contact(s)")

    def deliver(self, message: OutboundMessage, context: DeliveryContext) -> DeliveryReceipt:
        """Send the document as one envelope to the recipient inbox; retries resume it."""
        cfg = _config(context.config)
        if context.state is None:
            raise PermanentDeliveryError("the hub gave no state for the tokens")
        if not cfg.recipient_inbox_id:
            raise PermanentDeliveryError("no recipient_inbox_id is configured")
        try:
            with self._client(cfg, context.state) as client:
                envelope = send_envelope(
                    client,
                    context.state,
                    message,
                    inbox_id=cfg.inbox_id,
                    recipient_inbox_id=cfg.recipient_inbox_id,
                )
        except CargoXUnavailableError as exc:
            raise TransientDeliveryError(
                exc.detail, status_code=exc.status_code, retry_after=exc.retry_after
            ) from exc
        except AuthorizationLostError as exc:
            raise PermanentDeliveryError(
                f"not authorised ({exc.detail}); authorise again, then replay",
                status_code=exc.status_code,
            ) from exc
        except CargoXRefusedError as exc:
            raise PermanentDeliveryError(exc.detail, status_code=exc.status_code) from exc
        except NotSendableError as exc:
            raise PermanentDeliveryError(str(exc)) from exc
        return DeliveryReceipt(
            delivered_at=context.now.astimezone(UTC),
            detail=f"CargoX envelope {envelope.id} sent",
        )

    def poll(
        self, config: BaseModel, intake: Intake, *, state: InstanceState | None = None
    ) -> PollReport:
        """Take received envelopes from the stored cursor on (when no rule webhook is set)."""
        cfg = _config(config)
        if state is None:
            return PollReport()
        try:
            with self._client(cfg, state) as client:
                return poll_inbox(client, state, intake, cfg.inbox_id, cfg.page_size)
        except CargoXError as exc:
            logger.warning("cargox poll of inbox %s failed: %s", cfg.inbox_id, exc.detail)
            return PollReport(deferred=1)

    def receive(
        self,
        config: BaseModel,
        request: InboundRequest,
        intake: Intake,
        instance_state: InstanceState,
    ) -> InboundResponse:
        """A rule's ``envelope_received`` call: check the signature, then take the envelope."""
        cfg = _config(config)
        if cfg.webhook_secret is None:
            return InboundResponse(404, "this instance has no webhook secret configured")
        try:
            verify_signature(
                cfg.webhook_secret.get_secret_value(),
                request.headers,
                request.body,
                request.received_at,
            )
            event, envelope_id = parse_event(request.body)
        except WebhookRefusedError as exc:
            return InboundResponse(401, f"webhook refused: {exc.reason}")
        if event != api.EVENT_ENVELOPE_RECEIVED:
            return InboundResponse(202, f"event {event!r} ignored")
        if envelope_id is None:
            return InboundResponse(400, "the event names no envelope")
        try:
            with self._client(cfg, instance_state) as client:
                outcome = process_envelope(
                    client, instance_state, intake, cfg.inbox_id, envelope_id
                )
        except CargoXUnavailableError as exc:
            return InboundResponse(503, exc.detail, retry_after=exc.retry_after)
        except AuthorizationLostError as exc:
            return InboundResponse(503, f"not authorised: {exc.detail}", DEFERRED_RETRY_SECONDS)
        except CargoXRefusedError as exc:
            return InboundResponse(422, exc.detail)
        if outcome.status == "deferred":
            return InboundResponse(503, outcome.detail, retry_after=DEFERRED_RETRY_SECONDS)
        return InboundResponse(200, f"{outcome.status}: {outcome.detail}")

    def authorization_url(self, config: BaseModel, *, state: str, redirect_uri: str) -> str:
        cfg = _config(config)
        return api.authorize_url(
            str(cfg.api_base_url),
            client_id=cfg.client_id,
            redirect_uri=redirect_uri,
            scope=cfg.scope,
            state=state,
        )

    def complete_authorization(
        self, config: BaseModel, instance_state: InstanceState, *, code: str, redirect_uri: str
    ) -> str:
        cfg = _config(config)
        try:
            with self._client(cfg, instance_state) as client:
                tokens = client.exchange_code(code, redirect_uri)
        except CargoXUnavailableError as exc:
            raise AuthorizationFailedError(exc.detail, retryable=True) from exc
        except CargoXError as exc:
            raise AuthorizationFailedError(exc.detail) from exc
        return f"authorised until {tokens.expires_at.isoformat()} (refreshed automatically)"

    def revoke_authorization(self, config: BaseModel, instance_state: InstanceState) -> str:
        cfg = _config(config)
        with self._client(cfg, instance_state) as client:
            try:
                return client.revoke()
            except CargoXError as exc:
                return f"tokens forgotten; CargoX did not confirm the revocation: {exc.detail}"
