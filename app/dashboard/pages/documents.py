"""Documents: search what the hub holds; the detail shows hashes, validation and accesses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.api.deps import UowDep
from app.dashboard.web import ViewerDep, is_htmx, optional_date, optional_uuid, render
from app.services.document_search import DocumentQuery, document_types, search_documents
from app.services.participants import list_participants, names_of

router = APIRouter(prefix="/documents")

PAGE_SIZE = 25


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
