"""A database not at this code's head: SQLite migrates itself, PostgreSQL refuses in one line."""

import pytest
import sqlalchemy as sa

from app.storage.db import make_engine
from app.storage.migrate import upgrade
from app.storage.schema import DatabaseNotMigrated, ensure_schema, schema_status
from bench.support import private_database

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_postgres(pg_server_url):
    """A PostgreSQL database never migrated (``pg_server_url`` skips or fails without one)."""
    with private_database() as url:
        yield url


def _refusal(url: str) -> str:
    engine = make_engine(url)
    try:
        with pytest.raises(DatabaseNotMigrated) as refused:
            ensure_schema(engine)
    finally:
        engine.dispose()
    return str(refused.value)


def test_a_fresh_sqlite_file_migrates_itself_to_head(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert schema_status(engine).problem == "the database is not migrated: run `tradegate migrate`"
    ensure_schema(engine)
    status = schema_status(engine)
    assert status.problem is None and status.current == status.heads
    engine.dispose()


def test_an_empty_postgresql_database_is_refused_with_the_command_to_run(empty_postgres):
    assert _refusal(empty_postgres) == "the database is not migrated: run `tradegate migrate`"


def test_a_postgresql_database_behind_names_both_revisions(empty_postgres):
    upgrade(empty_postgres, "0007")
    message = _refusal(empty_postgres)
    assert message.startswith("the database is not migrated (at 0007, this version needs ")
    assert message.endswith("run `tradegate migrate`")


def test_a_database_from_a_newer_release_is_refused_even_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseNotMigrated, match="revision 9999, which this version"):
        ensure_schema(engine)
    engine.dispose()
