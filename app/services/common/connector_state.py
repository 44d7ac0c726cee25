"""Durable, encrypted per-instance state for stateful connectors, each write committed alone."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.services.common.context import ServiceContext
from app.settings import Settings
from app.storage.base import new_id, utcnow
from app.storage.db import is_postgresql
from app.storage.models import ConnectorStateEntry
from app.storage.uow import UnitOfWork

Clock = Callable[[], datetime]


class StateUnreadableError(RuntimeError):
    """A stored value does not decrypt with any configured key (a key was dropped)."""


def state_cipher(settings: Settings) -> MultiFernet:
    """The configured Fernet keys; outside production, one derived from the session secret."""
    keys = [k.get_secret_value().encode("ascii") for k in settings.connector_state_keys]
    if not keys:
        digest = hashlib.sha256(b"tradegate-connector-state\0" + settings.session_secret.encode())
        keys = [base64.urlsafe_b64encode(digest.digest())]
    return MultiFernet([Fernet(k) for k in keys])


class DatabaseInstanceState:
    """``InstanceState`` on the ``connector_state`` table.

    Each call runs in its own transaction and commits before returning, so a value a
    connector wrote survives the rollback of whatever the connector was doing (a delivery
    attempt) and the death of its worker. Given ``session``, calls run in savepoints of
    that session instead: the SQLite mode, where the delivery attempt holds the only write
    lock and another connection would wait for it for ever.
    """

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        instance_id: uuid.UUID,
        cipher: MultiFernet,
        *,
        session: Session | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self._uow_factory = uow_factory
        self._instance_id = instance_id
        self._cipher = cipher
        self._session = session
        self._clock = clock

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        if self._session is not None:
            with self._session.begin_nested():
                yield self._session
            return
        with self._uow_factory() as uow:
            yield uow.session
            uow.commit()

    def _row(self, key: str) -> sa.ColumnElement[bool]:
        return sa.and_(
            ConnectorStateEntry.instance_id == self._instance_id, ConnectorStateEntry.key == key
        )

    def get(self, key: str) -> str | None:
        with self._transaction() as session:
            stored = session.execute(
                sa.select(ConnectorStateEntry.value).where(self._row(key))
            ).scalar_one_or_none()
        if stored is None:
            return None
        try:
            return self._cipher.decrypt(stored.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise StateUnreadableError(f"state {key!r} does not decrypt") from exc

    def put(self, key: str, value: str) -> None:
        ciphertext = self._cipher.encrypt(value.encode("utf-8")).decode("ascii")
        now = self._clock()
        with self._transaction() as session:
            statement = _insert(session).values(
                id=new_id(),
                instance_id=self._instance_id,
                key=key,
                value=ciphertext,
                updated_at=now,
            )
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=["instance_id", "key"],
                    set_={"value": ciphertext, "updated_at": now},
                )
            )

    def delete(self, key: str) -> None:
        with self._transaction() as session:
            session.execute(sa.delete(ConnectorStateEntry).where(self._row(key)))

    def claim(self, key: str, *, lease_seconds: float) -> bool:
        now = self._clock()
        until = now + timedelta(seconds=lease_seconds)
        with self._transaction() as session:
            inserted = session.execute(
                _insert(session)
                .values(
                    id=new_id(),
                    instance_id=self._instance_id,
                    key=key,
                    claimed_until=until,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=["instance_id", "key"])
                .returning(ConnectorStateEntry.id)
            )
            if inserted.first() is not None:
                return True
            # Under READ COMMITTED the condition is checked again once the row lock is
            # held, so of two replicas taking an expired claim only one updates it.
            taken = session.execute(
                sa.update(ConnectorStateEntry)
                .where(
                    self._row(key),
                    ConnectorStateEntry.completed_at.is_(None),
                    sa.or_(
                        ConnectorStateEntry.claimed_until.is_(None),
                        ConnectorStateEntry.claimed_until <= now,
                    ),
                )
                .values(claimed_until=until, updated_at=now)
                .returning(ConnectorStateEntry.id)
            )
            return taken.first() is not None

    def complete(self, key: str) -> None:
        now = self._clock()
        with self._transaction() as session:
            session.execute(
                sa.update(ConnectorStateEntry)
                .where(self._row(key))
                .values(completed_at=now, claimed_until=None, updated_at=now)
            )

    def release(self, key: str) -> None:
        with self._transaction() as session:
            session.execute(
                sa.update(ConnectorStateEntry)
                .where(self._row(key), ConnectorStateEntry.completed_at.is_(None))
                .values(claimed_until=None, updated_at=self._clock())
            )


def _insert(session: Session) -> postgresql.Insert | sqlite.Insert:
    insert = postgresql.insert if is_postgresql(session) else sqlite.insert
    return insert(ConnectorStateEntry)


def instance_state(ctx: ServiceContext, instance_id: uuid.UUID) -> DatabaseInstanceState:
    """The instance's state, committing each write in a transaction of its own."""
    return DatabaseInstanceState(ctx.uow, instance_id, state_cipher(ctx.settings))


def delivery_state(
    ctx: ServiceContext, session: Session, instance_id: uuid.UUID
) -> DatabaseInstanceState:
    """The instance's state during a delivery attempt that holds ``session`` open.

    PostgreSQL commits each write on its own; SQLite, where the attempt holds the only
    write lock, writes in savepoints of the attempt (a killed worker loses them, which
    the connector must tolerate: embedded mode is single-process).
    """
    bound = None if is_postgresql(session) else session
    return DatabaseInstanceState(ctx.uow, instance_id, state_cipher(ctx.settings), session=bound)
