"""The overview: headline counts and charts of the hub's recent activity."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.deps import ContainerDep, UowDep
from app.dashboard.charts import day_range, horizontal_bars, stacked_columns
from app.dashboard.web import ViewerDep, render
from app.services import overview
from app.services.delivery.stats import instance_health
from app.services.ledger.status import ledger_status
from app.services.notices import acknowledgement, obligations
from app.storage.base import utcnow

router = APIRouter()

CHART_DAYS = 14


@router.get("/", response_class=HTMLResponse)
def overview_page(
    request: Request, viewer: ViewerDep, uow: UowDep, container: ContainerDep
) -> HTMLResponse:
    session, principal = uow.session, viewer.principal
    now = container.clock()
    days = day_range(utcnow().date(), CHART_DAYS)
    ledger = ledger_status(session)
    return render(
        request,
        "overview.html",
        {
            "escalations": {
                "notices": acknowledgement.count_overdue(session, now),
                "receipts": obligations.count_overdue(session, now),
            }
            if viewer.is_admin
            else None,
            "totals": overview.totals(session, principal),
            "days": CHART_DAYS,
            "documents_chart": stacked_columns(
                days, overview.documents_per_day(session, principal, days=CHART_DAYS)
            ),
            "pulls_chart": stacked_columns(
                days, overview.pulls_per_day(session, principal, days=CHART_DAYS)
            ),
            "delivery_chart": horizontal_bars(
                [
                    (h.instance.name, h.success_rate)
                    for h in instance_health(session, principal)
                    if h.success_rate is not None
                ],
                maximum=100,
                unit="%",
            ),
            "ledger": ledger,
            "ledger_chart": horizontal_bars(
                [
                    ("anchored", ledger.anchored_size),
                    ("not yet anchored", ledger.size - ledger.anchored_size),
                ]
            ),
            "consents_chart": horizontal_bars(
                [(s.lower(), n) for s, n in overview.consents_by_status(session, principal).items()]
            ),
        },
    )
