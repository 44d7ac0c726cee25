"""BEGIN and COMMIT sent with a transaction's first and last statements keep it one transaction."""

from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.storage import db
from app.storage.pipelining import execute_first, execute_last

pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("backend", ["postgresql"], indirect=True),
]

_INSERT = sa.text("INSERT INTO pipelining_probe (x) VALUES (:x) RETURNING x")


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = db.make_engine(database_url, pool_size=2, max_overflow=0)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE pipelining_probe (x integer PRIMARY KEY)"))
    yield engine
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE pipelining_probe"))
    engine.dispose()


def _stored(engine: sa.Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.scalars(sa.text("SELECT x FROM pipelining_probe ORDER BY x")))


def _status(session: Session) -> psycopg.pq.TransactionStatus:
    return session.connection().connection.driver_connection.info.transaction_status


def test_the_first_statement_opens_a_transaction_that_a_rollback_undoes(engine):
    with Session(engine) as session:
        assert execute_first(session, _INSERT, {"x": 1}).scalar_one() == 1
        assert _status(session) == psycopg.pq.TransactionStatus.INTRANS
        session.execute(_INSERT, {"x": 2})
        session.rollback()
    assert _stored(engine) == []


def test_the_last_statement_commits_everything_before_it(engine):
    with Session(engine) as session:
        execute_first(session, _INSERT, {"x": 1})
        assert execute_last(session, _INSERT, {"x": 2}).scalar_one() == 2
        assert _stored(engine) == [1, 2]  # committed with the last statement
        session.commit()
    assert _stored(engine) == [1, 2]


def test_a_failing_last_statement_commits_nothing(engine):
    with Session(engine) as session:
        execute_first(session, _INSERT, {"x": 1})
        with pytest.raises(sa.exc.IntegrityError):
            execute_last(session, _INSERT, {"x": 1})
        session.rollback()
    assert _stored(engine) == []


def test_the_pooled_connection_returns_to_ordinary_transactions(engine):
    with Session(engine) as session:
        execute_first(session, _INSERT, {"x": 1})
        session.commit()
    with Session(engine) as session:
        session.execute(_INSERT, {"x": 2})
        assert _status(session) == psycopg.pq.TransactionStatus.INTRANS
        session.rollback()
    assert _stored(engine) == [1]
