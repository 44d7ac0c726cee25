"""Several INSERT/UPDATE ... RETURNING statements in one round trip where the database allows it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.storage.db import is_postgresql
from app.storage.pipelining import execute_last


def insert_together(session: Session, statements: Sequence[sa.Insert | sa.Update]) -> list[Any]:
    """Run `statements` (each RETURNING one column) in the session's transaction, in order.

    Returns each statement's first returned value, None where it returned no row. PostgreSQL
    gets them as the data-modifying CTEs of one SELECT: a single round trip, and every
    statement runs once, to completion, whatever the others return. SQLite runs them one by
    one. Callers that dislike a result raise, and the transaction rolls back all of them.
    As in any single PostgreSQL statement, no two of them may write the same row, and none
    sees the rows another writes (foreign keys among them are checked at the statement's end,
    so a child may reference a parent inserted beside it). Give every column a value: inside
    a CTE SQLAlchemy sends the models' Python-side defaults as NULL.
    """
    if not is_postgresql(session):
        return [session.execute(statement).scalars().first() for statement in statements]
    steps = [statement.cte(f"step_{i}") for i, statement in enumerate(statements)]
    combined = sa.select(*(sa.select(step.c[0]).limit(1).scalar_subquery() for step in steps))
    return list(session.execute(combined).one())


def write_together(
    session: Session,
    statements: Sequence[sa.Insert | sa.Update],
    parameters: dict[str, Any],
    *,
    last: bool = False,
) -> list[Any]:
    """`insert_together` for statements built once, with bound parameters named apart, and
    run with ``parameters`` (each statement takes the ones it names).

    Building a statement and its cache key costs more Python than running it: statements
    made once (a module constant, or cached by shape) skip both, and so does their
    combination, which is kept per tuple of statements.

    ``last``: these are the transaction's last writes, and the caller commits at once; on
    PostgreSQL the COMMIT goes with them (`execute_last`), so the results come back from a
    committed transaction and a caller can no longer roll it back over them.
    """
    if not is_postgresql(session):
        return [session.execute(s, parameters).scalars().first() for s in statements]
    run = execute_last if last else Session.execute
    return list(run(session, _combined(tuple(statements)), parameters).one())


@lru_cache(maxsize=64)
def _combined(statements: tuple[sa.Insert | sa.Update, ...]) -> sa.Select[Any]:
    steps = [statement.cte(f"step_{i}") for i, statement in enumerate(statements)]
    return sa.select(*(sa.select(step.c[0]).limit(1).scalar_subquery() for step in steps))
