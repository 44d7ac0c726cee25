"""Documents: search what the hub holds; the detail shows hashes, validation and accesses."""

from __future__ import annotations

import base64
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import ContainerDep, UowDep
from app.dashboard.web import ViewerDep, is_htmx, optional_date, optional_uuid, render
from app.services.access.pull import ACCESS_EVENT
from app.services.common.audit import list_events
from app.services.documents.ingest import get_document
from app.services.documents.search import DocumentQuery, document_types, search_documents
from app.services.ledger.log import document_proof_bundle
from app.services.participants.service import list_participants, names_of
from app.storage.models import Document

router = APIRouter(prefix="/documents")

PAGE_SIZE = 25
ACCESS_ROWS = 50


@router.get("", response_class=HTMLResponse)
def document_list(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    type: Annotated[str, Query(max_length=64)] = "",
    owner: Annotated[str, Query(max_length=36)] = "",
    provider: Annotated[str, Query(max_length=36)] = "",
    reference: Annotated[str, Query(max_length=200)] = "",
    received_from: Annotated[str, Query(max_length=10)] = "",
    received_to: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    query = DocumentQuery(
        doc_type=type or None,
        owner_id=optional_uuid(owner, "owner"),
        provider_id=optional_uuid(provider, "provider"),
        reference=reference.strip() or None,
        received_from=optional_date(received_from, "received from"),
        received_to=optional_date(received_to, "received to"),
    )
    rows = search_documents(
        uow.session,
        viewer.principal,
        query,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE + 1,
    )
    participants = list_participants(uow.session, viewer.principal)
    params = {
        "type": type,
        "owner": query.owner_id,
        "provider": query.provider_id,
        "reference": reference,
        "received_from": received_from,
        "received_to": received_to,
    }
    context = {
        "documents": rows[:PAGE_SIZE],
        "has_next": len(rows) > PAGE_SIZE,
        "page": page,
        "params": params,
        "filtered": any(v for v in params.values()),
        "names": names_of(uow.session, {d.owner_id for d in rows} | {d.provider_id for d in rows}),
        "owners": [p for p in participants if "owner" in p.role_names],
        "providers": [p for p in participants if "provider" in p.role_names],
        "types": document_types(uow.session, viewer.principal),
    }
    template = "documents/_results.html" if is_htmx(request) else "documents/list.html"
    return render(request, template, context)


def _download_name(document: Document) -> str:
    extension = "xml" if "xml" in document.media_type else "json"
    stem = "".join(
        ch for ch in (document.reference or str(document.id)) if ch.isalnum() or ch in "-_."
    )
    return f"{stem or document.id}.{extension}"


@router.get("/{document_id}", response_class=HTMLResponse)
def document_detail(
    request: Request, document_id: uuid.UUID, viewer: ViewerDep, uow: UowDep
) -> HTMLResponse:
    document = get_document(uow.session, viewer.principal, document_id)
    provenance = dict(document.provenance)
    accesses = list_events(
        uow.session,
        viewer.principal,
        kind=ACCESS_EVENT,
        subject=f"document:{document.id}",
        limit=ACCESS_ROWS,
    )
    consumers = {uuid.UUID(e.payload["consumer_id"]) for e in accesses.items}
    return render(
        request,
        "documents/detail.html",
        {
            "d": document,
            "accesses": accesses,
            "names": names_of(uow.session, {document.owner_id, document.provider_id} | consumers),
            "subject_sha256": provenance.pop("subject_sha256", None),
            "shape": provenance.pop("shape", None),
            "schemas": provenance.pop("schemas", {}),
            "ebl": provenance.pop("ebl", None),
            "provenance": provenance,
            "download_name": _download_name(document),
        },
    )


@router.get("/{document_id}/content")
def document_content(document_id: uuid.UUID, viewer: ViewerDep, uow: UowDep) -> Response:
    """The original bytes exactly as received, as a download (never rendered inline)."""
    document = get_document(uow.session, viewer.principal, document_id, with_content=True)
    return Response(
        document.content,
        media_type=document.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{_download_name(document)}"',
            "Repr-Digest": f"sha-256=:{base64.b64encode(bytes.fromhex(document.sha256)).decode()}:",
        },
    )


@router.get("/{document_id}/proof.json")
def document_proof(
    document_id: uuid.UUID, viewer: ViewerDep, uow: UowDep, container: ContainerDep
) -> Response:
    """The proof bundle to keep beside the document, for verification without the hub."""
    bundle = document_proof_bundle(
        uow.session, viewer.principal, document_id, container.settings, container.keys
    )
    return Response(
        bundle.model_dump_json(indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="proof-{document_id}.json"'},
    )
