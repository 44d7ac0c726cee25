"""The consumer's data API: documents read under the consent named in `Consent-Id`."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import AwareDatetime
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.api.deps import ContainerDep, require_scopes
from app.api.openapi import document_content
from app.api.schemas.pull import ConsentedDocumentPage, ConsentedDocumentRead
from app.container import Container
from app.errors import BadRequest
from app.security.principal import Principal
from app.services.access import pull as svc
from app.services.consents.purposes import catalogue_for
from app.storage.models import Document

NO_STORE = "no-store"


async def no_store(response: Response) -> None:
    """Consented data must not linger in shared caches beyond what the consent allows."""
    response.headers["Cache-Control"] = NO_STORE


CONSUMER = require_scopes("data:read")
# The caller is checked before the Consent-Id header: no token is a 401 whatever else is wrong.
router = APIRouter(
    prefix="/v1/data", tags=["data"], dependencies=[Depends(CONSUMER), Depends(no_store)]
)

Consumer = Annotated[Principal, Depends(CONSUMER)]


async def consent_id_header(
    consent_id: Annotated[str | None, Header(alias="Consent-Id")] = None,
) -> uuid.UUID:
    """Every pull names the consent it relies on; a missing or malformed one is a 400.

    `async` because it does no I/O: FastAPI would otherwise hop to a worker thread for it.
    """
    if consent_id is None or not consent_id.strip():
        raise BadRequest(
            "name the consent this pull relies on in Consent-Id", slug="consent-id-required"
        )
    try:
        return uuid.UUID(consent_id.strip())
    except ValueError as exc:
        raise BadRequest("Consent-Id is not a UUID", slug="consent-id-invalid") from exc


ConsentId = Annotated[uuid.UUID, Depends(consent_id_header)]
T = TypeVar("T")


def _in_unit_of_work(container: Container, work: Callable[[Session], T]) -> T:
    with container.uow() as uow:
        result = work(uow.session)
        uow.commit()
        return result


async def run_pull(container: Container, work: Callable[[Session], T]) -> T:
    """Run a pull's unit of work in one worker-thread hop.

    Pulls are the hot path: a sync unit-of-work dependency plus a sync handler would cost
    three hops between the event loop and the thread pool per request; this costs one.
    """
    return await run_in_threadpool(_in_unit_of_work, container, work)


def repr_digest(sha256_hex: str) -> str:
    """RFC 9530 `Repr-Digest` (SHA-256, structured-field byte sequence).

    It is built from the hash recorded at intake, not recomputed from the bytes served, so a
    document altered in storage shows up as a digest mismatch at the consumer.
    """
    return "sha-256=:" + base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii") + ":"


async def _fetch(
    container: Container,
    principal: Principal,
    consent_id: uuid.UUID,
    document_id: uuid.UUID,
    *,
    content: bool,
) -> Document:
    """One covered document, judged and audited as a fetch; `content` loads its bytes too."""
    catalogue = catalogue_for(container.settings)
    now = container.clock()
    return await run_pull(
        container,
        lambda session: svc.fetch_document(
            session,
            principal,
            consent_id,
            document_id,
            catalogue=catalogue,
            content=content,
            now=now,
        ),
    )


@router.get("/documents", response_model=ConsentedDocumentPage)
async def list_documents(
    consent_id: ConsentId,
    principal: Consumer,
    container: ContainerDep,
    doc_type: Annotated[str | None, Query(alias="type", max_length=64)] = None,
    provider_id: uuid.UUID | None = None,
    reference: Annotated[str | None, Query(max_length=200)] = None,
    received_from: AwareDatetime | None = None,
    received_to: AwareDatetime | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ConsentedDocumentPage:
    """Documents the consent covers (owner, types, providers, data range), oldest first."""
    filters = svc.DocumentFilters(
        doc_type=doc_type,
        provider_id=provider_id,
        reference=reference,
        received_from=received_from,
        received_to=received_to,
    )
    catalogue = catalogue_for(container.settings)
    now = container.clock()
    page = await run_pull(
        container,
        lambda session: svc.list_documents(
            session,
            principal,
            consent_id,
            catalogue=catalogue,
            filters=filters,
            cursor=cursor,
            limit=limit,
            now=now,
        ),
    )
    return ConsentedDocumentPage(
        consent_id=consent_id,
        items=[ConsentedDocumentRead.of(d) for d in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/documents/{document_id}", response_model=ConsentedDocumentRead)
async def get_document(
    document_id: uuid.UUID,
    consent_id: ConsentId,
    principal: Consumer,
    container: ContainerDep,
) -> ConsentedDocumentRead:
    """Metadata, hashes and validation provenance of one covered document."""
    return ConsentedDocumentRead.of(
        await _fetch(container, principal, consent_id, document_id, content=False)
    )


@router.get(
    "/documents/{document_id}/content",
    response_class=Response,
    responses=document_content(),
)
async def get_content(
    document_id: uuid.UUID,
    consent_id: ConsentId,
    principal: Consumer,
    container: ContainerDep,
) -> Response:
    """The original bytes exactly as received, with their media type and Repr-Digest."""
    document = await _fetch(container, principal, consent_id, document_id, content=True)
    return Response(
        document.content,
        media_type=document.media_type,
        headers={
            "Repr-Digest": repr_digest(document.sha256),
            "Cache-Control": NO_STORE,
            "ETag": f'"{document.sha256}"',
        },
    )
