"""`tradegate migrate|serve|worker|beat`: run the hub's processes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from app.cli.support import check_hub, refuse
from app.settings import get_settings

console = Console()
# worker and beat hand their extra arguments to Celery.
PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


def migrate(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Apply database migrations (SQLite or PostgreSQL)."""
    from alembic.util import CommandError

    from app.storage.db import make_engine
    from app.storage.migrate import upgrade
    from app.storage.schema import DatabaseNotMigrated, schema_status

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    try:
        status = schema_status(engine)
    finally:
        engine.dispose()
    if not status.upgradable and status.problem:
        raise DatabaseNotMigrated(status.problem)
    try:
        upgrade(settings.effective_database_url, revision)
    except CommandError as exc:
        refuse(f"cannot migrate to {revision!r}: {exc}")
    console.print(f"database at {revision}")


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (production)")] = 1,
) -> None:
    """Run the HTTP API (and, when embedded, the in-process task runner)."""
    import uvicorn

    check_hub()
    uvicorn.run(
        "app.asgi:app", host=host, port=port, workers=workers, proxy_headers=True, log_config=None
    )


def worker(ctx: typer.Context) -> None:
    """Run a Celery worker (extra arguments go to `celery worker`)."""
    check_hub()
    from app.worker import celery

    celery.worker_main(["worker", "--loglevel=INFO", *ctx.args])


def beat(ctx: typer.Context) -> None:
    """Run Celery beat: the periodic jobs (outbox sweep, expiry, sequencing, anchoring)."""
    check_hub()
    from app.worker import celery

    celery.start(["beat", "--loglevel=INFO", *ctx.args])
