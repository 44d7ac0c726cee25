"""Shared fixtures: private databases per run, a container per test, authenticated clients."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.container import Container
from app.main import create_app
from app.security.tokens import issue_access_token
from app.services.participants.service import add_client, create_participant, default_scopes
from app.settings import Settings, get_settings
from app.storage.base import Base
from app.storage.migrate import upgrade
from app.storage.models import Participant
from bench.support import PG_ADMIN_URL, REDIS_URL
from tests.clock import FakeClock
from tests.support import REFERENCE

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def service_missing(what: str, exc: BaseException) -> None:
    """Skip on a developer machine; fail in CI, where every service must be present."""
    message = f"{what} unavailable: {exc}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def reference() -> Path:
    """The reference standards folder; its absence fails the tests that need it."""
    assert REFERENCE.is_dir(), f"reference standards not found at {REFERENCE}"
    return REFERENCE


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A private PostgreSQL database for this test run, migrated to head, dropped after."""
    name = f"tg_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        service_missing("PostgreSQL", exc)
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    upgrade(url)
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for every test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "tradegate.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        service_missing("Redis", exc)
    return REDIS_URL


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The storage backend; storage tests parametrize it with `both_backends`."""
    return str(request.param)


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        # Triggers (append-only tables) are bypassed for the reset only.
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text(f"TRUNCATE {tables} CASCADE"))
        conn.execute(
            sa.text("INSERT INTO event_chain_head (id, seq, hash) VALUES (1, 0, :h)"),
            {"h": "0" * 64},
        )
    engine.dispose()


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if backend == "postgresql":
        url: str = request.getfixturevalue("pg_server_url")
        _reset_postgres(url)
        yield url
        return
    path = tmp_path / "tradegate.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    yield f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        inline_tasks=True,
        embedded_scheduler=False,
        log_level="WARNING",
        issuer="http://testserver",
    )


@pytest.fixture
def clock() -> FakeClock:
    """The hub's clock in tests: real time until a test moves it forward."""
    return FakeClock()


@pytest.fixture
def container(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    c = Container(settings, clock=clock)
    yield c
    c.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container=container), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def make_participant(container: Container) -> Callable[..., Participant]:
    def make(
        name: str = "Acme",
        roles: tuple[str, ...] = ("provider",),
        identifiers: tuple[str, ...] = (),
    ) -> Participant:
        with container.uow() as uow:
            p = create_participant(
                uow.session,
                name=f"{name} {uuid.uuid4().hex[:6]}",
                roles=roles,
                identifiers=identifiers,
            )
            uow.commit()
        with container.uow() as uow:
            from app.services.participants.service import get_participant

            return get_participant(uow.session, p.id)

    return make


@pytest.fixture
def make_client(container: Container) -> Callable[..., tuple[str, str]]:
    """An API client with a secret, for tests of the token endpoint itself."""

    def make(participant: Participant, **kwargs: Any) -> tuple[str, str]:
        with container.uow() as uow:
            new = add_client(uow.session, participant, name="test", **kwargs)
            uow.commit()
        return new.client.client_id, new.secret or ""

    return make


@pytest.fixture
def auth_headers(container: Container) -> Callable[..., dict[str, str]]:
    """Bearer headers for a participant, minted with the hub's key like the token endpoint."""

    def make(participant: Participant, scopes: set[str] | None = None) -> dict[str, str]:
        issued = issue_access_token(
            container.keys,
            issuer=container.settings.issuer,
            audience=container.settings.audience,
            ttl=300,
            client_id=f"test-{participant.id}",
            participant_id=str(participant.id),
            scopes=sorted(scopes if scopes is not None else default_scopes(participant)),
            roles=sorted(participant.role_names),
        )
        return {"Authorization": f"Bearer {issued.token}"}

    return make


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The `tradegate` command line on a migrated hub of its own (``https://hub.example``);
    a module may define its own ``runner`` for another set-up."""
    monkeypatch.setenv("TRADEGATE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRADEGATE_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("TRADEGATE_ISSUER", "https://hub.example")
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    yield runner
    get_settings.cache_clear()
