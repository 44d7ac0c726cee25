"""The ``webhook`` connector: signed HTTP POST deliveries with SSRF protection."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, field_validator

from connectors.retry import parse_retry_after
from connectors.spi import (
    ConnectorKind,
    DeliveryContext,
    DeliveryReceipt,
    EndpointGoneError,
    HealthState,
    HealthStatus,
    OutboundMessage,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from connectors.webhook.signing import decode_secret, generate_secret, signature_header
from connectors.webhook.ssrf import PinnedTarget, Resolver, TargetRefusedError, pin_target
from connectors.webhook.ssrf import system_resolver as default_resolver

USER_AGENT = "Tradegate-Webhooks/1"
RETRY_AFTER_STATUSES = frozenset({429, 503})
ERROR_SNIPPET_BYTES = 300


class WebhookConfig(BaseModel):
    """One consumer endpoint: where to POST, which secrets sign, what may be internal."""

    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    secrets: list[SecretStr] = Field(
        default_factory=lambda: [SecretStr(generate_secret())],
        min_length=1,
        max_length=2,
        description="One whsec_ secret, or two while rotating (new first); generated if absent.",
    )
    timeout_seconds: float = Field(default=15.0, gt=0, le=60)
    allow_internal: list[str] = Field(
        default_factory=list,
        description="Exact host names or CIDRs that may resolve to internal addresses.",
        json_schema_extra={"operator_only": True},
    )

    @field_validator("secrets")
    @classmethod
    def _secrets_are_whsec(cls, value: list[SecretStr]) -> list[SecretStr]:
        for secret in value:
            if not secret.get_secret_value().startswith("whsec_"):
                raise ValueError("webhook secrets are 'whsec_' + base64")
            decode_secret(secret.get_secret_value())
        return value


class WebhookConnector:
    """Delivers notifications as Standard Webhooks; only a 2xx answer counts as delivered."""

    name: ClassVar[str] = "webhook"
    kind: ClassVar[ConnectorKind] = ConnectorKind.OUTBOUND
    config_model: ClassVar[type[BaseModel]] = WebhookConfig

    def __init__(
        self,
        *,
        resolver: Resolver = default_resolver,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._resolver = resolver
        self._transport = transport
        self._clients: dict[tuple[str, str, str, int], httpx.Client] = {}
        self._lock = threading.Lock()

    def health(self, config: BaseModel) -> HealthStatus:
        """An endpoint is healthy when its URL resolves to an acceptable address."""
        cfg = WebhookConfig.model_validate(config, from_attributes=True)
        try:
            pin_target(str(cfg.url), cfg.allow_internal, self._resolver)
        except TargetRefusedError as exc:
            return HealthStatus(HealthState.DOWN, str(exc))
        return HealthStatus(HealthState.OK, "target resolves to an acceptable address")

    def deliver(self, message: OutboundMessage, context: DeliveryContext) -> DeliveryReceipt:
        """POST the signed message once and classify the answer for the retry policy."""
        cfg = WebhookConfig.model_validate(context.config, from_attributes=True)
        try:
            target = pin_target(str(cfg.url), cfg.allow_internal, self._resolver)
        except TargetRefusedError as exc:
            raise PermanentDeliveryError(f"target refused: {exc}") from exc
        timestamp = int(context.now.timestamp())
        headers = {
            "content-type": message.content_type,
            "user-agent": USER_AGENT,
            "host": target.host_header,
            "webhook-id": message.id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature_header(
                [s.get_secret_value() for s in cfg.secrets], message.id, timestamp, message.body
            ),
        }
        client = self._client(target)
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        request = client.build_request(
            "POST",
            target.url,
            content=message.body,
            headers=headers,
            timeout=cfg.timeout_seconds,
            extensions=extensions,
        )
        try:
            response = client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise TransientDeliveryError(f"timed out after {cfg.timeout_seconds} s") from exc
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(f"transport error: {exc}") from exc
        try:
            snippet = _read_snippet(response)
        finally:
            response.close()
        return _classify(response, snippet, context.now)

    def _client(self, target: PinnedTarget) -> httpx.Client:
        """A pooled client per (scheme, host, address, port).

        Keying on the host as well as the address keeps a TLS connection verified for one
        host name from being reused for another that happens to share the address.
        """
        key = (target.scheme, target.host, str(target.address), target.port)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = httpx.Client(
                    transport=self._transport, trust_env=False, follow_redirects=False
                )
                self._clients[key] = client
            return client


def _read_snippet(response: httpx.Response) -> str:
    """The start of the body, for the delivery record's last error; never the whole body."""
    collected = b""
    try:
        for chunk in response.iter_bytes():
            collected += chunk
            if len(collected) >= ERROR_SNIPPET_BYTES:
                break
    except httpx.HTTPError:
        return ""
    return collected[:ERROR_SNIPPET_BYTES].decode("utf-8", errors="replace")


def _classify(response: httpx.Response, snippet: str, now: datetime) -> DeliveryReceipt:
    status = response.status_code
    if 200 <= status < 300:
        return DeliveryReceipt(
            delivered_at=now.astimezone(UTC), detail=f"HTTP {status}", status_code=status
        )
    detail = f"HTTP {status}" + (f": {snippet}" if snippet else "")
    if status == 410:
        raise EndpointGoneError(detail, status_code=status)
    retry_after = None
    if status in RETRY_AFTER_STATUSES:
        retry_after = parse_retry_after(response.headers.get("retry-after"), now)
    raise TransientDeliveryError(detail, status_code=status, retry_after=retry_after)
