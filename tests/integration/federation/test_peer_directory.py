"""The active peers are read once, not per check: a hub without peers spends no query on them;
a change committed here is seen at once, one made by another process at once through the
shared Redis version, and without Redis once the cache's age limit has passed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from app.container import Container
from app.services.federation.directory import PeerDirectory, RedisVersions
from app.services.federation.peers import resume_peer, suspend_peer
from app.services.financing import cross_border
from bench.support import REDIS_URL
from tests.federation_hubs import store_peer

pytestmark = pytest.mark.integration


@contextmanager
def _statements(engine: sa.Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def _suspend(container: Container) -> None:
    with container.uow() as uow:
        suspend_peer(uow.session, "hub-b", reason="audit", actor="test")
        uow.commit()


def _names(directory: PeerDirectory) -> list[str]:
    return [p.name for p in directory.active()]


def test_a_hub_without_peers_spends_no_query_on_them_per_check(container) -> None:  # noqa: ANN001
    assert cross_border.federation_peers(container) is None
    with _statements(container.engine) as statements:
        for _ in range(20):
            assert cross_border.federation_peers(container) is None
    assert statements == []


def test_a_change_committed_in_this_process_is_seen_by_the_next_check(container) -> None:  # noqa: ANN001
    store_peer(container)
    assert _names(container.peer_directory) == ["hub-b"]
    _suspend(container)
    assert _names(container.peer_directory) == []
    with container.uow() as uow:
        resume_peer(uow.session, "hub-b", actor="test")
        uow.rollback()  # not committed: nothing changed
    assert _names(container.peer_directory) == []
    with container.uow() as uow:
        resume_peer(uow.session, "hub-b", actor="test")
        uow.commit()
    assert _names(container.peer_directory) == ["hub-b"]


def test_another_process_sees_a_change_at_once_through_the_shared_version(settings) -> None:  # noqa: ANN001
    shared = settings.model_copy(
        update={"rate_limit_redis_url": REDIS_URL, "issuer": f"http://hub-{uuid.uuid4().hex}"}
    )
    here, there = Container(shared), Container(shared)
    try:
        store_peer(here)
        assert _names(there.peer_directory) == ["hub-b"]
        with _statements(there.engine) as statements:
            assert _names(there.peer_directory) == ["hub-b"]
        assert statements == []  # one Redis GET, no query
        _suspend(here)
        assert _names(there.peer_directory) == []
    finally:
        here.close()
        there.close()


def test_without_redis_another_process_s_change_is_seen_once_the_cache_is_old(container) -> None:  # noqa: ANN001
    now = [0.0]
    elsewhere = PeerDirectory(container.uow, versions=None, max_age=5, clock=lambda: now[0])
    store_peer(container)
    assert _names(elsewhere) == ["hub-b"]
    _suspend(container)  # committed by "another process": this directory hears nothing
    now[0] = 4.9
    assert _names(elsewhere) == ["hub-b"]
    now[0] = 5.0
    assert _names(elsewhere) == []


def test_an_unreachable_redis_means_reading_the_database_not_a_stale_list(container) -> None:  # noqa: ANN001
    versions = RedisVersions("redis://127.0.0.1:1/0", "http://testserver")
    directory = PeerDirectory(container.uow, versions=versions, max_age=60)
    try:
        store_peer(container)
        assert _names(directory) == ["hub-b"]
        _suspend(container)
        assert _names(directory) == []
    finally:
        versions.close()
