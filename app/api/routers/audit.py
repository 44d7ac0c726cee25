"""The audit trail: hash-chained events that involve the caller (every event for an admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.api.deps import UowDep, require_scopes
from app.api.schemas.pull import EventPageRead, EventRead
from app.security.principal import Principal
from app.services.common import audit as svc

router = APIRouter(prefix="/v1/audit", tags=["audit"])

Auditor = Annotated[Principal, Depends(require_scopes("audit:read"))]


@router.get("/events", response_model=EventPageRead)
def list_events(
    principal: Auditor,
    uow: UowDep,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> EventPageRead:
    """Newest first; e.g. `kind=data.accessed` for who read the owner's documents."""
    page = svc.list_events(
        uow.session, principal, kind=kind, subject=subject, cursor=cursor, limit=limit
    )
    return EventPageRead(items=[EventRead.of(e) for e in page.items], next_cursor=page.next_cursor)
