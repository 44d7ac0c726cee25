"""Engine and session factory for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.errors import SetupError
from app.storage import pipelining

#: A pooled connection idle for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 1.0
_IDLE_SINCE = "tradegate.idle_since"


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """Create an engine; SQLite gets WAL, foreign keys and writer-serialising transactions."""
    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except sa.exc.ArgumentError as exc:
        raise SetupError(f"the database URL is not usable (TRADEGATE_DATABASE_URL): {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    # Hand out the most recently used connection: it needs no ping, and the rest may idle.
    kwargs.setdefault("pool_use_lifo", True)
    engine = sa.create_engine(url, **kwargs)
    _ping_idle_connections(engine, PING_AFTER_IDLE_SECONDS)
    pipelining.install(engine)
    return engine


def _ping_idle_connections(engine: sa.Engine, idle_seconds: float) -> None:
    """Check a pooled connection's liveness at checkout only when it has sat idle a while.

    `pool_pre_ping` would cost every request a round trip; a connection that went back to
    the pool a moment ago is alive (the idea of HikariCP's alive-bypass window). A dead
    one is discarded and replaced before the caller sees it; a connection lost inside the
    window fails one request with 503 (see `app.api.problems`), and SQLAlchemy then
    refreshes the whole pool.
    """

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop(_IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool discards this connection and hands out a fresh one instead.
            raise sa.exc.DisconnectionError("pooled connection is dead") from exc


def _configure_sqlite(engine: sa.Engine) -> None:
    # pysqlite's deferred BEGIN upgrades read locks to write locks lazily, which fails
    # with "database is locked" under concurrency; BEGIN IMMEDIATE queues writers instead.
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=True)


def is_postgresql(session_or_engine: Session | sa.Engine) -> bool:
    bind = (
        session_or_engine.get_bind()
        if isinstance(session_or_engine, Session)
        else session_or_engine
    )
    return bind.dialect.name == "postgresql"
