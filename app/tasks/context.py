"""What tasks receive from the process that runs them, so they never import the container."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Protocol

from app.services.common.context import ServiceContext

if TYPE_CHECKING:
    from celery import Celery
    from prometheus_client import CollectorRegistry
    from sqlalchemy.orm import Session, sessionmaker


class Publisher(Protocol):
    def publish(self, message_id: uuid.UUID, topic: str) -> None: ...


class Sweeper(Protocol):
    def sweep(self) -> None: ...


class TaskContext(ServiceContext, Protocol):
    """Settings, keys and units of work, plus the broker, the metrics and the outbox runner."""

    @property
    def session_factory(self) -> sessionmaker[Session]: ...

    @property
    def metrics(self) -> CollectorRegistry: ...

    @property
    def runner(self) -> Sweeper: ...

    @property
    def celery(self) -> Celery: ...

    def publisher(self) -> Publisher: ...
