"""Pooled PostgreSQL connections: idle ones are checked at checkout, lost ones give 503."""

import time

import psycopg
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.problems import install_problem_handlers
from app.storage import db
from bench.support import PG_ADMIN_URL

pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("backend", ["postgresql"], indirect=True),
]


def _terminate(backend_pid: int) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def test_an_idle_dead_connection_is_replaced_before_use(database_url, monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = db.make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        dead = _backend_pid(engine)
        _terminate(dead)
        assert _backend_pid(engine) != dead  # pinged, discarded, reconnected: no error
    finally:
        engine.dispose()


def test_only_a_connection_idle_past_the_window_is_pinged(database_url, monkeypatch):
    engine = db.make_engine(database_url, pool_size=1, max_overflow=0)
    pings: list[object] = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(
        engine.dialect, "do_ping", lambda conn: pings.append(conn) or real_ping(conn)
    )
    try:
        _backend_pid(engine)
        _backend_pid(engine)  # back in the pool a moment ago: no ping
        assert pings == []
        time.sleep(db.PING_AFTER_IDLE_SECONDS + 0.1)
        _backend_pid(engine)
        assert len(pings) == 1
    finally:
        engine.dispose()


def test_a_connection_lost_inside_the_window_is_a_503_then_the_pool_recovers(database_url):
    engine = db.make_engine(database_url, pool_size=1, max_overflow=0)
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/pid")
    def pid() -> int:
        return _backend_pid(engine)

    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            _terminate(client.get("/pid").json())
            lost = client.get("/pid")
            recovered = client.get("/pid")
    finally:
        engine.dispose()
    assert lost.status_code == 503
    assert lost.headers["content-type"] == "application/problem+json"
    assert lost.headers["retry-after"] == "1"
    assert lost.json()["type"] == "/problems/database-unavailable"
    assert recovered.status_code == 200
