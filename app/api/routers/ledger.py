"""The transparency log over HTTP: checkpoint, proofs, document proof bundles, verification."""

from __future__ import annotations

import base64
import uuid
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.api.deps import ContainerDep, UowDep, require_any_scope
from app.api.routers.data import CONSUMER, ConsentId, Consumer, no_store, run_pull
from app.errors import BadRequest, UnsupportedMediaType
from app.ledger.bundle import ProofBundle
from app.security.principal import Principal
from app.services.access import pull
from app.services.consents.purposes import catalogue_for
from app.services.ledger import log as svc
from app.services.ledger.verification import parse_bundle, verify_upload
from app.services.witness.witnessing import witness_description

router = APIRouter(prefix="/v1", tags=["ledger"])
well_known = APIRouter(tags=["ledger"])
NOTE_TYPE = "text/plain; charset=utf-8"
#: Where the hub publishes its log's name and verifier key for verifiers to pin.
LOG_KEY_DOCUMENT = "/.well-known/tradegate-log"
#: The checkpoint's text answer names the key that verifies it, and where it is described.
LOG_KEY_HEADER = "Tradegate-Log-Key"


@well_known.get(LOG_KEY_DOCUMENT, summary="The log's origin and verifier key, to pin")
def log_key_document(container: ContainerDep) -> dict[str, Any]:
    settings = container.settings
    return {
        "issuer": settings.issuer,
        "origin": settings.effective_ledger_origin,
        "log_key": svc.log_verifier(settings, container.keys).vkey,
        "signature": "C2SP signed-note, Ed25519",
        "checkpoint": f"{settings.issuer}/v1/ledger/checkpoint",
        "anchor_sinks": [urlsplit(url).scheme for url in settings.ledger_anchor_urls],
        "witness": witness_description(settings, container.keys),
    }


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode("ascii") for h in hashes]


ProofReader = Annotated[Principal, Depends(require_any_scope("ledger:read", "documents:read"))]


@router.get(
    "/ledger/checkpoint",
    summary="The latest signed checkpoint (C2SP tlog-checkpoint as a signed note)",
    responses={
        200: {
            "content": {"text/plain": {}, "application/json": {}},
            "headers": {
                LOG_KEY_HEADER: {
                    "description": "The log's verifier key (text answer)",
                    "schema": {"type": "string"},
                },
                "Link": {
                    "description": f"{LOG_KEY_DOCUMENT}, which describes the log",
                    "schema": {"type": "string"},
                },
            },
        }
    },
)
def checkpoint(request: Request, uow: UowDep, container: ContainerDep) -> Response:
    current = svc.current_checkpoint(uow.session)
    note = svc.published_note(uow.session, current)
    if "application/json" in request.headers.get("accept", ""):
        settings, keys = container.settings, container.keys
        return JSONResponse(
            {
                "origin": settings.effective_ledger_origin,
                "size": current.size,
                "root_hash": base64.b64encode(current.root_hash).decode("ascii"),
                "checkpoint": note,
                "log_key": svc.log_verifier(settings, keys).vkey,
            }
        )
    return PlainTextResponse(
        note,
        media_type=NOTE_TYPE,
        headers={
            LOG_KEY_HEADER: svc.log_verifier(container.settings, container.keys).vkey,
            "Link": f'<{LOG_KEY_DOCUMENT}>; rel="describedby"',
        },
    )


@router.get("/ledger/proof/inclusion", summary="RFC 9162 inclusion proof (audit path)")
def inclusion_proof(
    uow: UowDep,
    index: Annotated[int, Query(ge=0, description="Leaf index")],
    size: Annotated[int, Query(ge=1, description="Tree size the proof leads to")],
) -> dict[str, Any]:
    proof = svc.inclusion(uow.session, index, size)
    return {
        "index": proof.index,
        "size": proof.size,
        "leaf_hash": base64.b64encode(proof.leaf_hash).decode("ascii"),
        "proof": _b64(proof.proof),
    }


@router.get("/ledger/proof/consistency", summary="RFC 9162 consistency proof between sizes")
def consistency_proof(
    uow: UowDep,
    first: Annotated[int, Query(alias="from", ge=1, description="Older tree size")],
    second: Annotated[int, Query(alias="to", ge=1, description="Newer tree size")],
) -> dict[str, Any]:
    return {"from": first, "to": second, "proof": _b64(svc.consistency(uow.session, first, second))}


@router.get(
    "/documents/{document_id}/proof",
    response_model=ProofBundle,
    summary="Proof bundle: leaf, inclusion proof, signed checkpoint and anchor receipts",
)
def document_proof(
    document_id: uuid.UUID, principal: ProofReader, uow: UowDep, container: ContainerDep
) -> ProofBundle:
    return svc.document_proof_bundle(
        uow.session, principal, document_id, container.settings, container.keys
    )


@router.get(
    "/data/documents/{document_id}/proof",
    response_model=ProofBundle,
    dependencies=[Depends(CONSUMER), Depends(no_store)],
    summary="Proof bundle of a document pulled under the consent named in Consent-Id",
)
async def consented_document_proof(
    document_id: uuid.UUID, consent_id: ConsentId, principal: Consumer, container: ContainerDep
) -> ProofBundle:
    catalogue = catalogue_for(container.settings)
    now = container.clock()

    def work(session: Session) -> ProofBundle:
        document = pull.fetch_document(
            session, principal, consent_id, document_id, catalogue=catalogue, now=now
        )
        return svc.proof_bundle_of(session, document, container.settings, container.keys)

    return await run_pull(container, work)


_VERIFY_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["bundle"],
                    "properties": {
                        "document": {"type": "string", "format": "binary"},
                        "bundle": {"type": "string", "format": "binary"},
                    },
                }
            },
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["bundle"],
                    "properties": {
                        "document": {"type": "string", "contentEncoding": "base64"},
                        "bundle": {"type": "object"},
                    },
                }
            },
        },
    }
}


@router.post(
    "/verify",
    summary="Verify a document against its proof bundle",
    openapi_extra=_VERIFY_BODY,
)
async def verify(request: Request, container: ContainerDep) -> dict[str, Any]:
    content, raw_bundle = await _read_verify_request(request)
    bundle = parse_bundle(raw_bundle)

    def run() -> dict[str, Any]:
        with container.uow() as uow:
            settings, keys = container.settings, container.keys
            return verify_upload(uow.session, settings, keys, content, bundle).as_dict()

    return await run_in_threadpool(run)


async def _read_verify_request(request: Request) -> tuple[bytes | None, bytes | dict[str, Any]]:
    """Multipart (``document`` file + ``bundle`` file or field) or JSON with base64 document."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        form = await request.form()
        bundle, document = form.get("bundle"), form.get("document")
        if bundle is None:
            raise BadRequest("multipart field 'bundle' is required", slug="ledger-bad-request")
        raw = await bundle.read() if isinstance(bundle, UploadFile) else str(bundle).encode()
        content = await document.read() if isinstance(document, UploadFile) else None
        return content, raw
    if media_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise BadRequest("the request body is not valid JSON", slug="malformed-json") from exc
        if not isinstance(body, dict) or not isinstance(body.get("bundle"), dict):
            raise BadRequest("JSON body needs a 'bundle' object", slug="ledger-bad-request")
        encoded = body.get("document")
        try:
            content = base64.b64decode(encoded, validate=True) if encoded else None
        except (TypeError, ValueError) as exc:
            raise BadRequest("'document' must be base64", slug="ledger-bad-request") from exc
        return content, body["bundle"]
    raise UnsupportedMediaType("send multipart/form-data (document, bundle) or application/json")
