"""`tradegate participants add|list`: register and list participants."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from app.cli.support import open_container, operator_session

participants_cli = typer.Typer(help="Register and list participants.", no_args_is_help=True)
console = Console()


@participants_cli.command("add")
def participants_add(
    name: Annotated[str, typer.Argument(help="Organisation name")],
    role: Annotated[list[str], typer.Option("--role", "-r", help="provider|consumer|owner|admin")],
    identifier: Annotated[list[str] | None, typer.Option("--id", help="SCHEME:VALUE")] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166 alpha-2")] = None,
) -> None:
    """Register a participant."""
    from app.services.participants.service import create_participant

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
    from app.services.participants.service import list_participants

    container = open_container()
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
