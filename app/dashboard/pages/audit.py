"""Audit: the hash-chained event log, filterable, with an on-demand chain-integrity check."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.deps import UowDep
from app.dashboard.web import AdminViewerDep, ViewerDep, render
from app.services.events import verify_chain

router = APIRouter(prefix="/audit")


@router.get("", response_class=HTMLResponse)
def audit_page(request: Request, viewer: ViewerDep) -> HTMLResponse:
    return render(request, "audit/list.html", {})


@router.get("/chain", response_class=HTMLResponse)
def chain_check(request: Request, viewer: AdminViewerDep, uow: UowDep) -> HTMLResponse:
    """Re-hash every event from genesis; reports the first break, if any."""
    checked, broken = verify_chain(uow.session)
    return render(request, "audit/_chain.html", {"checked": checked, "broken": broken})
