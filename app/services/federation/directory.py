"""This hub's ACTIVE peers, cached per process, so that a check or a registration at a hub with
no peers (most hubs) costs no query for them.

The cache is dropped after every commit that changed a peer in this process (the peer
service raises ``PEERS_CHANGED`` in the transaction, the composition root drops the cache once
it commits). Other processes learn of a change in one of two ways:

- with a shared Redis (replicas behind a load balancer, or a CLI beside the server), each
  change also increments a version there, and each read compares that version with the one
  its cache was loaded under: one Redis GET instead of a database query, and a change made
  anywhere is seen by the next request everywhere;
- without one, or when Redis does not answer, the cache lives at most ``max_age`` seconds,
  which bounds how long another process may still ask a peer that was just suspended.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

import redis
import sqlalchemy as sa
import structlog

from app.storage.models import Peer, PeerStatus
from app.storage.uow import UnitOfWork

log = structlog.get_logger(__name__)

#: Set in a session's info by a transaction that adds, refreshes, suspends or resumes a peer.
PEERS_CHANGED = "federation_peers_changed"
#: The shared version's key in Redis, per hub (its issuer): hubs may share one Redis.
VERSION_KEY = "tradegate:federation:peers-version:{hub}"


def active_peers(uow: UnitOfWork) -> tuple[Peer, ...]:
    """The ACTIVE peers by name, detached from the session that read them."""
    with uow:
        peers = uow.session.scalars(
            sa.select(Peer).where(Peer.status == PeerStatus.ACTIVE).order_by(Peer.name)
        ).all()
        for peer in peers:
            uow.session.expunge(peer)
    return tuple(peers)


class Versions(Protocol):
    """Where processes sharing a database share the peers' version."""

    def current(self) -> int | None:
        """The version now; None if it cannot be read (the caller then reads the database)."""

    def bump(self) -> None: ...


class RedisVersions:
    """The peers' version as one Redis integer, incremented on each change."""

    def __init__(self, url: str, hub: str) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._key = VERSION_KEY.format(hub=hub)

    def current(self) -> int | None:
        try:
            value = self._redis.get(self._key)
        except redis.RedisError as exc:
            log.warning("peer_version_unreadable", error=str(exc))
            return None
        return int(value) if value is not None else 0

    def bump(self) -> None:
        try:
            self._redis.incr(self._key)
        except redis.RedisError as exc:
            # Other processes then see the change when their cache reaches its age limit.
            log.warning("peer_version_not_bumped", error=str(exc))

    def close(self) -> None:
        self._redis.close()


class PeerDirectory:
    """The ACTIVE peers, detached from any session (read only: callers never change them)."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        *,
        versions: Versions | None,
        max_age: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uow = uow
        self._versions = versions
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._peers: tuple[Peer, ...] | None = None
        self._loaded_at = 0.0
        self._version: int | None = None
        #: Counts the changes seen here, so that a load begun before one is not kept.
        self._generation = 0

    def active(self) -> tuple[Peer, ...]:
        # The version is read before the peers: a change committed after this read bumps it
        # after the commit, so the next call sees a newer version and loads again.
        version = self._versions.current() if self._versions is not None else None
        now = self._clock()
        with self._lock:
            if self._fresh(version, now):
                assert self._peers is not None
                return self._peers
            generation = self._generation
        peers = active_peers(self._uow())
        with self._lock:
            if generation == self._generation:
                self._peers, self._loaded_at, self._version = peers, now, version
        return peers

    def _fresh(self, version: int | None, now: float) -> bool:
        if self._peers is None or now - self._loaded_at >= self._max_age:
            return False
        if self._versions is None:
            return True
        return version is not None and version == self._version

    def changed(self) -> None:
        """A change to the peers committed in this process: forget them here, and tell the
        other processes through the shared version."""
        with self._lock:
            self._peers = None
            self._generation += 1
        if self._versions is not None:
            self._versions.bump()
