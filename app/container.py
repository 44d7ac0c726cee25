"""Composition root: wires settings, database, keys and task execution together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

import sqlalchemy as sa
from prometheus_client import CollectorRegistry
from sqlalchemy.orm import Session, sessionmaker

from app.errors import SetupError
from app.security.keys import KeyStore
from app.security.rate_limits import limiter_for
from app.security.throttle import Throttle
from app.security.tokens import VerifiedTokens
from app.services.common.outbox import OUTBOX_PENDING
from app.services.federation.directory import PEERS_CHANGED, PeerDirectory, RedisVersions
from app.services.federation.peer_client import PeerClient
from app.services.hub.identity import establish_identity
from app.settings import Settings
from app.storage.base import utcnow
from app.storage.db import make_engine, make_session_factory
from app.storage.schema import ensure_schema
from app.storage.uow import UnitOfWork, after_commit_when
from app.tasks import load_task_modules
from app.tasks.ledger import install as install_ledger
from app.tasks.notice_metrics import NoticeMetrics
from app.tasks.outbox_metrics import OutboxMetrics
from app.tasks.runner import TaskRunner

if TYPE_CHECKING:
    from celery import Celery

    from app.tasks.celery_app import CeleryPublisher


class Container:
    """Everything a request, a task or a CLI command needs, built once per process."""

    def __init__(
        self,
        settings: Settings,
        *,
        keys: KeyStore | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        #: The time deadlines are judged by (notices, receipts, consent validity); tests move it.
        self.clock = clock
        self.engine: sa.Engine = make_engine(settings.effective_database_url)
        self.session_factory: sessionmaker[Session] = make_session_factory(self.engine)
        try:
            ensure_schema(self.engine)
            self.keys = keys or KeyStore.of(settings)
            self.settings = self._identified(settings)
        except SetupError:
            self.engine.dispose()
            raise
        self.metrics = CollectorRegistry(auto_describe=True)
        self.throttle = Throttle(
            limiter_for(settings.effective_rate_limit_url),
            hold_seconds=settings.rate_limit_hold_seconds,
            hold_per_key=settings.rate_limit_hold_per_key,
        )
        self.peer_client = PeerClient(self.settings, self.keys)
        peer_versions = (
            RedisVersions(settings.effective_rate_limit_url, self.settings.issuer)
            if settings.effective_rate_limit_url
            else None
        )
        self._peer_versions = peer_versions
        self.peer_directory = PeerDirectory(
            self.uow, versions=peer_versions, max_age=settings.federation_peers_cache_seconds
        )
        after_commit_when(self.session_factory, PEERS_CHANGED, self.peer_directory.changed)
        load_task_modules(settings.task_modules)
        self.runner = TaskRunner(self, inline=settings.inline_tasks)
        install_ledger(self)
        # After the ledger's trigger, as before: in inline mode events are sequenced first.
        after_commit_when(self.session_factory, OUTBOX_PENDING, self.runner.kick)
        self.metrics.register(OutboxMetrics(self))
        self.metrics.register(NoticeMetrics(self))

    def _identified(self, settings: Settings) -> Settings:
        """The settings under the identity stored with the hub's data (stored if new)."""
        with self.session_factory() as session:
            identified = establish_identity(session, settings, self.keys)
            session.commit()
        return identified

    @cached_property
    def tokens(self) -> VerifiedTokens:
        """This process's verifier of access tokens, which remembers the ones it verified."""
        return VerifiedTokens(self.keys)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self._tracked_sessions)

    def _tracked_sessions(self) -> Session:
        session = self.session_factory()
        session.info["task_context"] = self
        return session

    @cached_property
    def celery(self) -> Celery:
        from app.tasks.celery_app import make_celery

        return make_celery(self.settings, lambda: self)

    def publisher(self) -> CeleryPublisher:
        from app.tasks.celery_app import CeleryPublisher

        return CeleryPublisher(self.celery, self.settings.celery_queue)

    def close(self) -> None:
        self.runner.stop()
        self.peer_client.close()
        if self._peer_versions is not None:
            self._peer_versions.close()
        self.engine.dispose()


def bootstrap(settings: Settings) -> Container:
    return Container(settings)
