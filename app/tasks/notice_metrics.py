"""Overdue notices and deletion receipts as Prometheus gauges, read at scrape time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from app.services.notices import acknowledgement, obligations

if TYPE_CHECKING:
    from app.services.common.context import ServiceContext


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
