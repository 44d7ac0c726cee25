"""The `tradegate` command: run the gateway, workers and migrations; manage participants."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from app.cli_audit import audit_cli
from app.cli_connectors import connectors_cli, deliveries_cli
from app.cli_consents import consents_cli
from app.cli_ledger import ledger_cli, verify
from app.cli_mandates import mandates_cli
from app.cli_support import EXIT_USAGE, err, operator_session
from app.cli_validate import validate_command
from app.container import Container, bootstrap
from app.errors import ProblemError
from app.settings import Settings, get_settings

cli = typer.Typer(
    help="Tradegate trade-document interchange hub.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
participants_cli = typer.Typer(help="Register and list participants.", no_args_is_help=True)
clients_cli = typer.Typer(help="Manage OAuth API clients.", no_args_is_help=True)
users_cli = typer.Typer(help="Manage dashboard users.", no_args_is_help=True)
keys_cli = typer.Typer(help="Rotate and retire the hub's signing keys.", no_args_is_help=True)
cli.add_typer(participants_cli, name="participants")
cli.add_typer(clients_cli, name="clients")
cli.add_typer(users_cli, name="users")
cli.add_typer(keys_cli, name="keys")
cli.add_typer(connectors_cli, name="connectors")
cli.add_typer(deliveries_cli, name="deliveries")
cli.add_typer(audit_cli, name="audit")
cli.add_typer(consents_cli, name="consents")
cli.add_typer(mandates_cli, name="mandates")
cli.command("validate")(validate_command)
cli.add_typer(ledger_cli, name="ledger")
cli.command("verify")(verify)
console = Console()


def _container() -> Container:
    return bootstrap(get_settings())


@cli.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Apply database migrations (SQLite or PostgreSQL)."""
    from app.storage.migrate import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url, revision)
    console.print(f"database at {revision}")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (production)")] = 1,
) -> None:
    """Run the HTTP API (and, when embedded, the in-process task runner)."""
    import uvicorn

    uvicorn.run(
        "app.asgi:app", host=host, port=port, workers=workers, proxy_headers=True, log_config=None
    )


@cli.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def worker(ctx: typer.Context) -> None:
    """Run a Celery worker (extra arguments go to `celery worker`)."""
    from app.tasks.worker import celery

    celery.worker_main(["worker", "--loglevel=INFO", *ctx.args])


@cli.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def beat(ctx: typer.Context) -> None:
    """Run Celery beat: the periodic jobs (outbox sweep, expiry, sequencing, anchoring)."""
    from app.tasks.worker import celery

    celery.start(["beat", "--loglevel=INFO", *ctx.args])


@participants_cli.command("add")
def participants_add(
    name: Annotated[str, typer.Argument(help="Organisation name")],
    role: Annotated[list[str], typer.Option("--role", "-r", help="provider|consumer|owner|admin")],
    identifier: Annotated[list[str] | None, typer.Option("--id", help="SCHEME:VALUE")] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166 alpha-2")] = None,
) -> None:
    """Register a participant."""
    from app.services.participants import create_participant

    with operator_session() as session:
        p = create_participant(
            session,
            name=name,
            roles=role,
            identifiers=identifier or [],
            country=country,
            actor="cli",
        )
    typer.echo(json.dumps({"id": str(p.id), "name": p.name, "roles": sorted(role)}))


@participants_cli.command("list")
def participants_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
) -> None:
    """List participants with their roles and identifiers."""
    from app.security.principal import SYSTEM
    from app.services.participants import list_participants

    container = _container()
    with container.uow() as uow:
        rows: list[dict[str, Any]] = [
            {
                "id": str(p.id),
                "name": p.name,
                "roles": sorted(p.role_names),
                "identifiers": [f"{i.scheme}:{i.value}" for i in p.identifiers],
            }
            for p in list_participants(uow.session, SYSTEM)
        ]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    table = Table("id", "name", "roles", "identifiers")
    for row in rows:
        table.add_row(row["id"], row["name"], ",".join(row["roles"]), " ".join(row["identifiers"]))
    console.print(table)


@clients_cli.command("add")
def clients_add(
    participant: Annotated[str, typer.Argument(help="Participant id, name or SCHEME:VALUE")],
    name: Annotated[str, typer.Option(help="Client name")] = "default",
    scope: Annotated[list[str] | None, typer.Option("--scope", help="Limit scopes")] = None,
    jwk: Annotated[Path | None, typer.Option(help="Public JWK file for private_key_jwt")] = None,
) -> None:
    """Create an API client; a secret is printed once and never stored in clear."""
    from app.services.participants import add_client, find_participant

    public_jwk = None
    if jwk is not None:
        try:
            public_jwk = json.loads(jwk.read_text())
        except (OSError, ValueError) as exc:
            err.print(f"[red]error:[/red] cannot read JWK: {exc}")
            raise typer.Exit(EXIT_USAGE) from exc
    with operator_session() as session:
        p = find_participant(session, participant)
        new = add_client(session, p, name=name, scopes=scope, public_jwk=public_jwk, actor="cli")
    typer.echo(
        json.dumps(
            {
                "client_id": new.client.client_id,
                "client_secret": new.secret,
                "scopes": new.client.scopes,
            }
        )
    )


@users_cli.command("add")
def users_add(
    participant: Annotated[str, typer.Argument(help="Participant id, name or SCHEME:VALUE")],
    email: Annotated[str, typer.Argument(help="Login e-mail")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    admin: Annotated[bool, typer.Option(help="Administrator of the hub")] = False,
) -> None:
    """Create a dashboard user (password hashed with argon2)."""
    from app.services.participants import add_user, find_participant

    with operator_session() as session:
        p = find_participant(session, participant)
        user = add_user(session, p, email=email, password=password, is_admin=admin, actor="cli")
    console.print(f"user {user.email} created")


@keys_cli.command("list")
def keys_list() -> None:
    """Show the signing keys and their status."""
    container = _container()
    for k in container.keys.describe():
        console.print(f"{k['kid']}  {k['status']}  {k['created']}")


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Add a new signing key; the old one keeps verifying until it is retired."""
    container = _container()
    kid = container.keys.rotate()
    container.keys.save()
    console.print(f"new active key {kid}; restart the API replicas to pick it up")


@keys_cli.command("retire")
def keys_retire(kid: str) -> None:
    """Stop publishing and accepting a rotated key (after its tokens have expired)."""
    from app.security.keys import KeyStoreError

    container = _container()
    try:
        container.keys.retire(kid)
    except KeyStoreError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from exc
    container.keys.save()
    console.print(f"key {kid} retired")


@cli.command()
def demo(
    data_dir: Annotated[Path, typer.Option(help="Where the demo database and keys live")] = Path(
        "var/demo"
    ),
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the API")] = True,
) -> None:
    """Create a fresh demo hub (shipper, carrier, two banks, admin), print credentials, serve."""
    import os

    from app.demo import create_demo

    os.environ["TRADEGATE_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("TRADEGATE_ISSUER", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    settings: Settings = get_settings()
    report = create_demo(settings)
    typer.echo(report.render())
    if serve_after:
        serve(host="127.0.0.1", port=port, workers=1)


def main() -> None:
    try:
        cli()
    except ProblemError as exc:  # from commands that do not use operator_session
        err.print(f"[red]error:[/red] {exc.detail}")
        sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    main()
