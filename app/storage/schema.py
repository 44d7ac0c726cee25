"""Whether a database holds the schema this code expects; SQLite is migrated in place."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.errors import SetupError
from app.storage.migrate import alembic_config, upgrade

MIGRATE_HINT = "run `tradegate migrate`"


class DatabaseNotMigrated(SetupError):
    """The database is empty, behind this code's migrations, or ahead of them."""


class DatabaseUnreachable(SetupError):
    """No connection to the database could be opened."""


@lru_cache(maxsize=1)
def _scripts() -> tuple[frozenset[str], frozenset[str]]:
    """This code's head revisions (one, unless branches await a merge) and every revision."""
    script = ScriptDirectory.from_config(alembic_config(""))
    known = frozenset(revision.revision for revision in script.walk_revisions())
    return frozenset(script.get_heads()), known


@dataclass(frozen=True)
class SchemaStatus:
    """The revisions a database is at, against those this code expects."""

    current: frozenset[str]
    heads: frozenset[str]
    known: frozenset[str]

    @property
    def problem(self) -> str | None:
        """None when the schema is current, else one line saying what is wrong and what to do."""
        if self.current == self.heads:
            return None
        if not self.current:
            return f"the database is not migrated: {MIGRATE_HINT}"
        if not self.upgradable:
            return (
                f"the database is at revision {', '.join(sorted(self.current - self.known))}, "
                "which this version of Tradegate does not know: run the release that migrated it"
            )
        return (
            f"the database is not migrated (at {', '.join(sorted(self.current))}, this "
            f"version needs {', '.join(sorted(self.heads))}): {MIGRATE_HINT}"
        )

    @property
    def upgradable(self) -> bool:
        """True when an upgrade can bring the database to this code's heads."""
        return self.current <= self.known


def schema_status(engine: sa.Engine) -> SchemaStatus:
    """Read the database's revisions (none for a database never migrated)."""
    heads, known = _scripts()
    try:
        with engine.connect() as conn:
            current = frozenset(MigrationContext.configure(conn).get_current_heads())
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnreachable(
            f"cannot open the database {where}: {reason} (check TRADEGATE_DATABASE_URL and "
            "that the database server runs)"
        ) from exc
    return SchemaStatus(current, heads, known)


def ensure_schema(engine: sa.Engine) -> None:
    """Migrate an embedded SQLite database to head; refuse any other that is not current.

    A SQLite file serves one hub on one machine, so it migrates itself; a PostgreSQL
    database is shared by replicas and is upgraded once, on purpose, by the operator
    (`tradegate migrate`, compose's one-shot `migrate` service).
    """
    status = schema_status(engine)
    if status.problem is None:
        return
    if engine.dialect.name == "sqlite" and status.upgradable:
        upgrade(engine.url.render_as_string(hide_password=False))
        return
    raise DatabaseNotMigrated(status.problem)
