"""Annotated dependencies that keep route handlers to a few lines."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from app.container import Container
from app.errors import Forbidden, Unauthorized
from app.security.principal import Principal
from app.security.rate_limits import caller_limits, enforce
from app.security.tokens import InvalidToken
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
        participant_id = uuid.UUID(claims["participant_id"])
    except (InvalidToken, ValueError) as exc:
        raise Unauthorized(f"invalid access token: {exc}", slug="token-invalid") from exc
    principal = Principal(
        participant_id=participant_id,
        client_id=claims["sub"],
        scopes=frozenset(claims.get("scope", "").split()),
        roles=frozenset(r for r in claims.get("roles", []) if isinstance(r, str)),
    )
    await enforce(
        container.rate_limiter,
        caller_limits(settings, principal.client_id, str(principal.participant_id)),
    )
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
