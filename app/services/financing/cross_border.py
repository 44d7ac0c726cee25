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
    lenders are alerted too."""
    cross_border = None
    if peers is not None and peers.refs:
        identifiers = await anyio.to_thread.run_sync(
            _identifiers_of, ctx, principal, request.document_id
        )
        answers = await _ask(ctx, peers, identifiers) if identifiers else []
        cross_border = registrations.CrossBorder(uuid.uuid4(), tuple(answers))
    return await anyio.to_thread.run_sync(
        functools.partial(
            registrations.register_once,
            ctx,
            principal,
            request,
            key=key,
            now=now,
            cross_border=cross_border,
        )
    )
