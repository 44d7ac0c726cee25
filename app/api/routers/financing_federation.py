"""Hub-to-hub endpoints of the cross-border duplicate-financing check (peers only).

A peer evaluates its blinded inputs under this hub's OPRF key, fetches the buckets its
outputs fall in, and reports the outputs it found; each call is an event here and spends the
calling peer's financing budget.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from app.api.deps import ContainerDep, PeerDep, PeerPrincipal
from app.api.schemas.financing_federation import (
    BucketIn,
    BucketOut,
    EvaluateIn,
    EvaluateOut,
    MatchesIn,
    MatchesOut,
)
from app.container import Container
from app.security.rate_limits import peer_financing_limits
from app.services.financing.federation import serving
from app.storage.base import utcnow

router = APIRouter(prefix="/federation/v1/financing", tags=["federation"])


def _caller(peer: PeerPrincipal) -> serving.Caller:
    return serving.Caller(peer.peer_id, peer.name, peer.jurisdiction)


async def _spend(container: Container, peer: PeerPrincipal, scope: str) -> None:
    await container.throttle.enforce(
        peer_financing_limits(container.settings, scope, str(peer.peer_id))
    )


def _evaluate(container: Container, peer: PeerPrincipal, body: EvaluateIn) -> dict[str, Any]:
    with container.uow() as uow:
        answer = serving.evaluate(
            uow.session,
            _caller(peer),
            body.elements,
            keyring=container.keys.oprf_keyring(),
            bucket_bytes=container.settings.federation_financing_bucket_bytes,
        )
        uow.commit()
    return answer


def _bucket(container: Container, peer: PeerPrincipal, body: BucketIn) -> dict[str, Any]:
    with container.uow() as uow:
        answer = serving.bucket(
            uow.session,
            _caller(peer),
            body.key_id,
            body.prefixes,
            keyring=container.keys.oprf_keyring(),
            bucket_bytes=container.settings.federation_financing_bucket_bytes,
            now=utcnow(),
        )
        uow.commit()
    return answer


def _matches(container: Container, peer: PeerPrincipal, body: MatchesIn) -> dict[str, Any]:
    with container.uow() as uow:
        answer = serving.report_matches(
            uow.session,
            _caller(peer),
            body.key_id,
            body.check_id,
            body.outputs,
            keyring=container.keys.oprf_keyring(),
            now=utcnow(),
        )
        uow.commit()
    return answer


@router.post(
    "/evaluate",
    response_model=EvaluateOut,
    summary="Evaluate blinded elements under this hub's OPRF key (RFC 9497, ristretto255)",
)
async def evaluate(body: EvaluateIn, peer: PeerDep, container: ContainerDep) -> dict[str, Any]:
    """Every element must be a canonical, non-identity ristretto255 encoding, or the whole
    request is a 422 and nothing is recorded."""
    await _spend(container, peer, "financing-evaluate")
    return await run_in_threadpool(_evaluate, container, peer, body)


@router.post(
    "/bucket",
    response_model=BucketOut,
    summary="Open registrations' OPRF outputs starting with each prefix, with counts",
)
async def bucket(body: BucketIn, peer: PeerDep, container: ContainerDep) -> dict[str, Any]:
    """Outputs and counts only: no registration, lender, amount or document."""
    await _spend(container, peer, "financing-bucket")
    return await run_in_threadpool(_bucket, container, peer, body)


@router.post(
    "/matches",
    response_model=MatchesOut,
    summary="Outputs the calling hub matched: this hub alerts its own lenders",
)
async def matches(body: MatchesIn, peer: PeerDep, container: ContainerDep) -> dict[str, Any]:
    """Outputs this hub does not hold are ignored; a repeated check id alerts nobody twice."""
    await _spend(container, peer, "financing-matches")
    return await run_in_threadpool(_matches, container, peer, body)
