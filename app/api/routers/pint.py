"""The four DCSA PINT 3.0.0 endpoints, mounted under the configured base path."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from app.api.deps import ContainerDep
from app.services.pint import receiving
from app.services.pint.receiving import PintAnswer

router = APIRouter(tags=["pint"])

API_VERSION = {"API-Version": "3.0.0"}
Checksum = Annotated[
    str, Path(pattern="^[0-9a-f]{64}$", description="SHA-256 of the decoded document")
]


def _answer(answer: PintAnswer) -> Response:
    if answer.empty:
        return Response(status_code=answer.status, headers=API_VERSION)
    return JSONResponse(answer.body, status_code=answer.status, headers=API_VERSION)


@router.post("/v3/envelopes", summary="Start an eBL envelope transfer")
async def start_transfer(request: Request, container: ContainerDep) -> Response:
    raw = await request.body()
    return _answer(await run_in_threadpool(receiving.start_transfer, container, raw))


@router.put(
    "/v3/envelopes/{envelope_reference}/additional-documents/{document_checksum}",
    summary="Transfer one additional document (a JSON string of base64)",
)
async def upload_document(
    envelope_reference: str, document_checksum: Checksum, request: Request, container: ContainerDep
) -> Response:
    raw = await request.body()
    answer = await run_in_threadpool(
        receiving.upload_document, container, envelope_reference, document_checksum, raw
    )
    return _answer(answer)


@router.put(
    "/v3/envelopes/{envelope_reference}/finish-transfer", summary="Finish an envelope transfer"
)
def finish_transfer(envelope_reference: str, container: ContainerDep) -> Response:
    return _answer(receiving.finish_transfer(container, envelope_reference))


@router.post("/v3/receiver-validation", summary="The name of the party an identifying code names")
def validate_receiver(container: ContainerDep, code: Annotated[dict[str, Any], Body()]) -> Response:
    return _answer(receiving.validate_receiver(container, code))
