"""Outbox backlog as Prometheus gauges, read from the database at scrape time.

Every replica reports the same figures, whichever process published or handled the rows:
what waits to be published, and what was published but not yet applied (a growing age
there means workers are down or the broker lost messages the sweep will redeliver).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.storage.base import utcnow
from app.storage.models import OutboxMessage

if TYPE_CHECKING:
    from app.tasks.context import TaskContext


def _count_and_oldest(
    session: Session,
    since: InstrumentedAttribute[Any],
    *where: sa.ColumnElement[bool],
) -> tuple[int, float]:
    count, oldest = session.execute(
        sa.select(sa.func.count(), sa.func.min(since)).select_from(OutboxMessage).where(*where)
    ).one()
    age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
    return int(count), max(age, 0.0)


class OutboxMetrics(Collector):
    """Four gauges: count and oldest age of waiting and of in-flight messages."""

    def __init__(self, ctx: TaskContext) -> None:
        self._ctx = ctx

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._ctx.uow() as uow:
            waiting, waiting_age = _count_and_oldest(
                uow.session,
                OutboxMessage.available_at,
                OutboxMessage.published_at.is_(None),
                OutboxMessage.available_at <= utcnow(),
            )
            in_flight, in_flight_age = _count_and_oldest(
                uow.session,
                OutboxMessage.published_at,
                OutboxMessage.dispatched_at.is_(None),
                OutboxMessage.published_at.is_not(None),
            )
        values = {
            "tradegate_outbox_waiting": ("Due messages not yet published", waiting),
            "tradegate_outbox_waiting_oldest_seconds": (
                "How long the oldest due message has waited to be published",
                waiting_age,
            ),
            "tradegate_outbox_in_flight": (
                "Messages published whose handlers have not all run",
                in_flight,
            ),
            "tradegate_outbox_in_flight_oldest_seconds": (
                "Age of the oldest publish not yet applied; past the redelivery interval "
                "the sweep publishes it again",
                in_flight_age,
            ),
        }
        for name, (documentation, value) in values.items():
            yield GaugeMetricFamily(name, documentation, value=value)
