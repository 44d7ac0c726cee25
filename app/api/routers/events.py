"""The events feed: pull notifications in order and acknowledge them (webhook fallback)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import CurrentPrincipal, UowDep
from app.api.schemas.delivery import FeedAck, FeedAckRead, FeedItem, FeedRead
from app.services.delivery import feed as svc

router = APIRouter(prefix="/v1/events", tags=["events"])


@router.get("", response_model=FeedRead, summary="Notifications addressed to the caller")
def read_feed(
    principal: CurrentPrincipal,
    uow: UowDep,
    after: Annotated[int | None, Query(ge=0, description="Default: last acknowledged")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> FeedRead:
    page = svc.read_feed(uow.session, principal, after=after, limit=limit)
    return FeedRead(
        items=[FeedItem.of(n) for n in page.items],
        next_cursor=page.next_cursor,
        acknowledged=page.acknowledged,
        has_more=page.has_more,
    )


@router.post("/ack", response_model=FeedAckRead, summary="Acknowledge up to a cursor")
def acknowledge(body: FeedAck, principal: CurrentPrincipal, uow: UowDep) -> FeedAckRead:
    acknowledged = svc.acknowledge(uow.session, principal, body.cursor)
    uow.commit()
    return FeedAckRead(acknowledged=acknowledged)
