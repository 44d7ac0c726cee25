"""What the hub does for connectors that hold state: OAuth grants, pushed events, health."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from app.errors import BadRequest, NotFound, ProblemError, ServiceUnavailable, Unprocessable
from app.security.principal import Principal
from app.services.common.connector_state import instance_state
from app.services.common.context import ServiceContext
from app.services.common.events import record_event
from app.services.delivery.connector_instances import connector_for, get_instance
from app.services.documents.inbound import connector_principal, document_intake
from app.storage.base import utcnow
from app.storage.models import ConnectorInstance
from connectors.registry import UnknownConnectorError, default_registry
from connectors.spi import (
    AuthorizationFailedError,
    AuthorizingConnector,
    Connector,
    EventReceivingConnector,
    HealthStatus,
    InboundRequest,
    InboundResponse,
    is_stateful,
)

CALLBACK_PATH = "/v1/connectors/authorization/callback"
PENDING_KEY = "hub.authorization"
AUTHORIZATION_TTL = timedelta(minutes=15)


@dataclass(frozen=True)
class Loaded:
    """An instance read in a transaction already closed, with its connector and config."""

    instance: ConnectorInstance
    connector: Connector
    config: BaseModel


def _load(instance: ConnectorInstance) -> Loaded:
    connector = connector_for(instance.connector)
    return Loaded(instance, connector, connector.config_model.model_validate(instance.config))


def _owned(ctx: ServiceContext, principal: Principal, instance_id: uuid.UUID) -> Loaded:
    """The caller's instance, read in a transaction that is closed before any remote call.

    A connector may write its state while it works; on SQLite an open read transaction
    here would hold the write lock those writes wait for.
    """
    with ctx.uow() as uow:
        instance = get_instance(uow.session, principal, instance_id)
    return _load(instance)


def _record(ctx: ServiceContext, instance: ConnectorInstance, kind: str, actor: str) -> None:
    with ctx.uow() as uow:
        record_event(
            uow.session,
            kind=kind,
            actor=actor,
            subject=f"connector-instance:{instance.id}",
            payload={"connector": instance.connector, "name": instance.name},
            participant_ids=[instance.participant_id],
        )
        uow.commit()


def redirect_uri(ctx: ServiceContext) -> str:
    """The one callback address the hub registers with every OAuth provider."""
    return ctx.settings.issuer.rstrip("/") + CALLBACK_PATH


def instance_health(
    ctx: ServiceContext, principal: Principal, instance_id: uuid.UUID
) -> HealthStatus:
    """Run the connector's own check; a stateful one gets its state (its tokens)."""
    loaded = _owned(ctx, principal, instance_id)
    if is_stateful(loaded.connector):
        state = instance_state(ctx, loaded.instance.id)
        return loaded.connector.health(loaded.config, state=state)  # type: ignore[call-arg]
    return loaded.connector.health(loaded.config)


def _authorizing(loaded: Loaded) -> AuthorizingConnector:
    if not isinstance(loaded.connector, AuthorizingConnector):
        raise Unprocessable(
            f"{loaded.instance.connector} is not authorised by OAuth", slug="not-authorizing"
        )
    return loaded.connector


def authorizing(instances: Iterable[ConnectorInstance]) -> set[uuid.UUID]:
    """The instances whose installed connector takes an OAuth grant."""
    registry = default_registry()
    found = set()
    for instance in instances:
        try:
            if isinstance(registry.get(instance.connector), AuthorizingConnector):
                found.add(instance.id)
        except UnknownConnectorError:
            continue
    return found


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def start_authorization(ctx: ServiceContext, principal: Principal, instance_id: uuid.UUID) -> str:
    """Mint a single-use ``state`` for the instance and return the provider's consent URL."""
    loaded = _owned(ctx, principal, instance_id)
    connector = _authorizing(loaded)
    secret = secrets.token_urlsafe(32)
    expires = utcnow() + AUTHORIZATION_TTL
    pending = {"digest": _digest(secret), "expires": expires.isoformat(), "by": principal.actor}
    instance_state(ctx, loaded.instance.id).put(PENDING_KEY, json.dumps(pending))
    state = f"{loaded.instance.id}.{secret}"
    return connector.authorization_url(loaded.config, state=state, redirect_uri=redirect_uri(ctx))


def _pending(raw: str | None) -> dict[str, Any]:
    if raw is None:
        raise BadRequest("no authorisation is waiting for this state", slug="authorization-state")
    data: dict[str, Any] = json.loads(raw)
    return data


def complete_authorization(
    ctx: ServiceContext, *, state: str, code: str | None, error: str | None
) -> tuple[ConnectorInstance, str]:
    """Check the callback's ``state`` (single use, unexpired) and let the connector finish."""
    instance_part, _, secret = state.partition(".")
    try:
        instance_id = uuid.UUID(instance_part)
    except ValueError:
        raise BadRequest("the state is malformed", slug="authorization-state") from None
    with ctx.uow() as uow:
        instance = uow.session.get(ConnectorInstance, instance_id)
    if instance is None:
        raise BadRequest("the state is unknown", slug="authorization-state")
    store = instance_state(ctx, instance.id)
    pending = _pending(store.get(PENDING_KEY))
    if not hmac.compare_digest(pending["digest"], _digest(secret)):
        raise BadRequest("the state is unknown", slug="authorization-state")
    if datetime.fromisoformat(pending["expires"]) < utcnow():
        raise BadRequest("the authorisation request expired", slug="authorization-state")
    if not store.claim(f"{PENDING_KEY}.{pending['digest']}", lease_seconds=3600):
        raise BadRequest("the state was already used", slug="authorization-state")
    store.delete(PENDING_KEY)
    if error is not None or not code:
        raise BadRequest(
            f"the account owner did not grant access ({error or 'no code'})",
            slug="authorization-denied",
        )
    loaded = _load(instance)
    try:
        detail = _authorizing(loaded).complete_authorization(
            loaded.config, store, code=code, redirect_uri=redirect_uri(ctx)
        )
    except AuthorizationFailedError as exc:
        if exc.retryable:
            raise ServiceUnavailable(exc.detail, slug="authorization-unavailable") from exc
        raise BadRequest(exc.detail, slug="authorization-refused") from exc
    _record(ctx, instance, "connector.authorized", str(pending.get("by", "system")))
    return instance, detail


def revoke_authorization(ctx: ServiceContext, principal: Principal, instance_id: uuid.UUID) -> str:
    """Revoke the instance's grant at the provider and forget its tokens."""
    loaded = _owned(ctx, principal, instance_id)
    detail = _authorizing(loaded).revoke_authorization(
        loaded.config, instance_state(ctx, loaded.instance.id)
    )
    _record(ctx, loaded.instance, "connector.authorization_revoked", principal.actor)
    return detail


class EventRefused(ProblemError):
    """The connector refused a pushed event; its status says whether to try again."""

    slug, title = "connector-event-refused", "Event refused"

    def __init__(self, response: InboundResponse) -> None:
        headers = {}
        if response.retry_after is not None:
            headers["retry-after"] = str(max(1, int(response.retry_after)))
        super().__init__(response.detail, headers=headers)
        self.status = response.status


def receive_event(
    ctx: ServiceContext, instance_id: uuid.UUID, request: InboundRequest
) -> InboundResponse:
    """Hand a pushed event to the instance's connector, which checks who sent it."""
    with ctx.uow() as uow:
        instance = uow.session.get(ConnectorInstance, instance_id)
    if instance is None or not instance.enabled:
        raise NotFound("connector instance not found")
    try:
        loaded = _load(instance)
    except Unprocessable:
        raise NotFound("connector instance not found") from None
    connector = loaded.connector
    if not isinstance(connector, EventReceivingConnector):
        raise NotFound("this connector instance receives no events")
    intake = document_intake(ctx, connector_principal(ctx, instance))
    response = connector.receive(loaded.config, request, intake, instance_state(ctx, instance.id))
    if response.status >= 400:
        raise EventRefused(response)
    return response
