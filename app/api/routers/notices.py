"""Notices: consumers read and acknowledge them; owners see whether theirs were acknowledged."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.api.deps import ContainerDep, UowDep, require_any_scope
from app.api.schemas.notices import NoticePage, NoticeRead
from app.security.principal import Principal
from app.services.notices import acknowledgement as svc
from app.services.notices.acknowledgement import NoticeState

router = APIRouter(prefix="/v1/notices", tags=["notices"])

Reader = Annotated[Principal, Depends(require_any_scope("consents:read", "admin"))]
Acknowledger = Annotated[Principal, Depends(require_any_scope("consents:write", "data:read"))]


@router.get("", response_model=NoticePage, summary="Notices to the caller or about its consents")
def list_notices(
    principal: Reader,
    uow: UowDep,
    container: ContainerDep,
    state: NoticeState | None = None,
    consent_id: uuid.UUID | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NoticePage:
    now = container.clock()
    page = svc.list_notices(
        uow.session,
        principal,
        now=now,
        state=state,
        consent_id=consent_id,
        cursor=cursor,
        limit=limit,
    )
    return NoticePage(
        items=[NoticeRead.at(n, now) for n in page.items], next_cursor=page.next_cursor
    )


@router.get("/{notice_id}", response_model=NoticeRead)
def get_notice(
    notice_id: uuid.UUID, principal: Reader, uow: UowDep, container: ContainerDep
) -> NoticeRead:
    return NoticeRead.at(svc.get_notice(uow.session, principal, notice_id), container.clock())


@router.post("/{notice_id}/ack", response_model=NoticeRead)
def acknowledge(
    notice_id: uuid.UUID, principal: Acknowledger, uow: UowDep, container: ContainerDep
) -> NoticeRead:
    """The consumer confirms it processed the notice; data access reopens at once. Idempotent."""
    now = container.clock()
    notice = svc.acknowledge_notice(uow.session, principal, notice_id, now=now)
    uow.commit()
    return NoticeRead.at(notice, now)
