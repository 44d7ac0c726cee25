"""Federation: this hub's signed metadata, peering (admin), and the hub-to-hub API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from app.api.deps import ContainerDep, PeerDep, UowDep, require_any_scope, require_scopes
from app.api.openapi import problem_response_doc
from app.api.schemas.federation import PeerCreate, PeerGreeting, PeerRead, PeerSuspend
from app.security.principal import Principal
from app.services.federation import peers as svc
from app.services.federation.metadata import WELL_KNOWN_PATH, signed_metadata

well_known = APIRouter(tags=["federation"])
router = APIRouter(prefix="/v1/federation", tags=["federation"])
peer_api = APIRouter(prefix="/federation/v1", tags=["federation (hub to hub)"])

FederationAdmin = Annotated[Principal, Depends(require_scopes("federation:admin"))]
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


@peer_api.get("/hello", response_model=PeerGreeting, summary="Who this hub takes the caller for")
def hello(peer: PeerDep, container: ContainerDep) -> PeerGreeting:
    settings = container.settings
    return PeerGreeting(
        hub=settings.effective_hub_name,
        jurisdiction=settings.jurisdiction,
        caller=peer.name,
        caller_jurisdiction=peer.jurisdiction,
    )
