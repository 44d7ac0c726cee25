"""Crossings: every document sent to or received from a peer hub, allowed or refused, and why."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.api.deps import UowDep
from app.dashboard.web import ViewerDep, render
from app.services.crossings.records import list_crossings
from app.services.participants.service import names_of

router = APIRouter(prefix="/crossings")

PAGE_SIZE = 50


@router.get("", response_class=HTMLResponse)
def crossings_list(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    direction: Annotated[Literal["OUT", "IN"] | None, Query()] = None,
    outcome: Annotated[Literal["ALLOWED", "REFUSED"] | None, Query()] = None,
    peer: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    page = list_crossings(
        uow.session,
        viewer.principal,
        direction=direction,
        outcome=outcome,
        peer=peer or None,
        cursor=cursor,
        limit=PAGE_SIZE,
    )
    parties = {c.participant_id for c in page.items if c.participant_id is not None}
    return render(
        request,
        "crossings/list.html",
        {
            "rows": page.items,
            "next_cursor": page.next_cursor,
            "params": {"direction": direction, "outcome": outcome, "peer": peer},
            "direction": direction,
            "outcome": outcome,
            "peer": peer or "",
            "names": names_of(uow.session, parties),
        },
    )
