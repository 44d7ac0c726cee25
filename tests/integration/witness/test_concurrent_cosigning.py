"""Replicas racing on one PostgreSQL database never cosign two trees at one size."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from app.container import Container
from app.errors import ProblemError
from app.services.witness import witnessing
from app.settings import Settings
from app.storage.models import WitnessedLog
from tests.clock import FakeClock
from tests.integration.witness.logs import StandInLog

pytestmark = pytest.mark.integration

REPLICAS = 3
FORKS = 6
ROUNDS = 4


@pytest.fixture
def replicas(settings: Settings, container: Container) -> Iterator[list[Container]]:
    """Containers with engines of their own, like API replicas sharing the database."""
    others = [Container(settings, clock=FakeClock()) for _ in range(REPLICAS - 1)]
    yield [container, *others]
    for other in others:
        other.close()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_racing_forks_get_exactly_one_tree_cosigned_per_size(replicas):
    log = StandInLog()
    with replicas[0].uow() as uow:
        witnessing.add_witnessed_log(uow.session, log.origin, log.vkey)
        uow.commit()
    witnessing.add_checkpoint(replicas[0], log.request(0, 4))
    old = 4
    for round_ in range(ROUNDS):
        size = old + 4
        # Every fork keeps the cosigned prefix, so each proof verifies on its own.
        bodies = [
            log.request(old, size, fork_at=old, tag=f"r{round_}f{fork}") for fork in range(FORKS)
        ]
        barrier = threading.Barrier(len(bodies))
        outcomes: list[tuple[int, object]] = []
        lock = threading.Lock()

        def submit(index: int, body: bytes) -> None:
            barrier.wait()
            try:
                result: object = witnessing.add_checkpoint(replicas[index % REPLICAS], body)
            except ProblemError as exc:
                result = exc
            with lock:
                outcomes.append((index, result))

        threads = [threading.Thread(target=submit, args=(i, body)) for i, body in enumerate(bodies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cosigned = [i for i, result in outcomes if isinstance(result, str)]
        refused = [result for _, result in outcomes if not isinstance(result, str)]
        assert len(cosigned) == 1, outcomes
        assert all(isinstance(r, witnessing.StaleSize) and r.latest_size == size for r in refused)
        (winner,) = cosigned
        with replicas[0].uow() as uow:
            row = uow.session.get(WitnessedLog, log.origin)
            assert row is not None
            expected = log.checkpoint(size, fork_at=old, tag=f"r{round_}f{winner}")
            assert (row.size, row.root_hash) == (size, expected.root_hash)
        # The winning history is now the log's: later rounds fork from it.
        log = _adopt(log, old, f"r{round_}f{winner}")
        old = size


def _adopt(log: StandInLog, fork_at: int, tag: str) -> StandInLog:
    """The same log key, continuing the history that won (leaves from fork_at on use tag)."""
    previous = log

    class Adopted(StandInLog):
        def leaves(self, size: int, fork_at: int | None = None, tag: str = "b") -> list[bytes]:
            base = previous.leaves(size, fork_at=won_at, tag=won_tag)
            if fork_at is None:
                return base
            return base[:fork_at] + StandInLog.leaves(self, size, fork_at, tag)[fork_at:]

    won_at, won_tag = fork_at, tag
    return Adopted(origin=log.origin, key=log.key)
