"""Audit: the hash-chained event log, filterable, with an on-demand chain-integrity check."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.api.deps import UowDep
from app.dashboard.web import AdminViewerDep, ViewerDep, is_htmx, render
from app.services.common.audit import list_events
from app.services.common.events import verify_chain

router = APIRouter(prefix="/audit")

PAGE_SIZE = 50
# Subjects that have a page of their own in the dashboard.
SUBJECT_PAGES = {"consent": "consents", "participant": "participants", "document": "documents"}


def subject_link(subject: str) -> str | None:
    kind, _, ident = subject.partition(":")
    page = SUBJECT_PAGES.get(kind)
    return f"/dashboard/{page}/{ident}" if page and ident else None


@router.get("", response_class=HTMLResponse)
def audit_page(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    kind: Annotated[str, Query(max_length=64)] = "",
    subject: Annotated[str, Query(max_length=200)] = "",
    cursor: Annotated[str, Query(max_length=500)] = "",
) -> HTMLResponse:
    page = list_events(
        uow.session,
        viewer.principal,
        kind=kind.strip() or None,
        subject=subject.strip() or None,
        cursor=cursor or None,
        limit=PAGE_SIZE,
    )
    params = {"kind": kind, "subject": subject, "cursor": cursor}
    context = {
        "events": [
            {
                "event": e,
                "link": subject_link(e.subject),
                "payload": json.dumps(e.payload, indent=2, sort_keys=True),
            }
            for e in page.items
        ],
        "next_cursor": page.next_cursor,
        "params": params,
        "filtered": bool(kind or subject),
    }
    template = "audit/_results.html" if is_htmx(request) else "audit/list.html"
    return render(request, template, context)


@router.get("/chain", response_class=HTMLResponse)
def chain_check(request: Request, viewer: AdminViewerDep, uow: UowDep) -> HTMLResponse:
    """Re-hash every event from genesis; reports the first break, if any."""
    checked, broken = verify_chain(uow.session)
    return render(request, "audit/_chain.html", {"checked": checked, "broken": broken})
