"""The peer client as the cross-border check's transport, and the peers it asks."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from app import errors
from app.services.common.context import PeerCaller, ServiceContext
from app.services.financing.federation.checking import PeerRef, PeerRefused, PeerUnavailable
from app.storage.models import Peer
from app.storage.models.federation import PeerStatus


class PeerClientTransport:
    """JSON POSTs through the hub's peer client (a fresh assertion per call)."""

    def __init__(self, client: PeerCaller, peers: Mapping[uuid.UUID, Peer]) -> None:
        self._client = client
        self._peers = dict(peers)

    def post(self, peer: PeerRef, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._client.request(self._peers[peer.peer_id], "POST", path, json=body)
        except errors.ProblemError as exc:
            raise PeerUnavailable(f"{peer.name}: {exc.detail}") from exc
        if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
            raise PeerRefused(f"{peer.name} refused {path}: {response.status_code}")
        if response.status_code != 200:
            raise PeerUnavailable(f"{peer.name} answered {path} with {response.status_code}")
        try:
            answer = response.json()
        except ValueError as exc:
            raise PeerUnavailable(f"{peer.name} answered {path} with no JSON") from exc
        if not isinstance(answer, dict):
            raise PeerUnavailable(f"{peer.name} answered {path} with no JSON object")
        return answer


def ref(peer: Peer) -> PeerRef:
    return PeerRef(peer.id, peer.name, peer.jurisdiction)


def active_peers(ctx: ServiceContext) -> tuple[tuple[PeerRef, ...], PeerClientTransport]:
    """This hub's ACTIVE peers (read now: a suspension takes effect at the next check)."""
    with ctx.uow() as uow:
        peers = uow.session.scalars(
            sa.select(Peer).where(Peer.status == PeerStatus.ACTIVE).order_by(Peer.name)
        ).all()
        for peer in peers:
            uow.session.expunge(peer)
    return tuple(ref(p) for p in peers), PeerClientTransport(
        ctx.peer_client, {p.id: p for p in peers}
    )
