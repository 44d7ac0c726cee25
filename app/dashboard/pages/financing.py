"""Financing: which lenders finance each document, where several do, and the timeline."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.api.deps import UowDep
from app.dashboard.web import ViewerDep, render
from app.services.financing.overview import document_timeline, financed_documents
from app.services.participants.service import names_of

router = APIRouter(prefix="/financing")

PAGE_SIZE = 25


@router.get("", response_class=HTMLResponse)
def financing_list(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    duplicated: Annotated[bool, Query()] = False,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    rows = financed_documents(
        uow.session,
        viewer.principal,
        duplicated_only=duplicated,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE + 1,
    )
    lenders = {r.lender_id for row in rows for r in row.registrations}
    owners = {row.document.owner_id for row in rows}
    return render(
        request,
        "financing/list.html",
        {
            "rows": rows[:PAGE_SIZE],
            "has_next": len(rows) > PAGE_SIZE,
            "page": page,
            "params": {"duplicated": "true" if duplicated else ""},
            "duplicated": duplicated,
            "names": names_of(uow.session, lenders | owners),
        },
    )


@router.get("/{document_id}", response_class=HTMLResponse)
def financing_detail(
    request: Request, document_id: uuid.UUID, viewer: ViewerDep, uow: UowDep
) -> HTMLResponse:
    timeline = document_timeline(uow.session, viewer.principal, document_id)
    financing = timeline.financing
    parties = {r.lender_id for r in financing.registrations} | {financing.document.owner_id}
    return render(
        request,
        "financing/detail.html",
        {
            "f": financing,
            "d": financing.document,
            "events": timeline.events,
            "lender_of": {f"financing:{r.id}": r.lender_id for r in financing.registrations},
            "names": names_of(uow.session, parties),
        },
    )
