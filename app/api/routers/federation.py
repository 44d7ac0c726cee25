"""Federation: this hub's signed metadata, peering (admin), and the hub-to-hub API."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from app.api.deps import ContainerDep, PeerDep, UowDep, require_any_scope, require_scopes
from app.api.openapi import problem_response_doc
from app.api.schemas.federation import (
    HashMatchAnswer,
    HashMatchQuestion,
    PeerCreate,
    PeerGreeting,
    PeerHashMatchQuestion,
    PeerRead,
    PeerSuspend,
)
from app.errors import PayloadTooLarge
from app.ledger.statement import HashMatchEvidence
from app.security.principal import Principal
from app.services.federation import hash_match
from app.services.federation import peers as svc
from app.services.federation.metadata import WELL_KNOWN_PATH, signed_metadata

well_known = APIRouter(tags=["federation"])
router = APIRouter(prefix="/v1/federation", tags=["federation"])
peer_api = APIRouter(prefix="/federation/v1", tags=["federation (hub to hub)"])

FederationAdmin = Annotated[Principal, Depends(require_scopes("federation:admin"))]
HashMatcher = Annotated[Principal, Depends(require_scopes("federation:hash-match"))]
FederationReader = Annotated[
    Principal, Depends(require_any_scope("federation:read", "federation:admin"))
]


@well_known.get(WELL_KNOWN_PATH, summary="This hub's metadata, signed by its log key (to pin)")
def hub_metadata(container: ContainerDep) -> dict[str, Any]:
    return signed_metadata(container.settings, container.keys)


@router.get("/peers", response_model=list[PeerRead], summary="The peer hubs")
def list_peers(principal: FederationReader, uow: UowDep) -> list[PeerRead]:
    return [PeerRead.of(p) for p in svc.list_peers(uow.session)]


@router.post(
    "/peers",
    response_model=PeerRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a peer hub: fetch its metadata and verify it against the pinned log key",
    responses={502: problem_response_doc(502)},
)
def add_peer(
    body: PeerCreate, principal: FederationAdmin, uow: UowDep, container: ContainerDep
) -> PeerRead:
    peer = svc.add_peer(
        uow.session,
        container.settings,
        container.peer_client,
        url=body.url,
        pin=body.pin,
        actor=principal.actor,
    )
    uow.commit()
    return PeerRead.of(peer)


@router.post("/peers/{peer_name}/suspend", response_model=PeerRead, summary="Suspend a peer")
def suspend_peer(
    peer_name: str, body: PeerSuspend, principal: FederationAdmin, uow: UowDep
) -> PeerRead:
    peer = svc.suspend_peer(uow.session, peer_name, reason=body.reason, actor=principal.actor)
    uow.commit()
    return PeerRead.of(peer)


@router.post("/peers/{peer_name}/resume", response_model=PeerRead, summary="Resume a peer")
def resume_peer(peer_name: str, principal: FederationAdmin, uow: UowDep) -> PeerRead:
    peer = svc.resume_peer(uow.session, peer_name, actor=principal.actor)
    uow.commit()
    return PeerRead.of(peer)


@router.post(
    "/peers/{peer_name}/refresh",
    response_model=PeerRead,
    summary="Fetch a peer's metadata again (its rotated keys), verified against its pin",
    responses={502: problem_response_doc(502)},
)
def refresh_peer(
    peer_name: str, principal: FederationAdmin, uow: UowDep, container: ContainerDep
) -> PeerRead:
    peer = svc.refresh_peer(
        uow.session, container.settings, container.peer_client, peer_name, actor=principal.actor
    )
    uow.commit()
    return PeerRead.of(peer)


@peer_api.get("/hello", response_model=PeerGreeting, summary="Who this hub takes the caller for")
def hello(peer: PeerDep, container: ContainerDep) -> PeerGreeting:
    settings = container.settings
    return PeerGreeting(
        hub=settings.effective_hub_name,
        jurisdiction=settings.jurisdiction,
        caller=peer.name,
        caller_jurisdiction=peer.jurisdiction,
    )


async def peer_body(request: Request, container: ContainerDep) -> bytes:
    """A peer's request body, refused past the federation limit (far below the API's)."""
    limit = container.settings.federation_max_body_bytes
    declared = request.headers.get("content-length", "")
    if (declared.isdigit() and int(declared) > limit) or len(body := await request.body()) > limit:
        raise PayloadTooLarge(
            f"a peer's request body may not exceed {limit} bytes", max_bytes=limit
        )
    return body


PeerBody = Annotated[bytes, Depends(peer_body)]
ModelT = TypeVar("ModelT", bound=BaseModel)


def _parsed(model: type[ModelT], body: bytes) -> ModelT:
    """Parse after the peer is authenticated, so a stranger learns nothing from a 422."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from exc


def _body_doc(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


@peer_api.post(
    "/hash-match",
    response_model=HashMatchEvidence,
    summary="Answer a peer hub: is a document with this canonical SHA-256 held here?",
    openapi_extra=_body_doc(PeerHashMatchQuestion),
)
def answer_hash_match(
    peer: PeerDep, body: PeerBody, uow: UowDep, container: ContainerDep
) -> HashMatchEvidence:
    question = _parsed(PeerHashMatchQuestion, body)
    evidence = hash_match.answer_hash_match(
        uow.session,
        container.settings,
        container.keys,
        peer_id=peer.peer_id,
        peer_name=peer.name,
        sha256=question.sha256,
        nonce=question.nonce,
    )
    uow.commit()
    return evidence


@router.post(
    "/hash-matches",
    response_model=HashMatchAnswer,
    summary="Ask a peer hub whether it holds a document with this canonical SHA-256",
    responses={502: problem_response_doc(502)},
)
def ask_hash_match(
    body: HashMatchQuestion, principal: HashMatcher, container: ContainerDep
) -> dict[str, Any]:
    return hash_match.ask_hash_match(container, principal, peer_name=body.peer, sha256=body.sha256)
