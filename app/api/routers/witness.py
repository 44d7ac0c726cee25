"""C2SP tlog-witness: ``POST /add-checkpoint``, where logs get their checkpoints cosigned.

The protocol authenticates nothing but the checkpoint's signature (by the key this hub pinned
for the log's origin), so the route is public; answers follow tlog-witness: cosignature lines
as text on 200, and the latest cosigned size as ``text/x.tlog.size`` on 409.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.api.deps import ContainerDep
from app.api.openapi import problem_response_doc
from app.domain.witness import SIZE_CONTENT_TYPE
from app.errors import PayloadTooLarge
from app.services.witness import witnessing as svc
from app.services.witness.witnessing import WITNESS_PREFIX

router = APIRouter(tags=["witness"])
#: The submission prefix peers find in this hub's signed metadata (``witness_endpoint``).
federation_router = APIRouter(prefix=WITNESS_PREFIX, tags=["witness"])
NOTE_TYPE = "text/plain; charset=utf-8"

_ADD_CHECKPOINT_BODY = {
    "requestBody": {
        "required": True,
        "description": "`old N`, consistency proof lines (base64), a blank line, then the "
        "signed checkpoint note (c2sp.org/tlog-witness)",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Cosignature line(s) (c2sp.org/tlog-cosignature, cosignature/v1)",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    },
    403: {
        **problem_response_doc(403),
        "description": "No signature from the key pinned for the origin verified",
    },
    404: {
        **problem_response_doc(404),
        "description": "This witness does not witness the checkpoint's origin",
    },
    409: {
        "description": "`old` is not the latest cosigned size (the body says which), or "
        "the same size was cosigned with another root hash. Not a problem document: "
        "tlog-witness fixes this body",
        "content": {SIZE_CONTENT_TYPE: {"schema": {"type": "string"}}},
    },
    422: {**problem_response_doc(422), "description": "The consistency proof does not verify"},
}


async def add_checkpoint(request: Request, container: ContainerDep) -> Response:
    body = await request.body()
    limit = container.settings.witness_max_body_bytes
    if len(body) > limit:
        raise PayloadTooLarge(f"an add-checkpoint request is at most {limit} bytes")
    try:
        line = await run_in_threadpool(svc.add_checkpoint, container, body)
    except svc.StaleSize as exc:
        return Response(
            f"{exc.latest_size}\n".encode(),
            status_code=409,
            headers={"content-type": SIZE_CONTENT_TYPE},
        )
    return Response(line.encode(), headers={"content-type": NOTE_TYPE})


for _router in (router, federation_router):
    _router.add_api_route(
        "/add-checkpoint",
        add_checkpoint,
        methods=["POST"],
        summary="Cosign a witnessed log's checkpoint (C2SP tlog-witness add-checkpoint)",
        openapi_extra=_ADD_CHECKPOINT_BODY,
        responses=_RESPONSES,
    )
