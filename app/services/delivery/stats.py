"""Delivery health per connector instance: counts by status, success rate, latest failure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.security.principal import Principal
from app.storage.models import ConnectorInstance, Delivery, DeliveryStatus
from app.storage.scoping import readable


@dataclass
class InstanceHealth:
    """One connector instance and how its deliveries are going."""

    instance: ConnectorInstance
    counts: dict[str, int] = field(default_factory=dict)
    last_error: str | None = None
    last_failure_at: datetime | None = None
    last_delivered_at: datetime | None = None

    @property
    def settled(self) -> int:
        """Deliveries that reached an outcome: delivered, or given up on."""
        return self.counts.get(DeliveryStatus.DELIVERED, 0) + self.counts.get(
            DeliveryStatus.DEAD, 0
        )

    @property
    def success_rate(self) -> float | None:
        """Delivered share of settled deliveries, in percent (None before any settled)."""
        if not self.settled:
            return None
        return 100.0 * self.counts.get(DeliveryStatus.DELIVERED, 0) / self.settled


def instance_health(session: Session, principal: Principal) -> list[InstanceHealth]:
    """Every instance the caller may see, with delivery counts and its latest failure."""
    instances = list(
        session.execute(
            readable(ConnectorInstance, principal).order_by(ConnectorInstance.created_at)
        ).scalars()
    )
    health = {i.id: InstanceHealth(i) for i in instances}
    if not health:
        return []
    ids = list(health)
    for instance_id, status, n, delivered_at in session.execute(
        sa.select(
            Delivery.instance_id,
            Delivery.status,
            sa.func.count(),
            sa.func.max(Delivery.delivered_at),
        )
        .where(Delivery.instance_id.in_(ids))
        .group_by(Delivery.instance_id, Delivery.status)
    ):
        entry = health[instance_id]
        entry.counts[status] = int(n)
        if status == DeliveryStatus.DELIVERED:
            entry.last_delivered_at = delivered_at
    latest_failure = (
        sa.select(
            Delivery.instance_id,
            Delivery.last_error,
            Delivery.updated_at,
            sa.func.row_number()
            .over(partition_by=Delivery.instance_id, order_by=Delivery.updated_at.desc())
            .label("rank"),
        )
        .where(Delivery.instance_id.in_(ids), Delivery.last_error.is_not(None))
        .subquery()
    )
    for instance_id, error, at in session.execute(
        sa.select(
            latest_failure.c.instance_id, latest_failure.c.last_error, latest_failure.c.updated_at
        ).where(latest_failure.c.rank == 1)
    ):
        health[instance_id].last_error = error
        health[instance_id].last_failure_at = at
    return list(health.values())


def instances_of(
    session: Session, principal: Principal, participant_id: uuid.UUID
) -> list[ConnectorInstance]:
    """The connector instances a participant configured, as far as the caller may see them."""
    return list(
        session.execute(
            readable(ConnectorInstance, principal)
            .where(ConnectorInstance.participant_id == participant_id)
            .order_by(ConnectorInstance.created_at)
        ).scalars()
    )
