"""Trust (admin): carrier and platform keys, tracked eBLs with their conflicts, PINT transfers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.deps import UowDep
from app.dashboard.web import AdminViewerDep, render
from app.services.pint.receiving import recent_envelopes
from app.services.trust.store import key_state, list_keys
from app.services.trust.versions import list_versions
from app.storage.base import utcnow

router = APIRouter(prefix="/trust")


@router.get("", response_class=HTMLResponse)
def trust_page(request: Request, viewer: AdminViewerDep, uow: UowDep) -> HTMLResponse:
    now = utcnow()
    keys = list_keys(uow.session)
    versions = list_versions(uow.session)
    return render(
        request,
        "trust/page.html",
        {
            "keys": [(k, key_state(k, now)) for k in keys],
            "conflicted": [v for v in versions if v.conflicts],
            "versions": versions,
            "envelopes": recent_envelopes(uow.session),
        },
    )
