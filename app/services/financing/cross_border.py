"""A lender's check or registration, answered by this hub and by its peer hubs.

The local answer is computed as before; when the hub has peers, the same document's OPRF
inputs go to every peer at once, each bounded by the federation timeout, and the answers
are added per peer. A peer that does not answer in time is UNAVAILABLE: the lender's
registration still goes ahead (refusing it would let one unreachable hub stop financing at
every other), and the answer says which peers could not be asked.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio.to_thread

from app import errors
from app.domain.fingerprints import Identifier
from app.security.principal import Principal
from app.services.common.context import ServiceContext
from app.services.financing import checks, registrations
from app.services.financing.federation import checking, peer_transport
from app.validation import IntakeError
from app.validation.fingerprints import document_fingerprints
from app.validation.registry import default_registry


@dataclass(frozen=True)
class Peers:
    """The peer hubs to ask, and how this hub reaches them."""

    refs: tuple[checking.PeerRef, ...]
    transport: checking.PeerTransport


def federation_peers(ctx: ServiceContext) -> Peers | None:
    """This hub's ACTIVE peers and the peer client, or None when it has none."""
    refs, transport = peer_transport.active_peers(ctx)
    return Peers(refs, transport) if refs else None


def _identifiers_of(
    ctx: ServiceContext, principal: Principal, document_id: uuid.UUID
) -> tuple[Identifier, ...]:
    """The OPRF inputs of a document the lender may read; none otherwise (the registration
    itself then answers the 404 or 422, under its Idempotency-Key rules)."""
    with ctx.uow() as uow:
        try:
            document = registrations.readable_document(uow.session, principal, document_id)
        except errors.NotFound:
            return ()
        registry = default_registry()
        try:
            found = document_fingerprints(
                document.content, registry.by_id(document.doc_type), (), registry
            )
        except (IntakeError, errors.ProblemError):
            return ()
    return found.identifiers if found is not None else ()


async def _ask(
    ctx: ServiceContext, peers: Peers, identifiers: Sequence[Identifier]
) -> list[checking.PeerAnswer]:
    return await checking.check_peers(
        peers.transport,
        peers.refs,
        identifiers,
        timeout=ctx.settings.federation_financing_timeout_seconds,
    )


def _record(
    ctx: ServiceContext,
    principal: Principal,
    subject: str,
    answers: Sequence[checking.PeerAnswer],
) -> None:
    with ctx.uow() as uow:
        checking.record_check(
            uow.session,
            actor=principal.actor,
            lender_id=principal.participant_id,
            subject=subject,
            check_id=uuid.uuid4(),
            answers=answers,
            report=False,
        )
        uow.commit()


async def check(
    ctx: ServiceContext,
    principal: Principal,
    request: checks.CheckRequest,
    *,
    now: datetime,
    peers: Peers | None,
) -> dict[str, Any]:
    """What registering would answer now, here and at every peer; registers nothing and
    alerts nobody (a check is not a financing), but every hub records it."""
    checked = await anyio.to_thread.run_sync(
        functools.partial(checks.check_locally, ctx, principal, request, now=now)
    )
    return await _check_at_peers(ctx, principal, checked, peers)


def _peers_and_local_check(
    ctx: ServiceContext, principal: Principal, request: checks.CheckRequest, now: datetime
) -> tuple[Peers | None, checks.Checked]:
    return federation_peers(ctx), checks.check_locally(ctx, principal, request, now=now)


async def check_here_and_at_peers(
    ctx: ServiceContext, principal: Principal, request: checks.CheckRequest, *, now: datetime
) -> dict[str, Any]:
    """`check` at this hub's ACTIVE peers: they are looked up in the worker thread that
    checks locally, so a hub without peers answers in one hand-off to a thread (each one is
    a wake-up the scheduler may delay on a busy machine)."""
    peers, checked = await anyio.to_thread.run_sync(
        _peers_and_local_check, ctx, principal, request, now
    )
    return await _check_at_peers(ctx, principal, checked, peers)


async def _check_at_peers(
    ctx: ServiceContext, principal: Principal, checked: checks.Checked, peers: Peers | None
) -> dict[str, Any]:
    if peers is None or not peers.refs:
        return checked.result
    answers = await _ask(ctx, peers, checked.identifiers)
    await anyio.to_thread.run_sync(_record, ctx, principal, checked.subject, answers)
    return {**checked.result, "cross_border": [a.as_dict() for a in answers]}


async def register(
    ctx: ServiceContext,
    principal: Principal,
    request: registrations.FinancingRequest,
    *,
    key: str,
    now: datetime,
    peers: Peers | None,
) -> tuple[int, dict[str, Any]]:
    """Register, with the peers' answers stored in what the lender was told; the matched
    outputs are reported to the peers that hold them (through the outbox) so that their
    lenders are alerted too.

    The Idempotency-Key is claimed before the peers are asked: a retry gets the stored answer
    (or the 409/422 of the key) without asking them again, and without a second check
    recorded at every peer.
    """
    if peers is None or not peers.refs:
        return await anyio.to_thread.run_sync(
            functools.partial(
                registrations.register_once, ctx, principal, request, key=key, now=now
            )
        )
    stored = await anyio.to_thread.run_sync(
        functools.partial(registrations.claim_registration, ctx, principal, request, key=key)
    )
    if stored is not None:
        return stored.status_code, stored.body
    try:
        identifiers = await anyio.to_thread.run_sync(
            _identifiers_of, ctx, principal, request.document_id
        )
        answers = await _ask(ctx, peers, identifiers) if identifiers else []
    except BaseException:
        # Cancelled (the client went away) or failed before registering: free the key now
        # rather than leave the retry a 409 until the claim goes stale.
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(registrations.release_registration, ctx, principal, key)
        raise
    cross_border = registrations.CrossBorder(uuid.uuid4(), tuple(answers))
    return await anyio.to_thread.run_sync(
        functools.partial(
            registrations.complete_registration,
            ctx,
            principal,
            request,
            key=key,
            now=now,
            cross_border=cross_border,
        )
    )


def _peers_or_registered(
    ctx: ServiceContext,
    principal: Principal,
    request: registrations.FinancingRequest,
    key: str,
    now: datetime,
) -> Peers | tuple[int, dict[str, Any]]:
    peers = federation_peers(ctx)
    if peers is None:
        return registrations.register_once(ctx, principal, request, key=key, now=now)
    return peers


async def register_here_and_at_peers(
    ctx: ServiceContext,
    principal: Principal,
    request: registrations.FinancingRequest,
    *,
    key: str,
    now: datetime,
) -> tuple[int, dict[str, Any]]:
    """`register` with this hub's ACTIVE peers: they are looked up in the worker thread
    that registers when there are none, so such a hub registers in one hand-off to a thread
    (each one is a wake-up the scheduler may delay on a busy machine)."""
    found = await anyio.to_thread.run_sync(_peers_or_registered, ctx, principal, request, key, now)
    if isinstance(found, Peers):
        return await register(ctx, principal, request, key=key, now=now, peers=found)
    return found
