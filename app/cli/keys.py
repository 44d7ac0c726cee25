"""`tradegate keys list|rotate|retire`: the hub's signing keys, in its key file alone."""

from __future__ import annotations

import typer
from rich.console import Console

from app.cli.support import refuse
from app.security.keys import KeyStore, KeyStoreError
from app.settings import get_settings

keys_cli = typer.Typer(help="Rotate and retire the hub's signing keys.", no_args_is_help=True)
console = Console()


@keys_cli.command("list")
def keys_list() -> None:
    """Show the signing keys and their status."""
    for k in KeyStore.of(get_settings()).describe():
        console.print(f"{k['kid']}  {k['status']}  {k['created']}")


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Add a new signing key; the old one keeps verifying until it is retired."""
    keys = KeyStore.of(get_settings())
    kid = keys.rotate()
    keys.save()
    console.print(f"new active key {kid}; restart the API replicas to pick it up")


@keys_cli.command("retire")
def keys_retire(kid: str) -> None:
    """Stop publishing and accepting a rotated key (after its tokens have expired)."""
    keys = KeyStore.of(get_settings())
    try:
        keys.retire(kid)
    except KeyStoreError as exc:
        refuse(f"{exc}")
    keys.save()
    console.print(f"key {kid} retired")
