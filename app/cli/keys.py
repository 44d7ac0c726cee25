"""`tradegate keys list|rotate|retire`: the hub's signing keys and fingerprint secrets."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from app.cli.support import EXIT_USAGE, err, open_container
from app.security.keys import FINGERPRINT_USE, KeyStoreError
from app.services.financing.matching import registrations_only_under

keys_cli = typer.Typer(
    help="Rotate and retire the hub's signing keys and fingerprint secrets.", no_args_is_help=True
)
console = Console()


@keys_cli.command("list")
def keys_list() -> None:
    """Show the signing keys and fingerprint secrets (never the secrets) and their status."""
    container = open_container()
    for k in container.keys.describe():
        console.print(f"{k['kid']}  {k['status']}  {k['created']}  {k['use']}")


@keys_cli.command("rotate")
def keys_rotate(
    fingerprint: Annotated[
        bool, typer.Option("--fingerprint", help="Rotate the fingerprint secret instead")
    ] = False,
) -> None:
    """Add a new signing key (or fingerprint secret); the old one keeps verifying (matching)
    until it is retired."""
    container = open_container()
    kid = container.keys.rotate_fingerprint_key() if fingerprint else container.keys.rotate()
    container.keys.save()
    console.print(f"new active key {kid}; restart the API replicas to pick it up")


@keys_cli.command("retire")
def keys_retire(kid: str) -> None:
    """Stop publishing and accepting a rotated key (after its tokens have expired), or stop
    matching under a rotated fingerprint secret (after `tradegate financing rekey`)."""
    container = open_container()
    try:
        if any(k["kid"] == kid and k["use"] == FINGERPRINT_USE for k in container.keys.describe()):
            with container.uow() as uow:
                hidden = registrations_only_under(uow.session, kid)
            if hidden:
                raise KeyStoreError(
                    f"{hidden} open registrations are fingerprinted only under {kid}: "
                    "run `tradegate financing rekey` first"
                )
        container.keys.retire(kid)
    except KeyStoreError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from exc
    container.keys.save()
    console.print(f"key {kid} retired")
