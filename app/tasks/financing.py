"""Periodic financing housekeeping (expiry), and match reports to peer hubs."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import structlog
from sqlalchemy.orm import Session

from app.services.financing.federation import checking, peer_transport
from app.services.financing.transitions import expire_due, purge_probes
from app.storage.base import utcnow
from app.storage.models import OutboxMessage, Peer
from app.storage.models.federation import PeerStatus
from app.tasks.registry import on_outbox, periodic, task_context

if TYPE_CHECKING:
    from app.tasks.context import TaskContext

log = structlog.get_logger(__name__)


@periodic("financing.expire", seconds=60)
def expire_registrations(ctx: TaskContext) -> None:
    """Matching already ignores them past expiry; this records EXPIRED and forgets old probes."""
    with ctx.uow() as uow:
        now = utcnow()
        expire_due(uow.session, now)
        purge_probes(uow.session, now)
        uow.commit()


@on_outbox(checking.REPORT_TOPIC)
def report_cross_border_matches(session: Session, message: OutboxMessage) -> None:
    """Tell a peer hub which of its outputs a registration here matched, so it alerts its
    lenders; an unreachable peer raises (the message is retried), a suspended or removed
    one is skipped."""
    peer = session.get(Peer, uuid.UUID(message.payload["peer_id"]))
    if peer is None or peer.status != PeerStatus.ACTIVE:
        log.info("federation_financing_report_skipped", peer_id=message.payload["peer_id"])
        return
    transport = peer_transport.PeerClientTransport(
        task_context(session).peer_client, {peer.id: peer}
    )
    checking.send_report(transport, peer_transport.ref(peer), dict(message.payload))
