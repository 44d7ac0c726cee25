"""The migration chain runs both ways on SQLite and PostgreSQL and matches the models."""

import uuid

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.storage.base import Base
from app.storage.db import make_engine
from app.storage.migrate import downgrade, upgrade
from tests.conftest import PG_ADMIN_URL, service_missing

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    name = f"tg_mig_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        service_missing("PostgreSQL", exc)
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _drift(url: str) -> list[object]:
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True}),
            Base.metadata,
        )
    engine.dispose()
    return list(diff)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    names = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    return names


def test_upgrade_downgrade_upgrade_is_clean(empty_database):
    upgrade(empty_database)
    assert _tables(empty_database) == set(Base.metadata.tables)
    downgrade(empty_database, "base")
    assert _tables(empty_database) == set()
    upgrade(empty_database)
    assert _drift(empty_database) == []


def test_outbox_rows_applied_before_0008_count_as_dispatched(empty_database):
    upgrade(empty_database, "0007")
    engine = make_engine(empty_database)
    insert = sa.text(
        "INSERT INTO outbox (id, topic, key, payload, created_at, available_at, published_at,"
        " publish_attempts) VALUES (:id, 't', :key, '{}', :now, :now, :published, 1)"
    )
    receipt = sa.text(
        "INSERT INTO task_receipts (message_id, handler, done_at) VALUES (:id, 'h', :now)"
    )
    now = "2026-01-01 00:00:00+00:00"
    applied, lost, waiting = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(insert, {"id": applied.hex, "key": "applied", "now": now, "published": now})
        conn.execute(receipt, {"id": applied.hex, "now": now})
        conn.execute(insert, {"id": lost.hex, "key": "lost", "now": now, "published": now})
        conn.execute(insert, {"id": waiting.hex, "key": "waiting", "now": now, "published": None})
    upgrade(empty_database)
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.text("SELECT key, dispatched_at FROM outbox")).all())
    engine.dispose()
    assert rows["applied"] is not None
    assert rows["lost"] is None  # published, never applied: the sweep redelivers it
    assert rows["waiting"] is None
