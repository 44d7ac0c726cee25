"""The overview: headline counts and charts of the hub's recent activity."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.deps import UowDep
from app.dashboard.charts import day_range, horizontal_bars, stacked_columns
from app.dashboard.web import ViewerDep, render
from app.services import overview
from app.storage.base import utcnow

router = APIRouter()

CHART_DAYS = 14


@router.get("/", response_class=HTMLResponse)
def overview_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    session, principal = uow.session, viewer.principal
    days = day_range(utcnow().date(), CHART_DAYS)
    return render(
        request,
        "overview.html",
        {
            "totals": overview.totals(session, principal),
            "days": CHART_DAYS,
            "documents_chart": stacked_columns(
                days, overview.documents_per_day(session, principal, days=CHART_DAYS)
            ),
            "pulls_chart": stacked_columns(
                days, overview.pulls_per_day(session, principal, days=CHART_DAYS)
            ),
            "consents_chart": horizontal_bars(
                [(s.lower(), n) for s, n in overview.consents_by_status(session, principal).items()]
            ),
        },
    )
