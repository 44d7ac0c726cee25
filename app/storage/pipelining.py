"""A transaction's BEGIN and COMMIT sent with its first and last statements: two round trips fewer.

psycopg sends BEGIN as a round trip of its own before a transaction's first statement, and
COMMIT as one more after its last. In pipeline mode the server takes several messages
before answering, so a statement marked here travels with the BEGIN before it (its
connection then in autocommit mode, so psycopg adds no BEGIN of its own) or the COMMIT after
it, and both answers come back together. An error in the statement skips the COMMIT sent
behind it, and the session's rollback ends the transaction as usual.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

_BEGIN = "tradegate_begins"
_COMMIT = "tradegate_commits"


def install(engine: sa.Engine) -> None:
    """Let `execute_first` and `execute_last` pipeline on ``engine``: every PostgreSQL
    engine has this (`app.storage.db.make_engine`), or the BEGIN would be lost."""

    @sa.event.listens_for(engine, "do_execute")
    def _pipelined(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
        options = context.execution_options
        begins, commits = options.get(_BEGIN, False), options.get(_COMMIT, False)
        if not (begins or commits):
            return False
        driver = cursor.connection
        with driver.pipeline():
            if begins:
                driver.execute(b"BEGIN")
            cursor.execute(statement, parameters)
            if commits:
                driver.execute(b"COMMIT")
        return True


def execute_first(
    session: Session, statement: sa.Executable, parameters: dict[str, Any]
) -> sa.Result[Any]:
    """Run the first statement of the session's transaction, its BEGIN in the same round
    trip on PostgreSQL. Call it before anything else touches the session."""
    if not _pipelines(session):
        return session.execute(statement, parameters)
    # psycopg in autocommit mode sends no BEGIN of its own; the one sent here opens the
    # transaction, and the session's commit or rollback closes it.
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return session.execute(statement, parameters, execution_options={_BEGIN: True})


def execute_last(
    session: Session, statement: sa.Executable, parameters: dict[str, Any]
) -> sa.Result[Any]:
    """Run the last statement of the session's transaction and commit it, the COMMIT in the
    same round trip on PostgreSQL. The session's `commit()` must follow at once: it finds
    the work committed and runs what waits for a commit."""
    if not _pipelines(session):
        return session.execute(statement, parameters)
    return session.execute(statement, parameters, execution_options={_COMMIT: True})


def _pipelines(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
