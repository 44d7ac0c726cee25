"""Installed connectors, a participant's connector instances and their routing rules."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from starlette.concurrency import run_in_threadpool

from app.api.deps import ContainerDep, CurrentPrincipal, UowDep, require_scopes
from app.api.schemas.delivery import (
    AuthorizationDone,
    AuthorizationStart,
    ConnectorRead,
    EventAccepted,
    HealthRead,
    InstanceCreate,
    InstanceRead,
    InstanceUpdate,
    SubscriptionCreate,
    SubscriptionRead,
)
from app.security.principal import Principal
from app.services.delivery import connector_access as access
from app.services.delivery import connector_instances as svc
from app.storage.base import utcnow
from connectors.registry import default_registry
from connectors.spi import InboundRequest

router = APIRouter(prefix="/v1/connectors", tags=["connectors"])
Manager = Annotated[Principal, Depends(require_scopes("connectors:manage"))]


@router.get("", response_model=list[ConnectorRead], summary="Connectors installed in this hub")
def list_connectors(principal: CurrentPrincipal) -> list[ConnectorRead]:
    return [
        ConnectorRead(
            name=c.name, kind=c.kind.value, config_schema=c.config_model.model_json_schema()
        )
        for c in default_registry()
    ]


@router.post("/instances", response_model=InstanceRead, status_code=status.HTTP_201_CREATED)
def create_instance(body: InstanceCreate, principal: Manager, uow: UowDep) -> InstanceRead:
    """Configure a connector; the response is the only one that shows secrets in clear."""
    instance, parsed = svc.create_instance(
        uow.session,
        principal,
        connector=body.connector,
        name=body.name,
        config=body.config,
        poll_inbound=body.poll_inbound,
        participant_id=body.participant_id,
    )
    uow.commit()
    return InstanceRead.of(instance, svc.stored_config(parsed))


@router.get("/instances", response_model=list[InstanceRead])
def list_instances(principal: Manager, uow: UowDep) -> list[InstanceRead]:
    return [
        InstanceRead.of(i, svc.redacted_config(i))
        for i in svc.list_instances(uow.session, principal)
    ]


@router.get("/instances/{instance_id}", response_model=InstanceRead)
def get_instance(instance_id: uuid.UUID, principal: Manager, uow: UowDep) -> InstanceRead:
    instance = svc.get_instance(uow.session, principal, instance_id)
    return InstanceRead.of(instance, svc.redacted_config(instance))


@router.patch("/instances/{instance_id}", response_model=InstanceRead)
def update_instance(
    instance_id: uuid.UUID, body: InstanceUpdate, principal: Manager, uow: UowDep
) -> InstanceRead:
    """Replace the config (secrets shown once in the answer) or enable/disable the instance."""
    instance, parsed = svc.update_instance(
        uow.session, principal, instance_id, config=body.config, enabled=body.enabled
    )
    uow.commit()
    shown = svc.stored_config(parsed) if parsed is not None else svc.redacted_config(instance)
    return InstanceRead.of(instance, shown)


@router.delete("/instances/{instance_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_instance(instance_id: uuid.UUID, principal: Manager, uow: UowDep) -> None:
    svc.delete_instance(uow.session, principal, instance_id)
    uow.commit()


@router.get("/instances/{instance_id}/health", response_model=HealthRead)
def instance_health(
    instance_id: uuid.UUID, principal: Manager, container: ContainerDep
) -> HealthRead:
    health = access.instance_health(container, principal, instance_id)
    return HealthRead(state=health.state.value, detail=health.detail)


@router.post("/instances/{instance_id}/authorization", response_model=AuthorizationStart)
def start_authorization(
    instance_id: uuid.UUID, principal: Manager, container: ContainerDep
) -> AuthorizationStart:
    """Start an OAuth grant: send the remote account's owner to ``authorization_url``."""
    url = access.start_authorization(container, principal, instance_id)
    return AuthorizationStart(authorization_url=url, redirect_uri=access.redirect_uri(container))


@router.get("/authorization/callback", response_model=AuthorizationDone)
def authorization_callback(
    container: ContainerDep,
    state: str,
    code: str | None = None,
    error: str | None = None,
) -> AuthorizationDone:
    """Where the provider sends the browser back; the single-use state authenticates it."""
    instance, detail = access.complete_authorization(container, state=state, code=code, error=error)
    return AuthorizationDone(instance_id=instance.id, detail=detail)


@router.delete("/instances/{instance_id}/authorization", response_model=AuthorizationDone)
def revoke_authorization(
    instance_id: uuid.UUID, principal: Manager, container: ContainerDep
) -> AuthorizationDone:
    """Revoke the grant at the provider and forget the tokens."""
    detail = access.revoke_authorization(container, principal, instance_id)
    return AuthorizationDone(instance_id=instance_id, detail=detail)


@router.post("/instances/{instance_id}/events", response_model=EventAccepted)
async def receive_event(
    instance_id: uuid.UUID, request: Request, container: ContainerDep
) -> EventAccepted:
    """A remote system's push (a webhook); the instance's connector checks the sender."""
    inbound = InboundRequest(
        headers=dict(request.headers), body=await request.body(), received_at=utcnow()
    )
    answer = await run_in_threadpool(access.receive_event, container, instance_id, inbound)
    return EventAccepted(status=answer.status, detail=answer.detail)


@router.post(
    "/instances/{instance_id}/subscriptions",
    response_model=SubscriptionRead,
    status_code=status.HTTP_201_CREATED,
)
def subscribe(
    instance_id: uuid.UUID, body: SubscriptionCreate, principal: Manager, uow: UowDep
) -> SubscriptionRead:
    """Add a routing rule sending matching notifications to this instance."""
    subscription = svc.subscribe(
        uow.session,
        principal,
        instance_id,
        topics=body.topics,
        document_types=body.document_types,
        owner_ids=body.owner_ids,
        include_content=body.include_content,
    )
    uow.commit()
    return SubscriptionRead.of(subscription)


@router.get("/subscriptions", response_model=list[SubscriptionRead])
def list_subscriptions(principal: Manager, uow: UowDep) -> list[SubscriptionRead]:
    return [SubscriptionRead.of(s) for s in svc.list_subscriptions(uow.session, principal)]


@router.delete("/subscriptions/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
def unsubscribe(subscription_id: uuid.UUID, principal: Manager, uow: UowDep) -> None:
    svc.unsubscribe(uow.session, principal, subscription_id)
    uow.commit()
