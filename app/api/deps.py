"""Annotated dependencies that keep route handlers to a few lines."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from app.container import Container
from app.errors import Forbidden, Unauthorized
from app.security.peer_tokens import (
    peer_audience,
    unverified_issuer,
    verify_peer_assertion,
)
from app.security.principal import Principal
from app.security.rate_limits import caller_limits, peer_limits
from app.security.tokens import InvalidToken
from app.services.federation.peers import peer_by_issuer, spend_assertion
from app.storage.models import PeerStatus
from app.storage.uow import UnitOfWork


# Dependencies that do no blocking I/O are `async`: FastAPI runs a sync dependency in the
# thread pool, and each such hop cost more than the dependency's own work on every request.
async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_uow(container: ContainerDep) -> Iterator[UnitOfWork]:
    with container.uow() as uow:
        yield uow


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


async def get_principal(request: Request, container: ContainerDep) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a Bearer access token is required", slug="token-missing")
    settings = container.settings
    try:
        claims = container.tokens.verify(
            token.strip(), issuer=settings.issuer, audience=settings.audience
        )
        principal = Principal.of_token(claims)
    except (InvalidToken, ValueError) as exc:
        raise Unauthorized(f"invalid access token: {exc}", slug="token-invalid") from exc
    await container.throttle.enforce(caller_limits(settings, principal))
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


@dataclass(frozen=True)
class ScopeCheck:
    """Admits a caller holding every one of `scopes`, or at least one when `any_of`.

    A class rather than a closure so the OpenAPI document can read the scopes it requires.
    """

    scopes: tuple[str, ...]
    any_of: bool = False

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        wanted = set(self.scopes)
        held = wanted & principal.scopes
        if (self.any_of and held) or (not self.any_of and held == wanted):
            return principal
        missing = sorted(wanted) if self.any_of else sorted(wanted - principal.scopes)
        words = "one of the scopes" if self.any_of else "scope"
        raise Forbidden(
            f"token lacks {words} {' '.join(missing)}",
            slug="insufficient-scope",
            required=sorted(wanted),
        )


def require_scopes(*scopes: str) -> ScopeCheck:
    """A dependency that admits a caller holding every one of `scopes`."""
    return ScopeCheck(scopes)


def require_any_scope(*scopes: str) -> ScopeCheck:
    """A dependency that admits a caller holding at least one of `scopes`."""
    return ScopeCheck(scopes, any_of=True)


AdminPrincipal = Annotated[Principal, Depends(require_scopes("admin"))]


@dataclass(frozen=True)
class PeerPrincipal:
    """The hub calling a hub-to-hub endpoint, as verified against the keys pinned for it."""

    peer_id: uuid.UUID
    name: str
    jurisdiction: str


def _admit(container: Container, token: str, issuer: str, request: Request) -> PeerPrincipal:
    """Verify the assertion against the peer's pinned keys and spend it, in one transaction.

    The spent ``jti`` is committed before the call is served: it stays spent whatever the
    call then does, and every replica sees it spent.
    """
    with container.uow() as uow:
        peer = peer_by_issuer(uow.session, issuer)
        if peer is None:
            raise Unauthorized(f"{issuer[:200]} is not a peer of this hub", slug="peer-unknown")
        try:
            claims = verify_peer_assertion(
                token,
                dict(peer.jwks),
                issuer=peer.issuer,
                audience=peer_audience(container.settings.issuer),
                method=request.method,
                path=request.url.path,
            )
        except InvalidToken as exc:
            raise Unauthorized(
                f"invalid peer assertion: {exc}", slug="peer-assertion-invalid"
            ) from exc
        if peer.status != PeerStatus.ACTIVE:
            raise Forbidden(f"peer hub {peer.name} is suspended here", slug="peer-suspended")
        if not spend_assertion(uow.session, peer.id, claims.jti, claims.expires):
            raise Unauthorized(
                "the peer assertion was already used", slug="peer-assertion-replayed"
            )
        uow.commit()
        return PeerPrincipal(peer_id=peer.id, name=peer.name, jurisdiction=peer.jurisdiction)


async def require_peer(request: Request, container: ContainerDep) -> PeerPrincipal:
    """Admit a peer hub whose per-call assertion verifies against its pinned JWKS.

    Refused: no assertion, an unknown hub, a bad signature or binding, an assertion seen
    before (401); a suspended peer (403); a peer over its rate (429, charged once the
    assertion verified, so no stranger can spend a peer's budget).
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(
            "a peer assertion (Bearer JWT) is required", slug="peer-assertion-missing"
        )
    try:
        issuer = unverified_issuer(token)
    except InvalidToken as exc:
        raise Unauthorized(f"invalid peer assertion: {exc}", slug="peer-assertion-invalid") from exc
    principal = await run_in_threadpool(_admit, container, token, issuer, request)
    await container.throttle.enforce(peer_limits(container.settings, str(principal.peer_id)))
    request.state.peer = principal
    return principal


PeerDep = Annotated[PeerPrincipal, Depends(require_peer)]
