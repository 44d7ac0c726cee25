"""Financing registrations: register, check, list and move one's own; never see another's."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse

from app.api.deps import ContainerDep, UowDep, require_scopes
from app.api.schemas.financing import (
    FinancingCreate,
    FinancingPage,
    FinancingRead,
    ReasonIn,
    ResultOut,
)
from app.domain.financing import FinancingAction, FinancingState
from app.errors import BadRequest
from app.security.principal import Principal
from app.services.financing import checks, cross_border, registrations, transitions
from app.storage.base import utcnow

router = APIRouter(prefix="/v1/financing", tags=["financing"])

Lender = Annotated[Principal, Depends(require_scopes("financing:write"))]


def _idempotency_key(request: Request) -> str:
    key = request.headers.get("idempotency-key", "").strip()
    if not key or len(key) > 200:
        raise BadRequest(
            "an Idempotency-Key header (1-200 characters) is required",
            slug="idempotency-key-required",
        )
    return key


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=FinancingRead,
    summary="Register financing of a document your consent covers",
)
async def register(
    body: FinancingCreate, request: Request, container: ContainerDep, principal: Lender
) -> JSONResponse:
    """The answer says, per fingerprint, CLEAR, DUPLICATE, DUPLICATE_SAME_LENDER or SIMILAR
    with a count, and per peer hub (``cross_border``) what it holds, without identities. The
    same Idempotency-Key and body replay the stored answer."""
    key = _idempotency_key(request)
    code, stored = await cross_border.register_here_and_at_peers(
        container, principal, body.to_request(), key=key, now=utcnow()
    )
    return JSONResponse(
        stored, status_code=code, headers={"Location": f"/v1/financing/{stored['id']}"}
    )


@router.post("/check", response_model=ResultOut, summary="What registering would answer, now")
async def check(
    request: Request,
    container: ContainerDep,
    principal: Lender,
    document_id: Annotated[
        uuid.UUID | None, Query(description="A stored document; else the body is the document")
    ] = None,
) -> JSONResponse:
    """Registers nothing. Every check is an audited event (at every peer hub asked too);
    checking more distinct documents you cannot read than the hub allows per day is a 429."""
    raw = None if document_id is not None else await request.body()
    subject = checks.CheckRequest(
        document_id=document_id, raw=raw, media_type=request.headers.get("content-type")
    )
    result = await cross_border.check_here_and_at_peers(container, principal, subject, now=utcnow())
    return JSONResponse(result)


@router.get("", response_model=FinancingPage, summary="Your own registrations, newest first")
def list_registrations(
    principal: Lender,
    uow: UowDep,
    state: Annotated[FinancingState | None, Query()] = None,
    document_id: Annotated[uuid.UUID | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> FinancingPage:
    page = registrations.list_registrations(
        uow.session, principal, state=state, document_id=document_id, cursor=cursor, limit=limit
    )
    return FinancingPage(
        items=[FinancingRead.of(registrations.registration_body(r)) for r in page.items],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/{registration_id:uuid}", response_model=FinancingRead, summary="One of your registrations"
)
def get_registration(registration_id: uuid.UUID, principal: Lender, uow: UowDep) -> FinancingRead:
    registration = registrations.get_registration(uow.session, principal, registration_id)
    return FinancingRead.of(registrations.registration_body(registration))


def _act(
    uow: UowDep,
    principal: Principal,
    registration_id: uuid.UUID,
    action: FinancingAction,
    body: Any,
) -> FinancingRead:
    registration = transitions.act(
        uow.session, principal, registration_id, action, body.reason if body else None, now=utcnow()
    )
    read = FinancingRead.of(registrations.registration_body(registration))
    uow.commit()
    return read


@router.post(
    "/{registration_id:uuid}/finance", response_model=FinancingRead, summary="INTENDED -> FINANCED"
)
def finance(registration_id: uuid.UUID, principal: Lender, uow: UowDep) -> FinancingRead:
    return _act(uow, principal, registration_id, FinancingAction.FINANCE, None)


@router.post(
    "/{registration_id:uuid}/settle", response_model=FinancingRead, summary="FINANCED -> SETTLED"
)
def settle(
    registration_id: uuid.UUID, body: ReasonIn, principal: Lender, uow: UowDep
) -> FinancingRead:
    return _act(uow, principal, registration_id, FinancingAction.SETTLE, body)


@router.post("/{registration_id:uuid}/cancel", response_model=FinancingRead, summary="-> CANCELLED")
def cancel(
    registration_id: uuid.UUID, body: ReasonIn, principal: Lender, uow: UowDep
) -> FinancingRead:
    return _act(uow, principal, registration_id, FinancingAction.CANCEL, body)
