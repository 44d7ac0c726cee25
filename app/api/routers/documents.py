"""Document push (``POST /v1/documents``), dry-run validation and read-back of what was pushed."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from app.api.deps import ContainerDep, CurrentPrincipal, require_any_scope, require_scopes
from app.api.openapi import document_body, document_content
from app.domain.canonical import repr_digest
from app.errors import BadRequest
from app.security.principal import Principal
from app.services.documents import ingest

router = APIRouter(prefix="/v1", tags=["documents"])

Writer = Annotated[Principal, Depends(require_scopes("documents:write"))]
TypeParam = Annotated[
    str | None, Query(alias="type", description="Document type id, e.g. dcsa.transport-document")
]


Reader = Annotated[
    Principal, Depends(require_any_scope("documents:read", "documents:write", "admin"))
]


@router.post(
    "/documents",
    status_code=status.HTTP_201_CREATED,
    summary="Push a document (the body is the document itself)",
    openapi_extra=document_body("A DCSA transport document (JSON) or a UN/CEFACT message (XML)"),
    responses={201: {"headers": {"Location": {"schema": {"type": "string"}}}}},
)
async def push_document(
    request: Request,
    container: ContainerDep,
    principal: Writer,
    type_: TypeParam = None,
    owner: Annotated[
        uuid.UUID | None, Query(description="Owner, for a provider mandated to act for it")
    ] = None,
) -> JSONResponse:
    key = request.headers.get("idempotency-key", "").strip()
    if not key or len(key) > 200:
        raise BadRequest(
            "an Idempotency-Key header (1-200 characters) is required",
            slug="idempotency-key-required",
        )
    raw = await request.body()
    code, body = await run_in_threadpool(
        ingest.push,
        container,
        principal,
        raw,
        key=key,
        media_type=request.headers.get("content-type"),
        declared_type=type_,
        owner=owner,
    )
    headers = {"Location": f"/v1/documents/{body['id']}"} if code == 201 else None
    return JSONResponse(body, status_code=code, headers=headers)


@router.post(
    "/validate",
    summary="Validate a document without storing anything",
    openapi_extra=document_body("The document to validate, as it would be pushed"),
)
async def validate_document(
    request: Request, container: ContainerDep, principal: CurrentPrincipal, type_: TypeParam = None
) -> JSONResponse:
    raw = await request.body()
    report = await run_in_threadpool(
        ingest.validate_only,
        raw,
        media_type=request.headers.get("content-type"),
        declared_type=type_,
        max_bytes=container.settings.max_body_bytes,
    )
    return JSONResponse(ingest.report_body(report))


@router.get("/documents/{document_id}", summary="Metadata of a document the caller pushed or owns")
def get_document(
    document_id: uuid.UUID, container: ContainerDep, principal: Reader
) -> JSONResponse:
    with container.uow() as uow:
        document = ingest.get_document(uow.session, principal, document_id)
        return JSONResponse(ingest.document_body(document))


@router.get(
    "/documents/{document_id}/content",
    summary="The original bytes, with their media type and RFC 9530 Repr-Digest",
    responses=document_content(),
)
def get_document_content(
    document_id: uuid.UUID, container: ContainerDep, principal: Reader
) -> Response:
    with container.uow() as uow:
        document = ingest.get_document(uow.session, principal, document_id, with_content=True)
        content = document.content
        return Response(
            content=content,
            media_type=document.media_type,
            headers={"Repr-Digest": repr_digest(content)},
        )
