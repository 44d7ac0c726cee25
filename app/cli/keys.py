"""`tradegate keys list|rotate|retire`: the hub's signing keys, fingerprint secrets, OPRF keys.

They live in the hub's key file, so these commands need no database; retiring a fingerprint
secret or an OPRF key alone asks the database whether open registrations still depend on it.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from app.cli.support import open_container, refuse
from app.security.keys import FINGERPRINT_USE, OPRF_USE, KeyStore, KeyStoreError
from app.services.financing.federation import outputs
from app.services.financing.matching import registrations_only_under
from app.settings import get_settings

keys_cli = typer.Typer(
    help="Rotate and retire the hub's signing keys and fingerprint secrets.", no_args_is_help=True
)
console = Console()


@keys_cli.command("list")
def keys_list() -> None:
    """Show the signing keys and fingerprint secrets (never the secrets) and their status."""
    for k in KeyStore.of(get_settings()).describe():
        console.print(f"{k['kid']}  {k['status']}  {k['created']}  {k['use']}")


@keys_cli.command("rotate")
def keys_rotate(
    fingerprint: Annotated[
        bool, typer.Option("--fingerprint", help="Rotate the fingerprint secret instead")
    ] = False,
    oprf: Annotated[
        bool, typer.Option("--oprf", help="Rotate the cross-border OPRF key instead")
    ] = False,
) -> None:
    """Add a new signing key (or fingerprint secret, or OPRF key); the old one keeps verifying
    (matching, answering peers) until it is retired."""
    if fingerprint and oprf:
        refuse("rotate one kind of key at a time: --fingerprint or --oprf")
    keys = KeyStore.of(get_settings())
    if oprf:
        kid = keys.rotate_oprf_key()
    else:
        kid = keys.rotate_fingerprint_key() if fingerprint else keys.rotate()
    keys.save()
    console.print(f"new active key {kid}; restart the API replicas to pick it up")


@keys_cli.command("add-witness-key")
def keys_add_witness_key() -> None:
    """Create the Ed25519 key that cosigns peers' checkpoints (once; verifiers pin it)."""
    keys = KeyStore.of(get_settings())
    try:
        keys.add_witness_key()
    except KeyStoreError as exc:
        refuse(f"{exc}")
    keys.save()
    console.print("witness key created; restart the API replicas to pick it up")


@keys_cli.command("retire")
def keys_retire(kid: str) -> None:
    """Stop publishing and accepting a rotated key (after its tokens have expired), or stop
    matching under a rotated fingerprint secret or OPRF key (after `tradegate financing
    rekey`)."""
    keys = KeyStore.of(get_settings())
    try:
        use = next((k["use"] for k in keys.describe() if k["kid"] == kid), None)
        if use in (FINGERPRINT_USE, OPRF_USE):
            with open_container().uow() as uow:
                if use == FINGERPRINT_USE:
                    hidden = registrations_only_under(uow.session, kid)
                else:
                    hidden = outputs.registrations_only_under(uow.session, kid)
            if hidden:
                raise KeyStoreError(
                    f"{hidden} open registrations are fingerprinted only under {kid}: "
                    "run `tradegate financing rekey` first"
                )
        keys.retire(kid)
    except KeyStoreError as exc:
        refuse(f"{exc}")
    keys.save()
    console.print(f"key {kid} retired")
