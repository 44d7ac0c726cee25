"""Consented transfer between hubs: lenders pull through their hub, peers pull from this one.

`/v1/federation/peers/{peer_name}/...` serves this hub's own lenders (their usual tokens and
scopes, and the `Consent-Id` flow of a local pull); `/federation/v1/...` serves peer hubs,
authenticated per call, acting for one of their consumers named in `Consumer-Ref`.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from app.api.deps import ContainerDep, PeerDep, PeerPrincipal, require_any_scope
from app.api.openapi import problem_response_doc
from app.api.routers.data import ConsentId, no_store
from app.api.schemas.consents import ConsentRead, ConsentTermsIn, PeerConsentCreate
from app.api.schemas.crossings import ReceivedDocumentRead, crossed_document
from app.api.schemas.notices import NoticePage, NoticeRead
from app.container import Container
from app.errors import BadRequest, Forbidden, PayloadTooLarge
from app.security.principal import Principal
from app.services.consents.purposes import catalogue_for
from app.services.consents.remote import remote_consumer_of
from app.services.crossings import consents as remote_consents
from app.services.crossings import fetching, serving
from app.services.crossings.fetching import (
    CONSUMER_HEADER,
    CrossedDocument,
    CrossedDocumentMeta,
    CrossedDocumentPage,
)
from app.services.federation.peers import active_peer
from app.storage.models import Peer

lender_api = APIRouter(prefix="/v1/federation/peers", tags=["federation"])
peer_api = APIRouter(prefix="/federation/v1", tags=["federation (hub to hub)"])

Puller = Annotated[Principal, Depends(require_any_scope("data:read"))]
Requester = Annotated[Principal, Depends(require_any_scope("consents:write"))]
Reader = Annotated[Principal, Depends(require_any_scope("consents:read"))]
Acknowledger = Annotated[Principal, Depends(require_any_scope("consents:write", "data:read"))]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
]
#: What a lender's call through its hub can meet besides the usual: the peer is suspended
#: here (409), or the peer cannot be reached or answers out of protocol (502).
THROUGH_PEER: dict[int | str, dict[str, Any]] = {
    409: problem_response_doc(409),
    502: problem_response_doc(502),
}


async def consumer_ref_header(
    consumer_ref: Annotated[str | None, Header(alias=CONSUMER_HEADER)] = None,
) -> str:
    """The calling hub names which of its consumers it acts for; without one, nothing.

    `async` because it does no I/O.
    """
    value = (consumer_ref or "").strip()
    if not value or len(value) > 200 or not all("!" <= c <= "~" for c in value):
        raise BadRequest(
            f"name the consumer this call is for in {CONSUMER_HEADER} "
            "(1 to 200 visible ASCII characters)",
            slug="consumer-ref-required",
        )
    return value


ConsumerRef = Annotated[str, Depends(consumer_ref_header)]


def _calling(peer: PeerPrincipal) -> serving.CallingPeer:
    return serving.CallingPeer(peer.name, peer.jurisdiction)


def _peer(container: Container, name: str) -> Peer:
    """The named peer, detached, if this hub still talks to it (404 unknown, 409 suspended)."""
    with container.uow() as uow:
        peer = active_peer(uow.session, name)
        uow.session.expunge(peer)
        return peer


@peer_api.get(
    "/data/documents",
    response_model=CrossedDocumentPage,
    summary="A peer lists the documents a consent here lets it fetch for its consumer",
    dependencies=[Depends(no_store)],
)
def list_for_peer(
    peer: PeerDep,
    consent_id: ConsentId,
    consumer_ref: ConsumerRef,
    container: ContainerDep,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CrossedDocumentPage:
    """As a local listing, leaving out the types this hub's rules keep from the peer."""
    with container.uow() as uow:
        page = serving.list_for_peer(
            uow.session,
            container.settings,
            _calling(peer),
            consumer_ref,
            consent_id,
            catalogue=catalogue_for(container.settings),
            cursor=cursor,
            limit=limit,
            now=container.clock(),
        )
        uow.commit()
        return CrossedDocumentPage(
            consent_id=consent_id,
            items=[CrossedDocumentMeta.model_validate(d, from_attributes=True) for d in page.items],
            next_cursor=page.next_cursor,
        )


@peer_api.get(
    "/data/documents/{document_id}",
    response_model=CrossedDocument,
    summary="A peer fetches one document for its consumer under a consent here",
    dependencies=[Depends(no_store)],
)
async def serve_document(
    peer: PeerDep,
    document_id: uuid.UUID,
    consent_id: ConsentId,
    consumer_ref: ConsumerRef,
    container: ContainerDep,
) -> CrossedDocument:
    """Judged as a local pull by the consumer, then by this hub's residency rules for the
    peer's jurisdiction (403 `residency` naming the rule); every attempt is a crossing."""
    catalogue = catalogue_for(container.settings)
    served = await run_in_threadpool(
        lambda: serving.serve_document(
            container,
            _calling(peer),
            consumer_ref,
            consent_id,
            document_id,
            catalogue=catalogue,
            now=container.clock(),
        )
    )
    return crossed_document(consent_id, served)


async def peer_consent_body(request: Request, container: ContainerDep) -> bytes:
    """A peer's request body, refused past the federation limit (far below the API's)."""
    limit = container.settings.federation_max_body_bytes
    declared = request.headers.get("content-length", "")
    if (declared.isdigit() and int(declared) > limit) or len(body := await request.body()) > limit:
        raise PayloadTooLarge(
            f"a peer's request body may not exceed {limit} bytes", max_bytes=limit
        )
    return body


@peer_api.post(
    "/consents",
    response_model=ConsentRead,
    status_code=status.HTTP_201_CREATED,
    summary="A peer asks an owner here for a consent for one of its consumers",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": PeerConsentCreate.model_json_schema()}},
        }
    },
)
def request_consent(
    peer: PeerDep,
    raw: Annotated[bytes, Depends(peer_consent_body)],
    consumer_ref: ConsumerRef,
    container: ContainerDep,
    idempotency_key: IdempotencyKey = None,
) -> ConsentRead:
    """The consent starts PENDING; the owner decides here, as for a local consumer.

    The body is parsed only once the peer is authenticated, so a stranger learns nothing
    from a validation error.
    """
    try:
        body = PeerConsentCreate.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from exc
    with container.uow() as uow:
        consent, _ = remote_consents.request_for_remote_consumer(
            uow.session,
            _calling(peer),
            consumer_ref,
            body.to_request(),
            catalogue=catalogue_for(container.settings),
            receipt_grace=container.settings.deletion_receipt_grace,
            idempotency_key=idempotency_key,
            now=container.clock(),
        )
        remote = remote_consumer_of(uow.session, consent.consumer_id)
        uow.commit()
        return ConsentRead.of(consent, remote=remote)


@peer_api.get(
    "/consents/{consent_id}",
    response_model=ConsentRead,
    summary="A peer reads a consent here naming one of its consumers",
)
def read_consent(
    peer: PeerDep, consent_id: uuid.UUID, consumer_ref: ConsumerRef, container: ContainerDep
) -> ConsentRead:
    with container.uow() as uow:
        consent = remote_consents.consent_for_remote_consumer(
            uow.session, _calling(peer), consumer_ref, consent_id
        )
        return ConsentRead.of(consent, remote=remote_consumer_of(uow.session, consent.consumer_id))


@lender_api.post(
    "/{peer_name}/consents",
    status_code=status.HTTP_201_CREATED,
    summary="Ask an owner at a peer hub for a consent; the peer decides and answers",
    responses={**THROUGH_PEER, 201: {"description": "The consent as the peer recorded it"}},
)
async def request_consent_at_peer(
    principal: Requester,
    peer_name: str,
    body: PeerConsentCreate,
    container: ContainerDep,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """The body is a local consent request's terms; the consumer is the caller."""
    if "consumer" not in principal.roles:
        raise Forbidden("only a consumer may request a consent", slug="not-a-consumer")
    peer = await run_in_threadpool(_peer, container, peer_name)
    terms: ConsentTermsIn = body
    return await run_in_threadpool(
        fetching.request_consent_at_peer,
        container,
        container.peer_client,
        peer,
        principal,
        terms.model_dump(mode="json", by_alias=True),
        idempotency_key,
    )


@lender_api.get(
    "/{peer_name}/consents/{consent_id}",
    summary="A consent at a peer hub naming the caller, as the peer reports it",
    responses={**THROUGH_PEER, 200: {"description": "The consent as the peer holds it"}},
)
async def read_consent_at_peer(
    principal: Reader, peer_name: str, consent_id: uuid.UUID, container: ContainerDep
) -> dict[str, Any]:
    peer = await run_in_threadpool(_peer, container, peer_name)
    return await run_in_threadpool(
        fetching.consent_at_peer, container.peer_client, peer, principal, consent_id
    )


@lender_api.get(
    "/{peer_name}/documents",
    response_model=CrossedDocumentPage,
    summary="The documents a peer hub would send the caller under a consent it holds there",
    responses=THROUGH_PEER,
    dependencies=[Depends(no_store)],
)
async def list_at_peer(
    principal: Puller,
    peer_name: str,
    consent_id: ConsentId,
    container: ContainerDep,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CrossedDocumentPage:
    peer = await run_in_threadpool(_peer, container, peer_name)
    return await run_in_threadpool(
        lambda: fetching.list_at_peer(
            container.peer_client, peer, principal, consent_id, cursor=cursor, limit=limit
        )
    )


@lender_api.get(
    "/{peer_name}/documents/{document_id}",
    response_model=ReceivedDocumentRead,
    summary="Pull a document held at a peer hub, under the consent its owner gave there",
    responses=THROUGH_PEER,
    dependencies=[Depends(no_store)],
)
async def pull_from_peer(
    principal: Puller,
    peer_name: str,
    document_id: uuid.UUID,
    consent_id: ConsentId,
    container: ContainerDep,
) -> ReceivedDocumentRead:
    """This hub fetches it for the caller, checks its hash and the peer's proof against the
    peer's pinned log key, records the crossing, and only then hands it over."""
    peer = await run_in_threadpool(_peer, container, peer_name)
    received = await run_in_threadpool(
        fetching.fetch_from_peer,
        container,
        container.peer_client,
        peer,
        principal,
        consent_id,
        document_id,
    )
    return ReceivedDocumentRead.of(received)


@peer_api.get(
    "/notices",
    response_model=NoticePage,
    summary="A peer reads the notices addressed here to one of its consumers",
)
def notices_for_peer(
    peer: PeerDep,
    consumer_ref: ConsumerRef,
    container: ContainerDep,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> NoticePage:
    now = container.clock()
    with container.uow() as uow:
        page = remote_consents.notices_for_remote_consumer(
            uow.session, _calling(peer), consumer_ref, now=now, cursor=cursor
        )
        return NoticePage(
            items=[NoticeRead.at(n, now) for n in page.items], next_cursor=page.next_cursor
        )


@peer_api.post(
    "/notices/{notice_id}/ack",
    response_model=NoticeRead,
    summary="A peer acknowledges a notice for one of its consumers, which processed it",
)
def acknowledge_for_peer(
    peer: PeerDep, notice_id: uuid.UUID, consumer_ref: ConsumerRef, container: ContainerDep
) -> NoticeRead:
    now = container.clock()
    with container.uow() as uow:
        notice = remote_consents.acknowledge_for_remote_consumer(
            uow.session, _calling(peer), consumer_ref, notice_id, now=now
        )
        uow.commit()
        return NoticeRead.at(notice, now)


@lender_api.get(
    "/{peer_name}/notices",
    summary="Notices a peer hub addressed to the caller (revocations, pauses), newest first",
    responses={**THROUGH_PEER, 200: {"description": "The peer's notice page"}},
)
async def notices_at_peer(
    principal: Reader,
    peer_name: str,
    container: ContainerDep,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    peer = await run_in_threadpool(_peer, container, peer_name)
    return await run_in_threadpool(
        fetching.notices_at_peer, container.peer_client, peer, principal, cursor
    )


@lender_api.post(
    "/{peer_name}/notices/{notice_id}/ack",
    summary="Tell a peer hub the caller processed its notice; its pulls there reopen",
    responses={**THROUGH_PEER, 200: {"description": "The notice as the peer records it"}},
)
async def acknowledge_at_peer(
    principal: Acknowledger, peer_name: str, notice_id: uuid.UUID, container: ContainerDep
) -> dict[str, Any]:
    peer = await run_in_threadpool(_peer, container, peer_name)
    return await run_in_threadpool(
        fetching.acknowledge_at_peer, container.peer_client, peer, principal, notice_id
    )
