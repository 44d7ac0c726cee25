"""Escalations: notices past their acknowledgement deadline and deletion receipts overdue."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.deps import ContainerDep, UowDep
from app.dashboard.web import ViewerDep, render
from app.domain.notices import receipt_blocks_consents
from app.services.notices.acknowledgement import NoticeState, list_notices
from app.services.notices.obligations import overdue_obligations
from app.services.participants.service import names_of

router = APIRouter(prefix="/notices")


@router.get("", response_class=HTMLResponse)
def escalations(
    request: Request, viewer: ViewerDep, uow: UowDep, container: ContainerDep
) -> HTMLResponse:
    session, now = uow.session, container.clock()
    notices = list_notices(
        session, viewer.principal, now=now, state=NoticeState.OVERDUE, limit=200
    ).items
    receipts = overdue_obligations(session, viewer.principal, now=now)
    parties = {n.consumer_id for n in notices} | {o.consumer_id for o in receipts}
    grace = container.settings.deletion_receipt_grace
    return render(
        request,
        "notices/page.html",
        {
            "notices": notices,
            "receipts": receipts,
            "blocking": {
                o.consent_id for o in receipts if receipt_blocks_consents(o.due_at, grace, now)
            },
            "names": names_of(session, parties),
            "now": now,
        },
    )
