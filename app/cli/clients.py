"""`tradegate clients add`: OAuth API clients of a participant."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.cli.support import operator_session, refuse

clients_cli = typer.Typer(help="Manage OAuth API clients.", no_args_is_help=True)


@clients_cli.command("add")
def clients_add(
    participant: Annotated[str, typer.Argument(help="Participant id, name or SCHEME:VALUE")],
    name: Annotated[str, typer.Option(help="Client name")] = "default",
    scope: Annotated[list[str] | None, typer.Option("--scope", help="Limit scopes")] = None,
    jwk: Annotated[Path | None, typer.Option(help="Public JWK file for private_key_jwt")] = None,
) -> None:
    """Create an API client; a secret is printed once and never stored in clear."""
    from app.services.participants.service import add_client, find_participant

    public_jwk = None
    if jwk is not None:
        try:
            public_jwk = json.loads(jwk.read_text())
        except (OSError, ValueError) as exc:
            refuse(f"cannot read JWK: {exc}")
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
