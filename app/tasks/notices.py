"""Outbox handlers that issue notices after consent changes and deliver them; their gauges."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session

from app.services.consents.purposes import catalogue_for
from app.services.delivery.routing import NOTICE_TOPIC
from app.services.notices import acknowledgement, issuing, obligations
from app.storage.models import OutboxMessage
from app.tasks.registry import on_outbox, task_context

if TYPE_CHECKING:
    from app.services.common.context import ServiceContext

#: The transitions that end or suspend access (the handler checks the target again).
NOTICE_TRIGGERS = ("consent.paused", "consent.revoked", "consent.expired")


def issue_notice(session: Session, message: OutboxMessage) -> None:
    issuing.on_consent_change(session, message, catalogue_for(task_context(session).settings))


for _topic in NOTICE_TRIGGERS:
    on_outbox(_topic)(issue_notice)


@on_outbox(NOTICE_TOPIC)
def deliver_notice(session: Session, message: OutboxMessage) -> None:
    issuing.route_notice(session, message, task_context(session).settings.issuer)


class NoticeMetrics(Collector):
    """Notices past due without acknowledgement, and deletion receipts past due, hub-wide."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self._ctx.clock()
        with self._ctx.uow() as uow:
            notices = acknowledgement.count_overdue(uow.session, now)
            receipts = obligations.count_overdue(uow.session, now)
        yield GaugeMetricFamily(
            "tradegate_notices_overdue",
            "Notices past their acknowledgement deadline; their consumers are fail-closed",
            value=notices,
        )
        yield GaugeMetricFamily(
            "tradegate_deletion_receipts_overdue",
            "Deletion receipts past their due date and not filed",
            value=receipts,
        )
