"""`tradegate keys list|rotate|retire`: the hub's signing keys."""

from __future__ import annotations

import typer
from rich.console import Console

from app.cli.support import open_container, refuse

keys_cli = typer.Typer(help="Rotate and retire the hub's signing keys.", no_args_is_help=True)
console = Console()


@keys_cli.command("list")
def keys_list() -> None:
    """Show the signing keys and their status."""
    container = open_container()
    for k in container.keys.describe():
        console.print(f"{k['kid']}  {k['status']}  {k['created']}")


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Add a new signing key; the old one keeps verifying until it is retired."""
    container = open_container()
    kid = container.keys.rotate()
    container.keys.save()
    console.print(f"new active key {kid}; restart the API replicas to pick it up")


@keys_cli.command("retire")
def keys_retire(kid: str) -> None:
    """Stop publishing and accepting a rotated key (after its tokens have expired)."""
    from app.security.keys import KeyStoreError

    container = open_container()
    try:
        container.keys.retire(kid)
    except KeyStoreError as exc:
        refuse(f"{exc}")
    container.keys.save()
    console.print(f"key {kid} retired")
