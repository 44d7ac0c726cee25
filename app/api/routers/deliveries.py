"""Delivery records: list them, inspect failures, replay dead letters."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.api.deps import UowDep, require_scopes
from app.api.schemas.delivery import DeliveryRead, ReplayResult
from app.security.principal import Principal
from app.services.delivery import deliveries as svc
from app.storage.models import DeliveryStatus

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])
Manager = Annotated[Principal, Depends(require_scopes("connectors:manage"))]


@router.get("", response_model=list[DeliveryRead], summary="Deliveries, newest first")
def list_deliveries(
    principal: Manager,
    uow: UowDep,
    status: DeliveryStatus | None = None,
    instance_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryRead]:
    rows = svc.list_deliveries(
        uow.session, principal, status=status, instance_id=instance_id, limit=limit
    )
    return [DeliveryRead.of(d) for d in rows]


@router.post("/replay-dead", response_model=ReplayResult, summary="Replay every dead delivery")
def replay_dead(principal: Manager, uow: UowDep) -> ReplayResult:
    count = svc.replay_dead(uow.session, principal)
    uow.commit()
    return ReplayResult(replayed=count)


@router.get("/{delivery_id:uuid}", response_model=DeliveryRead)
def get_delivery(delivery_id: uuid.UUID, principal: Manager, uow: UowDep) -> DeliveryRead:
    return DeliveryRead.of(svc.get_delivery(uow.session, principal, delivery_id))


@router.post("/{delivery_id:uuid}/replay", response_model=DeliveryRead)
def replay(delivery_id: uuid.UUID, principal: Manager, uow: UowDep) -> DeliveryRead:
    """Try a dead, failed or cancelled delivery again with a fresh retry budget."""
    delivery = svc.replay_delivery(uow.session, principal, delivery_id)
    uow.commit()
    return DeliveryRead.of(delivery)
