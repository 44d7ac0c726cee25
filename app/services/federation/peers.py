"""Peering: add a hub pinned by its log key, suspend and resume it, find it, spend assertions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound, Unprocessable
from app.security.tokens import CLOCK_SKEW_SECONDS
from app.services.common.events import record_event
from app.services.federation.metadata import MetadataRefused, open_metadata
from app.services.federation.peer_client import PeerClient, check_peer_url
from app.services.witness.witnessing import add_witnessed_log
from app.settings import Settings
from app.storage.base import utcnow
from app.storage.db import is_postgresql
from app.storage.models import Peer, PeerAssertion, PeerStatus

#: Names are used in paths and commands: the same rule as TRADEGATE_HUB_NAME.
PEER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


def _event(session: Session, peer: Peer, kind: str, actor: str, **payload: Any) -> None:
    record_event(
        session,
        kind=kind,
        actor=actor,
        subject=f"peer:{peer.id}",
        payload={"peer": peer.name, "issuer": peer.issuer, **payload},
    )


def add_peer(
    session: Session,
    settings: Settings,
    client: PeerClient,
    *,
    url: str,
    pin: str,
    actor: str,
) -> Peer:
    """Fetch the metadata of the hub at ``url``, verify it against ``pin``, and store the peer.

    The pin (the peer's log verifier key, exchanged out of band) is the only trust input:
    name, jurisdiction, issuer and JWKS come from metadata signed by that key. The peer's
    log is registered for witnessing under the same pin.
    """
    base_url = check_peer_url(url, settings)
    fields, note = open_metadata(client.fetch_metadata(base_url), pin.strip())
    if not isinstance(fields["name"], str) or not PEER_NAME.fullmatch(fields["name"]):
        raise MetadataRefused(f"the hub at {base_url} has an unusable name {fields['name']!r:.60}")
    if fields["jurisdiction"] is None:
        raise MetadataRefused(
            f"the hub at {base_url} declares no jurisdiction: its operator sets "
            "TRADEGATE_JURISDICTION"
        )
    if (
        fields["issuer"] == settings.issuer
        or fields["log_origin"] == settings.effective_ledger_origin
    ):
        raise Unprocessable("a hub cannot peer with itself", slug="peer-is-self")
    for column, value in ((Peer.name, fields["name"]), (Peer.issuer, fields["issuer"])):
        if session.execute(sa.select(Peer.id).where(column == value)).first() is not None:
            raise Conflict(
                f"a peer with {column.key} {value} is already registered", slug="peer-exists"
            )
    peer = Peer(
        name=fields["name"],
        issuer=fields["issuer"],
        base_url=base_url,
        jurisdiction=fields["jurisdiction"],
        log_origin=fields["log_origin"],
        log_key=fields["log_key"],
        jwks=fields["jwks"],
        api_base=fields["peer_api_base"],
        witness_endpoint=_optional(fields.get("witness_endpoint")),
        metadata_note=note,
        status=PeerStatus.ACTIVE,
    )
    session.add(peer)
    session.flush()
    # Peers witness each other: this hub now cosigns the peer's checkpoints.
    add_witnessed_log(session, peer.log_origin, peer.log_key)
    _event(
        session,
        peer,
        "federation.peer.added",
        actor,
        jurisdiction=peer.jurisdiction,
        log_origin=peer.log_origin,
        log_key=peer.log_key,
        base_url=base_url,
    )
    return peer


def refresh_peer(
    session: Session, settings: Settings, client: PeerClient, name: str, *, actor: str
) -> Peer:
    """Fetch a peer's metadata again, verified against the key pinned when it was added.

    This is how a peer's rotated ES256 key becomes known here; the pin itself never changes
    this way (a new log key is a new peer, added by an operator). A hub whose signed metadata
    now names another hub, issuer or jurisdiction is refused.
    """
    peer = get_peer(session, name)
    fields, note = open_metadata(client.fetch_metadata(peer.base_url), peer.log_key)
    said = (fields["name"], fields["issuer"], fields["jurisdiction"])
    if said != (peer.name, peer.issuer, peer.jurisdiction):
        raise MetadataRefused(
            f"the hub at {peer.base_url} now calls itself {said[0]} ({said[1]}, {said[2]}), "
            f"not {peer.name} ({peer.issuer}, {peer.jurisdiction}): suspend it and add it anew"
        )
    peer.jwks = fields["jwks"]
    peer.api_base = fields["peer_api_base"]
    peer.witness_endpoint = _optional(fields.get("witness_endpoint"))
    peer.metadata_note = note
    peer.updated_at = utcnow()
    kids = sorted(str(k.get("kid")) for k in fields["jwks"]["keys"] if isinstance(k, dict))
    _event(session, peer, "federation.peer.refreshed", actor, kids=kids)
    session.flush()
    return peer


def _optional(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def list_peers(session: Session) -> Sequence[Peer]:
    return session.execute(sa.select(Peer).order_by(Peer.name)).scalars().all()


def get_peer(session: Session, name: str) -> Peer:
    """The peer named ``name``, whatever its status; 404 otherwise."""
    peer = session.execute(sa.select(Peer).where(Peer.name == name)).scalar_one_or_none()
    if peer is None:
        raise NotFound(f"no peer hub named {name}", slug="peer-not-found")
    return peer


def active_peer(session: Session, name: str) -> Peer:
    """The peer named ``name`` if this hub still talks to it: 404 if unknown, 409 if suspended."""
    peer = get_peer(session, name)
    if peer.status != PeerStatus.ACTIVE:
        raise Conflict(f"peer hub {name} is suspended", slug="peer-suspended")
    return peer


def suspend_peer(session: Session, name: str, *, reason: str, actor: str) -> Peer:
    """Stop calling the peer and refuse its calls, until resumed."""
    peer = get_peer(session, name)
    if peer.status == PeerStatus.SUSPENDED:
        raise Conflict(f"peer hub {name} is already suspended", slug="peer-suspended")
    peer.status = PeerStatus.SUSPENDED
    peer.status_reason = reason or None
    peer.updated_at = utcnow()
    _event(session, peer, "federation.peer.suspended", actor, reason=reason)
    session.flush()
    return peer


def resume_peer(session: Session, name: str, *, actor: str) -> Peer:
    peer = get_peer(session, name)
    if peer.status == PeerStatus.ACTIVE:
        raise Conflict(f"peer hub {name} is not suspended", slug="peer-active")
    peer.status = PeerStatus.ACTIVE
    peer.status_reason = None
    peer.updated_at = utcnow()
    _event(session, peer, "federation.peer.resumed", actor)
    session.flush()
    return peer


def peer_by_issuer(session: Session, issuer: str) -> Peer | None:
    return session.execute(sa.select(Peer).where(Peer.issuer == issuer)).scalar_one_or_none()


def spend_assertion(session: Session, peer_id: Any, jti: str, expires: int) -> bool:
    """Record an assertion id as used; False when it was used before (a replay).

    One insert that does nothing on conflict: of two replicas seeing the same assertion at
    once, exactly one inserts it. Expired ids are cleared on the way, since an expired
    assertion is refused on its ``exp`` alone (kept for the clock skew allowed past it).
    """
    now = datetime.now(UTC)
    expires += CLOCK_SKEW_SECONDS
    session.execute(sa.delete(PeerAssertion).where(PeerAssertion.expires_at < now))
    insert = postgresql.insert if is_postgresql(session) else sqlite.insert
    inserted = session.execute(
        insert(PeerAssertion)
        .values(peer_id=peer_id, jti=jti, expires_at=datetime.fromtimestamp(expires, UTC))
        .on_conflict_do_nothing(index_elements=["peer_id", "jti"])
        .returning(PeerAssertion.jti)
    ).first()
    return inserted is not None
