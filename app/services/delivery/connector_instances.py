"""Configure connector instances and the routing rules (subscriptions) that feed them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.security.principal import Principal
from app.services.common.events import record_event
from app.services.delivery.routing import CONSENT_TOPICS, FINANCING_DUPLICATE_TOPIC, NOTICE_TOPIC
from app.storage.models import ConnectorInstance, Participant, Subscription
from app.storage.scoping import readable
from connectors.registry import ConnectorRegistry, UnknownConnectorError, default_registry
from connectors.spi import Connector

TOPICS = frozenset({"document.accepted", NOTICE_TOPIC, *CONSENT_TOPICS, FINANCING_DUPLICATE_TOPIC})


def _reveal(value: Any) -> Any:
    """JSON-compatible config with secrets in clear, for storage only (never for responses)."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {k: _reveal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_reveal(v) for v in value]
    return to_jsonable_python(value)


def connector_for(name: str, registry: ConnectorRegistry | None = None) -> Connector:
    """The installed connector `name`, or a 422 naming the installed ones."""
    registry = registry or default_registry()
    try:
        return registry.get(name)
    except UnknownConnectorError as exc:
        raise Unprocessable(str(exc), slug="unknown-connector", installed=registry.names()) from exc


def validate_config(connector: Connector, raw: dict[str, Any], principal: Principal) -> BaseModel:
    """Parse a configuration; fields marked ``operator_only`` are refused to non-admins.

    Such fields (an SSRF allow-list, a file-system path) would let a tenant reach inside
    the hub's own network or disk, so only the operator may set them.
    """
    try:
        config = connector.config_model.model_validate(raw)
    except ValidationError as exc:
        errors = [
            {"location": "/".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise Unprocessable(
            f"invalid {connector.name} configuration",
            slug="invalid-connector-config",
            errors=errors,
        ) from exc
    if not principal.is_admin:
        for name, field in type(config).model_fields.items():
            extra = field.json_schema_extra
            if isinstance(extra, dict) and extra.get("operator_only") and name in raw:
                raise Forbidden(
                    f"{name} may only be set by the hub operator", slug="operator-only-setting"
                )
    return config


def stored_config(config: BaseModel) -> dict[str, Any]:
    """What goes into the database: every value, secrets included."""
    return dict(_reveal(config.model_dump(mode="python")))


def redacted_config(instance: ConnectorInstance, registry: ConnectorRegistry | None = None) -> Any:
    """What a response may show: secrets masked by the config model itself."""
    try:
        connector = (registry or default_registry()).get(instance.connector)
        return connector.config_model.model_validate(instance.config).model_dump(mode="json")
    except (UnknownConnectorError, ValidationError):
        return {"unreadable": True}


def _target_participant(
    session: Session, principal: Principal, participant_id: uuid.UUID | None
) -> uuid.UUID:
    wanted = participant_id or principal.participant_id
    if wanted != principal.participant_id and not principal.is_admin:
        raise NotFound("participant not found")
    if session.get(Participant, wanted) is None:
        raise NotFound("participant not found")
    return wanted


def create_instance(
    session: Session,
    principal: Principal,
    *,
    connector: str,
    name: str,
    config: dict[str, Any],
    poll_inbound: bool = False,
    participant_id: uuid.UUID | None = None,
) -> tuple[ConnectorInstance, BaseModel]:
    """Register an instance; returns it with its parsed config (to show generated secrets once)."""
    owner = _target_participant(session, principal, participant_id)
    plugin = connector_for(connector)
    parsed = validate_config(plugin, config, principal)
    if poll_inbound and not plugin.kind.receives:
        raise Unprocessable(f"{connector} cannot receive documents", slug="not-inbound")
    exists = session.execute(
        sa.select(ConnectorInstance.id).where(
            ConnectorInstance.participant_id == owner, ConnectorInstance.name == name
        )
    ).first()
    if exists is not None:
        raise Conflict(f"an instance named {name!r} already exists", slug="instance-exists")
    instance = ConnectorInstance(
        participant_id=owner,
        connector=connector,
        name=name,
        config=stored_config(parsed),
        poll_inbound=poll_inbound,
    )
    session.add(instance)
    session.flush()
    record_event(
        session,
        kind="connector.instance_created",
        actor=principal.actor,
        subject=f"connector-instance:{instance.id}",
        payload={"connector": connector, "name": name, "participant_id": str(owner)},
        participant_ids=[owner],
    )
    return instance, parsed


def list_instances(session: Session, principal: Principal) -> list[ConnectorInstance]:
    stmt = readable(ConnectorInstance, principal).order_by(ConnectorInstance.created_at)
    return list(session.execute(stmt).scalars())


def get_instance(
    session: Session, principal: Principal, instance_id: uuid.UUID
) -> ConnectorInstance:
    """The caller's instance; another tenant's id is 404, never 403."""
    stmt = readable(ConnectorInstance, principal).where(ConnectorInstance.id == instance_id)
    instance = session.execute(stmt).scalar_one_or_none()
    if instance is None:
        raise NotFound("connector instance not found")
    return instance


def update_instance(
    session: Session,
    principal: Principal,
    instance_id: uuid.UUID,
    *,
    config: dict[str, Any] | None = None,
    enabled: bool | None = None,
) -> tuple[ConnectorInstance, BaseModel | None]:
    """Replace the config (e.g. rotate secrets) and/or enable or disable the instance."""
    instance = get_instance(session, principal, instance_id)
    parsed = None
    if config is not None:
        parsed = validate_config(connector_for(instance.connector), config, principal)
        instance.config = stored_config(parsed)
    if enabled is not None:
        instance.enabled = enabled
        instance.disabled_reason = None if enabled else f"disabled by {principal.actor}"
    record_event(
        session,
        kind="connector.instance_updated",
        actor=principal.actor,
        subject=f"connector-instance:{instance.id}",
        payload={"config_changed": config is not None, "enabled": instance.enabled},
        participant_ids=[instance.participant_id],
    )
    return instance, parsed


def delete_instance(session: Session, principal: Principal, instance_id: uuid.UUID) -> None:
    instance = get_instance(session, principal, instance_id)
    record_event(
        session,
        kind="connector.instance_deleted",
        actor=principal.actor,
        subject=f"connector-instance:{instance.id}",
        payload={"connector": instance.connector, "name": instance.name},
        participant_ids=[instance.participant_id],
    )
    session.delete(instance)


def _clean(values: Iterable[str], allowed: frozenset[str] | None, what: str) -> list[str]:
    cleaned = sorted({v.strip() for v in values if v.strip()})
    if allowed is not None and not set(cleaned) <= allowed:
        raise Unprocessable(
            f"unknown {what}: {sorted(set(cleaned) - allowed)}",
            slug="invalid-subscription",
            allowed=sorted(allowed),
        )
    return cleaned


def subscribe(
    session: Session,
    principal: Principal,
    instance_id: uuid.UUID,
    *,
    topics: Iterable[str] = (),
    document_types: Iterable[str] = (),
    owner_ids: Iterable[uuid.UUID] = (),
    include_content: bool = False,
) -> Subscription:
    """Route the instance owner's notifications matching the filters to the instance."""
    instance = get_instance(session, principal, instance_id)
    if not connector_for(instance.connector).kind.sends:
        raise Unprocessable(f"{instance.connector} cannot deliver messages", slug="not-outbound")
    subscription = Subscription(
        participant_id=instance.participant_id,
        instance_id=instance.id,
        topics=_clean(topics, TOPICS, "topics"),
        document_types=_clean(document_types, None, "document types"),
        owner_ids=sorted({str(o) for o in owner_ids}),
        include_content=include_content,
    )
    session.add(subscription)
    session.flush()
    return subscription


def list_subscriptions(session: Session, principal: Principal) -> list[Subscription]:
    stmt = readable(Subscription, principal).order_by(Subscription.created_at)
    return list(session.execute(stmt).scalars())


def unsubscribe(session: Session, principal: Principal, subscription_id: uuid.UUID) -> None:
    stmt = readable(Subscription, principal).where(Subscription.id == subscription_id)
    subscription = session.execute(stmt).scalar_one_or_none()
    if subscription is None:
        raise NotFound("subscription not found")
    session.delete(subscription)
