"""Unit of work: the only place a transaction is committed, and what runs after a commit."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

log = structlog.get_logger(__name__)


class UnitOfWork:
    """`with uow: ...; uow.commit()`; leaving the block without commit rolls back."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory
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
        self.session.commit()

    def statements_commit_alone(self) -> None:
        """On PostgreSQL, run this unit's statements outside a transaction, each committing by
        itself: no BEGIN and COMMIT round trips. Only for a unit whose writes are a single
        statement (reads, then one insert); call it before the first statement. `commit()`
        still runs the after-commit actions. SQLite keeps its transaction (no round trips).
        """
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

    def rollback(self) -> None:
        self.session.rollback()


def after_commit_when(
    factory: sessionmaker[Session], flag: str, action: Callable[[], None]
) -> None:
    """Run `action` after each commit of a transaction that set `flag` in its session's info.

    Writers raise the flag in the transaction that needs a follow-up (outbox rows to publish,
    events to sequence); the action runs once the data is durable, which is when tasks may
    start (a task must never see data that could still roll back). A transaction that ends
    any other way drops the flag; rolling back a savepoint does not. A failing action leaves
    the commit standing: it is logged, and the periodic jobs catch up.
    """

    def fire(session: Session) -> None:
        # Releasing a savepoint is reported as a commit too, but nothing is durable until
        # the outermost transaction commits: the flag waits for that one.
        if session.in_nested_transaction():
            return
        if session.info.pop(flag, False):
            try:
                action()
            except Exception:
                log.exception("after_commit_action_failed", flag=flag)

    def drop(session: Session, transaction: SessionTransaction, *_: Any) -> None:
        if transaction.parent is None:
            session.info.pop(flag, None)

    sa.event.listen(factory, "after_commit", fire)
    sa.event.listen(factory, "after_transaction_end", drop)
