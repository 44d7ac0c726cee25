"""The ``pint`` connector: one envelope transfer (start, documents, finish) to a peer platform.

The message body is the envelope and its additional documents, built and signed by the hub.
The connector speaks the wire protocol only: a signed answer (a JSON string holding a JWS) is
handed back untouched for the hub to verify against the peer's registered key; an unsigned
answer is never taken as a verdict and is retried.
"""

from __future__ import annotations

import base64
import json
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from connectors.retry import parse_retry_after
from connectors.spi import (
    ConnectorKind,
    DeliveryContext,
    DeliveryReceipt,
    HealthState,
    HealthStatus,
    OutboundMessage,
    PermanentDeliveryError,
    TransientDeliveryError,
)

USER_AGENT = "Tradegate-PINT/3.0.0"
#: Statuses whose body is a signed ``EnvelopeTransferFinishedResponse``.
SIGNED_STATUSES = frozenset({200, 409, 422})


class PintPeerConfig(BaseModel):
    """A receiving platform: where its PINT API is and which DCSA platform code it has."""

    model_config = ConfigDict(extra="forbid")

    base_url: HttpUrl = Field(
        description="Base of the peer's PINT API, ending before /v3",
        json_schema_extra={"operator_only": True},
    )
    platform_code: str = Field(pattern=r"^\S{1,4}$")
    timeout_seconds: float = Field(default=30.0, gt=0, le=120)


class SignedAnswer(PermanentDeliveryError):
    """The peer answered with a signed response that is not an acceptance (to be verified)."""

    def __init__(self, token: str, status_code: int) -> None:
        super().__init__(token, status_code=status_code)
        self.token = token


def _signed(response: httpx.Response) -> str | None:
    """The JWS of a signed answer, or ``None`` when the body is not one."""
    if response.status_code not in SIGNED_STATUSES:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, str) and body.count(".") == 2 else None


def _claims(token: str) -> dict[str, Any]:
    """The payload of a signed answer, read only to route it; the hub verifies it."""
    padded = token.split(".")[1] + "=" * (-len(token.split(".")[1]) % 4)
    try:
        value = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class PintConnector:
    """Transfers one envelope per message; ``RECE``/``DUPE`` deliver, other signed codes stop."""

    name: ClassVar[str] = "pint"
    kind: ClassVar[ConnectorKind] = ConnectorKind.OUTBOUND
    config_model: ClassVar[type[BaseModel]] = PintPeerConfig

    def __init__(self, *, transport: httpx.BaseTransport | None = None) -> None:
        self._transport = transport

    def health(self, config: BaseModel) -> HealthStatus:
        assert isinstance(config, PintPeerConfig)
        return HealthStatus(HealthState.OK, f"platform {config.platform_code}")

    def _client(self, config: PintPeerConfig) -> httpx.Client:
        return httpx.Client(
            base_url=str(config.base_url).rstrip("/"),
            timeout=config.timeout_seconds,
            transport=self._transport,
            headers={"User-Agent": USER_AGENT, "API-Version": "3.0.0"},
            follow_redirects=False,
        )

    def deliver(self, message: OutboundMessage, context: DeliveryContext) -> DeliveryReceipt:
        config = context.config
        assert isinstance(config, PintPeerConfig)
        body = json.loads(message.body)
        envelope, documents = body["envelope"], body.get("documents", {})
        try:
            with self._client(config) as client:
                started = client.post("/v3/envelopes", json=envelope)
                if started.status_code == 201:
                    reference = started.json()["envelopeReference"]
                    for checksum in started.json().get("missingAdditionalDocumentChecksums", []):
                        self._upload(client, reference, checksum, documents)
                    finished = client.put(f"/v3/envelopes/{reference}/finish-transfer")
                    return self._verdict(finished, context)
                return self._verdict(started, context)
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(f"PINT peer unreachable: {type(exc).__name__}") from exc

    def _upload(
        self, client: httpx.Client, reference: str, checksum: str, documents: dict[str, str]
    ) -> None:
        if checksum not in documents:
            raise PermanentDeliveryError(f"the peer asks for an unknown document {checksum}")
        answer = client.put(
            f"/v3/envelopes/{reference}/additional-documents/{checksum}",
            json=documents[checksum],
        )
        if answer.status_code != 204:
            self._verdict(answer, None)

    def _verdict(
        self, response: httpx.Response, context: DeliveryContext | None
    ) -> DeliveryReceipt:
        token = _signed(response)
        if token is None:
            retry_after = (
                parse_retry_after(response.headers.get("retry-after"), context.now)
                if context
                else None
            )
            raise TransientDeliveryError(
                f"unsigned answer HTTP {response.status_code}",
                status_code=response.status_code,
                retry_after=retry_after,
            )
        code = _claims(token).get("responseCode")
        if code in ("RECE", "DUPE") and context is not None:
            return DeliveryReceipt(context.now, token, response.status_code)
        if code in ("MDOC", "INCD"):
            # Documents went missing or arrived damaged: the whole transfer is tried again.
            raise TransientDeliveryError(f"peer answered {code}", status_code=response.status_code)
        raise SignedAnswer(token, response.status_code)
