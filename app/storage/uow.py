"""Unit of work: the only place a transaction is committed."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

import structlog
from sqlalchemy.orm import Session

log = structlog.get_logger(__name__)

OUTBOX_PENDING = "tradegate.outbox_pending"


class UnitOfWork:
    """`with uow: ...; uow.commit()`; leaving the block without commit rolls back.

    When the transaction wrote outbox rows, `on_outbox` runs once the data is durable, which
    is when tasks may be started (a task must never see data that could still roll back).
    """

    def __init__(
        self,
        session_factory: Callable[[], Session],
        on_outbox: Callable[[], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._on_outbox = on_outbox
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back anything uncommitted without expiring loaded objects, so
        # results stay readable (detached) after the block.
        self.session.close()
        self._session = None

    def commit(self) -> None:
        session = self.session
        outbox_pending = session.info.pop(OUTBOX_PENDING, False)
        session.commit()
        if outbox_pending and self._on_outbox is not None:
            try:
                self._on_outbox()
            except Exception:  # the commit stands; the beat sweep publishes the rows later
                log.exception("outbox_kick_failed")

    def rollback(self) -> None:
        self.session.info.pop(OUTBOX_PENDING, None)
        self.session.rollback()
